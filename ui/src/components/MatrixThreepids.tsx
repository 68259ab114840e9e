import { useEffect, useState } from 'preact/hooks';
import { matrixRemoveThreepid, matrixThreepids, toIpcError, type ThreepidView } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';

/** The email addresses and phone numbers on the account, each removable. */
export function MatrixThreepids({ accountId }: { accountId: string }) {
  const [list, setList] = useState<ThreepidView[] | null>(null);
  const { busy, error, run, setError } = useAction();

  const load = () => matrixThreepids(accountId).then(setList, (e: unknown) => setError(toIpcError(e)));
  useEffect(() => {
    load();
  }, [accountId]);

  // Busy until the list is loaded again.
  const remove = (t: ThreepidView) =>
    run(async () => {
      await matrixRemoveThreepid(accountId, t.medium, t.address);
      await load();
    });

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
