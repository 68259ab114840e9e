import type { MatrixAccountView } from '../ipc';
import { Spinner } from './Progress';

interface Props {
  account: MatrixAccountView;
  /** The EMS subscription the account was opened from, described; `null` if none. */
  paidBy: string | null;
  busy: boolean;
  onSignOut: () => void;
  onRemove: () => void;
  onSignInAgain: () => void;
  /** Opens the account's settings; absent where they cannot be shown. */
  onManage?: () => void;
}

/** One Matrix account: who, where, and where its session stands. */
export function MatrixAccountCard({ account, paidBy, busy, onSignOut, onRemove, onSignInAgain, onManage }: Props) {
  const { session } = account;
  const live = session.state === 'signed_in' || session.state === 'unreachable';
  const signedOut = session.state === 'signed_out' || session.state === 'signed_out_on_server' || session.state === 'failed';
  return (
    <li class="matrix-account" data-testid={`matrix-account-${account.id}`} data-state={session.state}>
      <strong data-testid="matrix-user-id">{account.user_id}</strong>
      {account.display_name && <span> ({account.display_name})</span>}
      <div class="server">
        Homeserver: <code>{account.homeserver}</code>
      </div>
      {paidBy && (
        <div class="server" data-testid="matrix-subscription">
          Opened from {paidBy}
        </div>
      )}
      <div data-testid="matrix-session-state">
        {(session.state === 'restoring' || session.state === 'checking') && <Spinner />}
        {session.state === 'restoring' && 'Restoring the session…'}
        {session.state === 'checking' && 'Checking the session with the server…'}
        {session.state === 'signed_in' && (
          <>
            Signed in. Session <code data-testid="matrix-device-id">{session.device_id}</code>
          </>
        )}
        {session.state === 'signed_out' && 'Signed out. Sign in again to use this account.'}
        {session.state === 'signed_out_on_server' &&
          'Signed out on the server: the session was ended elsewhere or the password changed. Sign in again; the account is kept.'}
      </div>
      {(session.state === 'unreachable' || session.state === 'failed') && (
        <div class="error" role="alert" data-testid="error">
          {session.message}
        </div>
      )}
      <div class="actions">
        {session.state === 'signed_in' && onManage && (
          <button type="button" data-testid="matrix-manage-open" disabled={busy} onClick={onManage}>
            Manage account
          </button>
        )}
        {live && (
          <button type="button" data-testid="matrix-sign-out" disabled={busy} onClick={onSignOut}>
            Sign out
          </button>
        )}
        {signedOut && (
          <button type="button" data-testid="matrix-sign-in-again" disabled={busy} onClick={onSignInAgain}>
            Sign in again
          </button>
        )}
        <button type="button" data-testid="matrix-remove" disabled={busy} onClick={onRemove}>
          Remove from this computer
        </button>
      </div>
    </li>
  );
}
