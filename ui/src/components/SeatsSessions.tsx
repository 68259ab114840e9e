import { useEffect, useState } from 'preact/hooks';
import { seatsSessions, seatsSignOutSessions, type SeatsTarget, type SeatUser, type UserSession } from '../ipc';
import { Progress } from './Progress';
import { ErrorBanner } from './ErrorBanner';
import { useAction } from '../useAction';
import { SeatsConfirm, useSeatsDialog } from './SeatsConfirm';

interface Props {
  target: SeatsTarget;
  user: SeatUser;
  canChange: boolean;
  onClose: () => void;
}

function lastSeen(session: UserSession): string {
  const when = session.last_seen_ms === null ? 'never seen' : `last seen ${new Date(session.last_seen_ms).toLocaleString()}`;
  return session.last_seen_ip ? `${when} from ${session.last_seen_ip}` : when;
}

/** One user's sessions on the homeserver, each of which (or all at once) can be signed out. */
export function SeatsSessions({ target, user, canChange, onClose }: Props) {
  const [sessions, setSessions] = useState<UserSession[] | null>(null);
  // The session to sign out, or null for all of them, while the confirmation is open.
  const [pending, setPending] = useState<{ deviceId: string | null } | null>(null);
  const dialog = useSeatsDialog('sessions-sign-out');
  const loading = useAction();
  const signingOut = useAction();

  useEffect(() => {
    setSessions(null);
    loading.run(() => seatsSessions(target, user.user_id)).then((result) => {
      if (result.ok) setSessions(result.value);
    });
  }, [user.user_id]);

  const ask = (deviceId: string | null) => {
    signingOut.clearError();
    setPending({ deviceId });
    dialog.open();
  };
  const confirm = async (deviceId: string | null) => {
    const result = await signingOut.run(() => seatsSignOutSessions(target, user.user_id, deviceId));
    if (result.ok) {
      setSessions(result.value);
      dialog.close();
    }
  };

  return (
    <section class="card" data-testid="seats-sessions-panel" aria-label={`Sessions of ${user.user_id}`}>
      <h4>Sessions of {user.user_id}</h4>
      {loading.error && <ErrorBanner error={loading.error} testId="seats-error" />}
      {sessions === null && !loading.error && <Progress hint>Loading the sessions…</Progress>}
      {sessions !== null && sessions.length === 0 && <p>No session is signed in.</p>}
      {sessions !== null && sessions.length > 0 && (
        <ul class="devices">
          {sessions.map((session) => (
            <li key={session.device_id} data-testid={`seats-session-${session.device_id}`}>
              <strong>{session.display_name ?? 'Unnamed session'}</strong> <code>{session.device_id}</code>
              <span class="hint"> {lastSeen(session)}</span>{' '}
              {canChange && (
                <button type="button" data-testid={`seats-session-sign-out-${session.device_id}`} onClick={() => ask(session.device_id)}>
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {dialog.isOpen && pending && (
        <SeatsConfirm
          title={pending.deviceId === null ? `Sign out every session of ${user.user_id}?` : `Sign out session ${pending.deviceId}?`}
          confirmLabel="Sign out"
          danger
          busy={signingOut.busy}
          error={signingOut.error}
          onConfirm={() => confirm(pending.deviceId)}
          onCancel={dialog.close}
        >
          <p>A signed-out device has to be signed in again before it can be used.</p>
        </SeatsConfirm>
      )}
      <div class="actions">
        {canChange && sessions !== null && sessions.length > 0 && (
          <button type="button" data-testid="seats-sessions-sign-out-all" onClick={() => ask(null)}>
            Sign out all
          </button>
        )}
        <button type="button" data-testid="seats-sessions-close" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
