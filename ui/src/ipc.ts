// The one module that talks to the Rust side. Components call these typed functions; no
// component calls `invoke` itself. Payload types come from ./bindings.ts, generated from Rust.
import { invoke } from '@tauri-apps/api/core';
import type { AppOverview, ErrorCode, IpcError } from './bindings';

export type { AccountKind, AccountRecord, AppOverview, ErrorCode, IpcError } from './bindings';

/** Every command the app exposes (build.rs declares the same list). */
type Command = 'app_overview' | 'ui_ready' | 'keyring_status' | 'remove_account';

// A Record forces every code of the generated union to be listed here.
const KNOWN_CODES: Record<ErrorCode, true> = {
  io: true,
  keyring_unavailable: true,
  keyring_locked: true,
  keyring_timeout: true,
  keyring_failed: true,
  registry_newer_version: true,
  registry_moved_aside: true,
  unknown_account: true,
  internal: true,
};
const ERROR_CODES = Object.keys(KNOWN_CODES);

/** True when `value` is an error as the Rust side sends it. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.message === 'string' &&
    typeof record.code === 'string' &&
    ERROR_CODES.includes(record.code)
  );
}

/** Turns anything thrown across IPC into an IpcError the UI can show. */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return { code: 'internal', message: `Unexpected error from the app: ${message}` };
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toIpcError(error);
  }
}

/** The version, configured servers and data locations. */
export const appOverview = (): Promise<AppOverview> => call<AppOverview>('app_overview');

/** Tells the Rust side the shell has rendered. */
export const uiReady = (): Promise<void> => call<void>('ui_ready');

/** Resolves when secrets can be kept; rejects with the keyring problem otherwise. */
export const keyringStatus = (): Promise<void> => call<void>('keyring_status');

/** Removes an account from this computer: its keyring entries and its record. */
export const removeAccount = (id: string): Promise<void> => call<void>('remove_account', { id });
