import { afterEach, beforeEach, vi } from 'vitest';
import { cleanup } from '@testing-library/preact';
import { invoke } from './ipc';

vi.mock('@tauri-apps/api/core', async () => {
  const ipc = await import('./ipc');
  return { invoke: (...args: unknown[]) => ipc.invoke(...args) };
});

beforeEach(() => invoke.mockReset());
afterEach(cleanup);
