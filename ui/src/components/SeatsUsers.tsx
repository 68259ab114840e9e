import { useMemo, useState } from 'preact/hooks';
import type { DelegatedAction, SeatsTarget, SeatUser, SeatUserChange } from '../ipc';
import { Spinner } from './Progress';
import { ErrorBanner } from './ErrorBanner';
import { SeatsAddUser } from './SeatsAddUser';
import { useSeatsDialog } from './SeatsConfirm';
import { SeatsResult, type SeatsResultView } from './SeatsResult';
import { SeatsSessions } from './SeatsSessions';
import { SeatsUserAction, type UserActionKind } from './SeatsUserActions';
import { SeatsUserList } from './SeatsUserList';
import type { SeatUsers } from './useSeatUsers';

export type UserFilter = 'all' | 'active' | 'deactivated' | 'admins' | 'stale';

const FILTERS: readonly { value: UserFilter; label: string }[] = [
  { value: 'all', label: 'All users' },
  { value: 'active', label: 'Active this month' },
  { value: 'deactivated', label: 'Deactivated' },
  { value: 'admins', label: 'Server admins' },
  { value: 'stale', label: 'Not seen for 90 days' },
];

const MATCHES: Record<UserFilter, (user: SeatUser) => boolean> = {
  all: () => true,
  active: (u) => u.active_this_month,
  deactivated: (u) => u.deactivated,
  admins: (u) => u.admin,
  stale: (u) => u.stale,
};

interface Props {
  target: SeatsTarget;
  serverName: string;
  list: SeatUsers;
  /** False when no changes may be offered: the list is read-only. */
  canChange: boolean;
  /** What the homeserver leaves to its authorization server: not offered here. */
  unavailable?: readonly DelegatedAction[];
  onNoSeatFree: () => void;
}

/** The homeserver's users: progress, search and filter over the loaded list, and the actions. */
export function SeatsUsers({ target, serverName, list, canChange, unavailable = [], onNoSeatFree }: Props) {
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<UserFilter>('all');
  const [action, setAction] = useState<{ kind: UserActionKind; user: SeatUser } | null>(null);
  const [sessionsOf, setSessionsOf] = useState<SeatUser | null>(null);
  const [result, setResult] = useState<SeatsResultView | null>(null);
  const dialog = useSeatsDialog('user-action');

  // Lower-cased once per list, not once per keystroke: searching 10,000 users stays quick.
  const haystacks = useMemo(
    () => list.users.map((u) => `${u.user_id}\n${u.display_name ?? ''}`.toLowerCase()),
    [list.users],
  );
  const shown = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const matches = MATCHES[filter];
    return list.users.filter((u, i) => matches(u) && (needle === '' || (haystacks[i] ?? '').includes(needle)));
  }, [list.users, haystacks, query, filter]);

  const done = (change: SeatUserChange, message: string) => {
    list.apply(change);
    setResult({ message, userId: change.user.user_id, password: change.password });
    dialog.close();
  };

  return (
    <section class="seats-users" data-testid="seats-users" aria-label="Users">
      <h4>Users</h4>
      {canChange && !unavailable.includes('add_user') && (
        <SeatsAddUser
          target={target}
          serverName={serverName}
          onAdded={(change) => done(change, `${change.user.user_id} was added.`)}
          onNoSeatFree={onNoSeatFree}
        />
      )}
      <div class="seats-toolbar">
        <input
          type="search"
          data-testid="seats-search"
          placeholder="Search by Matrix ID or display name"
          aria-label="Search users"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <select
          data-testid="seats-filter"
          aria-label="Show"
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value as UserFilter)}
        >
          {FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <button type="button" data-testid="seats-refresh" disabled={list.loading} onClick={list.reload}>
          Refresh
        </button>
      </div>
      <p class="hint">
        {list.loading && <Spinner />} <span data-testid="seats-progress" data-done={list.done ? 'true' : 'false'}>
          {list.loaded} of {list.total} users loaded
          {list.loading ? ', loading…' : list.done ? '' : ', the list is incomplete'}
        </span>
        ; <span data-testid="seats-shown">{shown.length} shown</span>
      </p>
      {list.error && (
        <>
          <ErrorBanner error={list.error} testId="seats-error" />
          <button type="button" data-testid="seats-resume" onClick={list.resume}>
            Go on loading from user {list.loaded + 1}
          </button>
        </>
      )}
      {result && <SeatsResult key={`${result.userId} ${result.message}`} result={result} onDismiss={() => setResult(null)} />}
      {dialog.isOpen && action && (
        <SeatsUserAction
          key={`${action.kind} ${action.user.user_id}`}
          target={target}
          kind={action.kind}
          user={action.user}
          onDone={done}
          onCancel={dialog.close}
          onNoSeatFree={onNoSeatFree}
        />
      )}
      {sessionsOf && (
        <SeatsSessions
          key={sessionsOf.user_id}
          target={target}
          user={sessionsOf}
          canChange={canChange}
          onClose={() => setSessionsOf(null)}
        />
      )}
      <SeatsUserList
        users={shown}
        resetKey={`${filter}\n${query}`}
        canChange={canChange}
        unavailable={unavailable}
        onAction={(kind, user) => {
          setResult(null);
          setAction({ kind, user });
          dialog.open();
        }}
        onSessions={setSessionsOf}
      />
    </section>
  );
}
