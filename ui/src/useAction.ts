import { useState } from 'preact/hooks';
import { toIpcError, type ErrorCode, type IpcError } from './ipc';

/** How an action ended: its value, or the error it was refused with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * What to do with the outcome while the action still counts as busy, as `.then(done, failed)`
 * before a `.finally` that ends busy. Code after `await run(…)` runs once busy has ended.
 */
export interface Handlers<T> {
  done?: (value: T) => void;
  failed?: (error: IpcError) => void;
}

export interface Action {
  /** True while an action runs: the buttons that start one are disabled meanwhile. */
  busy: boolean;
  /** The last action's error, shown until the next action starts. */
  error: IpcError | null;
  /**
   * Runs `action`, busy until it and its handler are done, and keeps its error in `error`.
   * Resolves once busy has ended; rejects only when a handler throws.
   */
  run: <T>(action: () => Promise<T>, handlers?: Handlers<T>) => Promise<Outcome<T>>;
  /** Sets the error without running anything (a local check, a load that failed). */
  setError: (update: IpcError | null | ((current: IpcError | null) => IpcError | null)) => void;
  clearError: () => void;
}

/** One IPC call at a time with its busy flag and its error, which stays shown until the next try. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const run = async <T>(action: () => Promise<T>, handlers?: Handlers<T>): Promise<Outcome<T>> => {
    setBusy(true);
    setError(null);
    try {
      let outcome: Outcome<T>;
      try {
        outcome = { ok: true, value: await action() };
      } catch (e) {
        outcome = { ok: false, error: toIpcError(e) };
        setError(outcome.error);
      }
      if (handlers) {
        if (outcome.ok) handlers.done?.(outcome.value);
        else handlers.failed?.(outcome.error);
        // As in `.then(done, failed).finally(…)`: what the handler changed renders first, then
        // busy ends, one step later.
        await null;
      }
      return outcome;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError, clearError: () => setError(null) };
}

/**
 * Errors that name no field but belong next to one: the homeserver's registration refusals.
 * (The EMS API's validation errors name theirs in `field`.)
 */
const FIELD_OF_CODE: Partial<Record<ErrorCode, string>> = {
  matrix_username_taken: 'username',
  matrix_username_invalid: 'username',
  matrix_weak_password: 'password',
  matrix_registration_token_invalid: 'token',
  matrix_terms_not_accepted: 'terms',
  matrix_email_invalid: 'email',
  matrix_email_in_use: 'email',
  matrix_email_denied: 'email',
};

/** The field an error belongs next to, or null when it belongs in the form's banner. */
export function fieldOf(error: IpcError | null): string | null {
  if (!error) return null;
  return error.field ?? FIELD_OF_CODE[error.code] ?? null;
}

/** `error` when it belongs next to `field`, otherwise null. */
export function fieldError(error: IpcError | null, field: string): IpcError | null {
  return fieldOf(error) === field ? error : null;
}

/** `error` when it belongs in the banner: it names none of the form's `fields`. */
export function bannerError(error: IpcError | null, fields: readonly string[]): IpcError | null {
  const field = fieldOf(error);
  return field !== null && fields.includes(field) ? null : error;
}
