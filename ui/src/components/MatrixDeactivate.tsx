import { useState } from 'preact/hooks';
import { matrixDeactivate, matrixDeactivateSso } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import type { Protect } from './MatrixManage';

interface Props {
  accountId: string;
  userId: string;
  protect: Protect;
  /** Called once the account is deactivated and removed from this computer. */
  onDeactivated: () => void;
}

/** Deactivation: what it means, the erase option, a typed confirmation, then the password. */
export function MatrixDeactivate({ accountId, userId, protect, onDeactivated }: Props) {
  const [erase, setErase] = useState(false);
  const [typed, setTyped] = useState('');
  const { busy, error, run } = useAction();
  const confirmed = typed.trim() === userId;

  const deactivate = () =>
    run(() =>
      protect(
        'Deactivate the account',
        (auth) => matrixDeactivate(accountId, erase, auth),
        onDeactivated,
        () => matrixDeactivateSso(accountId, erase),
      ),
    );

  return (
    <section class="card danger" aria-labelledby="matrix-deactivate-title">
      <h3 id="matrix-deactivate-title">Deactivate the account</h3>
      <ul class="hint">
        <li>
          <strong>{userId}</strong> can never be used again, by you or anyone else.
        </li>
        <li>You leave every room and can no longer sign in anywhere.</li>
        <li>Your messages stay visible to people who saw them, unless you also erase them.</li>
        <li>It cannot be undone. Afterwards the account is removed from this computer.</li>
      </ul>
      <label>
        <input type="checkbox" data-testid="matrix-deactivate-erase" checked={erase} onChange={(e) => setErase(e.currentTarget.checked)} /> Also
        erase my messages: people who join rooms later will not see them
      </label>
      <label>
        Type your Matrix ID, <code>{userId}</code>, to confirm{' '}
        <input data-testid="matrix-deactivate-confirm" value={typed} disabled={busy} onInput={(e) => setTyped(e.currentTarget.value)} />
      </label>
      {error && <ErrorBanner error={error} />}
      <button type="button" class="danger" data-testid="matrix-deactivate" disabled={busy || !confirmed} onClick={deactivate}>
        Deactivate {userId}
      </button>
    </section>
  );
}
