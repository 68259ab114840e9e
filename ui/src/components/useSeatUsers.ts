import { useEffect, useRef, useState } from 'preact/hooks';
import { seatsLoadPage, toIpcError, type IpcError, type SeatLedger, type SeatsTarget, type SeatUser, type SeatUserChange } from '../ipc';

/** A subscription's user list as loaded so far, and the ledger over it. */
export interface SeatUsers {
  users: SeatUser[];
  loaded: number;
  total: number;
  done: boolean;
  loading: boolean;
  ledger: SeatLedger | null;
  /** Why the last page failed; the rows loaded before it stay. */
  error: IpcError | null;
  /** Loads the list again from the first page. */
  reload: () => void;
  /** After an error, asks for the page that failed and goes on from there. */
  resume: () => void;
  /** Puts an action's result in: the user's row (added when new) and the new ledger. */
  apply: (change: SeatUserChange) => void;
}

type ListState = Omit<SeatUsers, 'reload' | 'resume' | 'apply'>;

const EMPTY: ListState = { users: [], loaded: 0, total: 0, done: false, loading: false, ledger: null, error: null };

/** Pages through the subscription's users (none while `target` is null) until the core says done. */
export function useSeatUsers(target: SeatsTarget | null): SeatUsers {
  const [state, setState] = useState<ListState>(() => ({ ...EMPTY, loading: target !== null }));
  // Bumped by every (re)load and on unmount: a loop that sees another number stops.
  const generation = useRef(0);
  // The core keeps one cursor per subscription. A reload waits for the old loop's request in
  // flight, so that request cannot move the cursor after the restart and skip a page.
  const inflight = useRef<Promise<unknown>>(Promise.resolve());

  const load = async (at: SeatsTarget, fromStart: boolean) => {
    const mine = ++generation.current;
    const current = () => mine === generation.current;
    await inflight.current;
    if (!current()) return;
    setState((s) => ({ ...s, loading: true, error: null }));
    let restart = fromStart;
    let loadedBefore = -1;
    for (;;) {
      const request = seatsLoadPage(at, restart);
      inflight.current = request.catch(() => undefined);
      const page = await request.catch((e: unknown) => {
        if (current()) setState((s) => ({ ...s, loading: false, error: toIpcError(e) }));
        return null;
      });
      if (page === null || !current()) return;
      const first = restart;
      setState((s) => ({
        users: first || page.replaces ? page.users : merge(s.users, page.users),
        loaded: page.loaded,
        total: page.total,
        done: page.done,
        loading: !page.done,
        ledger: page.ledger,
        error: null,
      }));
      if (page.done) return;
      if (page.loaded <= loadedBefore) {
        setState((s) => ({
          ...s,
          loading: false,
          error: { code: 'internal', message: 'The user list stopped advancing before it was complete. Refresh to load it again.' },
        }));
        return;
      }
      loadedBefore = page.loaded;
      restart = false;
    }
  };

  const key = target ? `${target.ems_account}\n${target.subscription_id}` : null;
  useEffect(() => {
    if (target) load(target, true);
    else setState(EMPTY);
    return () => {
      generation.current += 1;
    };
  }, [key]);

  return {
    ...state,
    reload: () => {
      if (target) load(target, true);
    },
    resume: () => {
      if (target) load(target, false);
    },
    apply: (change) =>
      setState((s) => {
        const at = s.users.findIndex((u) => u.user_id === change.user.user_id);
        if (at < 0) {
          // A new user goes first, where the person who added it sees it.
          return { ...s, users: [change.user, ...s.users], loaded: s.loaded + 1, total: s.total + 1, ledger: change.ledger };
        }
        const users = s.users.slice();
        users[at] = change.user;
        return { ...s, users, ledger: change.ledger };
      }),
  };
}

/**
 * Appends a page. A user already listed (added here while the list loaded, or met again because
 * an addition shifted the server's pages) is replaced in place rather than listed twice.
 */
function merge(existing: SeatUser[], page: SeatUser[]): SeatUser[] {
  const fresh = new Map(page.map((u) => [u.user_id, u]));
  const kept = existing.map((u) => {
    const newer = fresh.get(u.user_id);
    if (!newer) return u;
    fresh.delete(u.user_id);
    return newer;
  });
  return [...kept, ...fresh.values()];
}
