import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { IpcError } from '../bindings';
import { UiaSsoPrompt } from './UiaSsoPrompt';
import { invoke } from '../test/ipc';

describe('the SSO re-authentication prompt', () => {
  it('waits for the request, retries at once on Continue, and reports success', async () => {
    let accept: () => void = () => {};
    invoke.mockImplementation((command: string) => {
      if (command === 'uia_sso_finish') return new Promise<void>((resolve) => (accept = resolve));
      if (command === 'uia_sso_done') accept();
      return Promise.resolve();
    });
    const finished = vi.fn();
    render(<UiaSsoPrompt url="http://hs/fallback" browserError={null} onFinished={finished} onFailed={() => {}} />);
    expect(screen.getByTestId('uia-sso').textContent).toContain('finish in your browser, then continue');
    expect(screen.queryByTestId('uia-sso-url')).toBeNull();
    fireEvent.click(screen.getByTestId('uia-sso-done'));
    await waitFor(() => expect(finished).toHaveBeenCalledTimes(1));
    expect(invoke.mock.calls.map(([c]) => c)).toEqual(['uia_sso_finish', 'uia_sso_done']);
  });

  it('cancels and hands the error on', async () => {
    let refuse: (e: IpcError) => void = () => {};
    invoke.mockImplementation((command: string) => {
      if (command === 'uia_sso_finish') return new Promise<void>((_, reject) => (refuse = reject));
      if (command === 'uia_sso_cancel') refuse({ code: 'matrix_reauth_cancelled', message: 'Cancelled.' });
      return Promise.resolve();
    });
    const failed = vi.fn();
    render(<UiaSsoPrompt url="http://hs/fallback" browserError="no browser" onFinished={() => {}} onFailed={failed} />);
    expect(screen.getByTestId('uia-sso-url').textContent).toBe('http://hs/fallback');
    fireEvent.click(screen.getByTestId('uia-sso-cancel'));
    await waitFor(() => expect(failed).toHaveBeenCalledWith({ code: 'matrix_reauth_cancelled', message: 'Cancelled.' }));
  });
});
