import { useEffect, useState } from 'preact/hooks';
import { matrixRemoveThreepid, matrixThreepids, toIpcError, type IpcError, type ThreepidView } from '../ipc';
import { ErrorBanner } from './ErrorBanner';

/** The email addresses and phone numbers on the account, each removable. */
export function MatrixThreepids({ accountId }: { accountId: string }) {
  const [list, setList] = useState<ThreepidView[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  const load = () => matrixThreepids(accountId).then(setList, (e: unknown) => setError(toIpcError(e)));
  useEffect(() => {
    load();
  }, [accountId]);

  const remove = (t: ThreepidView) => {
    setBusy(true);
    setError(null);
    matrixRemoveThreepid(accountId, t.medium, t.address)
      .then(load, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(false));
  };

  return (
    <section class="card" aria-labelledby="matrix-threepids-title">
      <h3 id="matrix-threepids-title">Email addresses and phone numbers</h3>
      {list !== null && list.length === 0 && <p class="hint">No email address or phone number is on this account.</p>}
      <ul data-testid="matrix-threepids">
        {(list ?? []).map((t) => (
          <li key={`${t.medium}:${t.address}`} data-testid={`threepid-${t.address}`}>
            {t.medium === 'msisdn' ? 'Phone' : 'Email'}: <span>{t.address}</span>{' '}
            <button type="button" data-testid={`matrix-remove-threepid-${t.address}`} disabled={busy} onClick={() => remove(t)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {error && <ErrorBanner error={error} />}
    </section>
  );
}
