import { useEffect } from 'preact/hooks';
import type { DelegatedAction, SeatUser } from '../ipc';
import type { UserActionKind } from './SeatsUserActions';
import { useVirtualRows } from './useVirtualRows';

// Rows have one fixed height so the virtualizer needs no measuring; the viewport is fixed
// too (set here, not in CSS, so the virtualizer and the layout cannot disagree).
const ROW_PX = 40;
const VIEWPORT_PX = 480;

interface Props {
  users: SeatUser[];
  /** Changes when the search or filter does: the list scrolls back to the top. */
  resetKey: string;
  /** False when no changes may be offered (stale EMS data): no action buttons. */
  canChange: boolean;
  /** What the homeserver leaves to its authorization server: no buttons for those. */
  unavailable?: readonly DelegatedAction[];
  onAction: (kind: UserActionKind, user: SeatUser) => void;
  onSessions: (user: SeatUser) => void;
}

/** The users, virtualised: only the rows in or near view are in the DOM. */
export function SeatsUserList({ users, resetKey, canChange, unavailable = [], onAction, onSessions }: Props) {
  const { scrollRef, virtualizer } = useVirtualRows(users.length, ROW_PX, VIEWPORT_PX);

  useEffect(() => {
    if ((virtualizer.scrollOffset ?? 0) > 0) virtualizer.scrollToOffset(0);
  }, [resetKey]);

  // Styles are objects, set through the CSSOM: the app's CSP refuses inline style attributes.
  return (
    <div class="seats-table">
      <div class="seats-row seats-head" aria-hidden="true">
        <span>Matrix ID</span>
        <span>Display name</span>
        <span>Status</span>
        <span>Created</span>
        <span>Last seen</span>
        <span />
      </div>
      <div class="seats-scroll" ref={scrollRef} style={{ height: `${VIEWPORT_PX}px` }}>
        <div role="list" aria-label="Users" style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const user = users[item.index];
            if (!user) return null;
            return (
              <UserRow
                key={user.user_id}
                user={user}
                top={item.start}
                canChange={canChange}
                unavailable={unavailable}
                onAction={onAction}
                onSessions={onSessions}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  user: SeatUser;
  top: number;
  canChange: boolean;
  unavailable: readonly DelegatedAction[];
  onAction: (kind: UserActionKind, user: SeatUser) => void;
  onSessions: (user: SeatUser) => void;
}

function UserRow({ user, top, canChange, unavailable, onAction, onSessions }: RowProps) {
  const id = user.localpart;
  const offered = (action: DelegatedAction) => !unavailable.includes(action);
  return (
    <div
      role="listitem"
      class="seats-row"
      style={{ transform: `translateY(${top}px)`, height: `${ROW_PX}px` }}
      data-testid={`seats-user-${id}`}
      data-holds-seat={user.holds_seat ? 'true' : 'false'}
    >
      <code title={user.user_id}>{user.user_id}</code>
      <span title={user.display_name ?? ''}>{user.display_name ?? ''}</span>
      <span class="seats-flags">
        {flags(user).map((flag) => (
          <span key={flag} class="badge">
            {flag}
          </span>
        ))}
      </span>
      <span title={fullTime(user.created_ms)}>{day(user.created_ms, 'unknown')}</span>
      <span title={fullTime(user.last_seen_ms)}>{day(user.last_seen_ms, 'never')}</span>
      <span class="seats-row-actions">
        {canChange &&
          (user.deactivated ? (
            offered('reactivate') && (
              <button type="button" data-testid={`seats-reactivate-${id}`} onClick={() => onAction('reactivate', user)}>
                Reactivate…
              </button>
            )
          ) : (
            <>
              <button type="button" data-testid={`seats-deactivate-${id}`} onClick={() => onAction('deactivate', user)}>
                Deactivate…
              </button>
              {offered('reset_password') && (
                <button type="button" data-testid={`seats-reset-password-${id}`} onClick={() => onAction('reset', user)}>
                  Reset password…
                </button>
              )}
              {offered('set_admin') && (
                <button type="button" data-testid={`seats-admin-toggle-${id}`} onClick={() => onAction('admin', user)}>
                  {user.admin ? 'Revoke admin…' : 'Make admin…'}
                </button>
              )}
            </>
          ))}
        <button type="button" data-testid={`seats-sessions-${id}`} onClick={() => onSessions(user)}>
          Sessions
        </button>
      </span>
    </div>
  );
}

function flags(user: SeatUser): string[] {
  const out: string[] = [];
  if (user.admin) out.push('admin');
  if (user.deactivated) out.push('deactivated');
  if (user.locked) out.push('locked');
  if (user.guest) out.push('guest');
  if (user.user_type !== null) out.push(`type: ${user.user_type}`);
  return out;
}

// One formatter each, made once: `toLocale*String` builds a new one per call, which costs a
// fraction of a millisecond in WebKit, and each visible row formats four dates per search.
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function day(ms: number | null, none: string): string {
  return ms === null ? none : DAY.format(ms);
}

function fullTime(ms: number | null): string {
  return ms === null ? '' : FULL.format(ms);
}
