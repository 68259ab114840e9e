import { vi } from 'vitest';
import type { AppOverview, MatrixAccountView, SeatSubscription } from '../bindings';

/** The mocked Tauri `invoke`: every test file's IPC goes through it (see setup.ts). */
export const invoke = vi.fn();

/** A promise the test settles by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The app's overview with nothing configured, changed by `extra`. */
export function appOverview(extra: Partial<AppOverview> = {}): AppOverview {
  return {
    version: '0.1.0',
    ems_issuer: null,
    homeserver: null,
    data_dir: null,
    log_dir: null,
    accounts: [],
    registry_problem: null,
    ...extra,
  };
}

/** The hosted homeserver `hs1.test` with five seats, administered by `@admin:hs1.test`, changed by `extra`. */
export function seatSubscription(extra: Partial<SeatSubscription> = {}): SeatSubscription {
  return {
    ems_account: 'e1',
    ems_label: 'demo@example.org',
    subscription_id: 'hs',
    server_name: 'hs1.test',
    homeserver_url: 'http://127.0.0.1:8448',
    seats: 5,
    stale: false,
    admin: { account_id: 'm1', matrix_id: '@admin:hs1.test' },
    admin_problem: null,
    delegated: null,
    ...extra,
  };
}

/** A signed-in Matrix account on the local homeserver, changed by `extra`. */
export function matrixAccount(extra: Partial<MatrixAccountView> & Pick<MatrixAccountView, 'id' | 'user_id'>): MatrixAccountView {
  return {
    homeserver: 'http://127.0.0.1:8448',
    display_name: null,
    session: { state: 'signed_in', device_id: 'DEVICE1' },
    subscription: null,
    ...extra,
  };
}
