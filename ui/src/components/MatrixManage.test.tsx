import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { DeviceView, IpcError, UiaStep } from '../bindings';
import { MatrixManage } from './MatrixManage';
import { invoke, matrixAccount } from '../test/ipc';

const alice = matrixAccount({
  id: 'a1',
  user_id: '@alice:127.0.0.1:8448',
  display_name: 'alice',
  session: { state: 'signed_in', device_id: 'OWN' },
});

const own: DeviceView = { device_id: 'OWN', display_name: 'laptop', last_seen_ip: '127.0.0.1', last_seen_ts: 1, current: true };
const other: DeviceView = { device_id: 'OTHER', display_name: 'phone', last_seen_ip: null, last_seen_ts: null, current: false };
const challenge: UiaStep = {
  status: 'auth_required',
  challenge: { session: 'S1', flows: [{ stages: ['m.login.password'] }], completed: [] },
};

function base(command: string): unknown {
  if (command === 'matrix_profile') return { display_name: 'alice', has_avatar: false };
  if (command === 'matrix_avatar') return null;
  if (command === 'matrix_threepids') return [];
  return undefined;
}

describe('managing a Matrix account', () => {
  it('signs out another session after a wrong, then the right password, in the same UIA session', async () => {
    let devices = [own, other];
    const auths: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_devices') return devices;
      if (command === 'matrix_delete_devices') {
        expect(args?.deviceIds).toEqual(['OTHER']);
        auths.push(args?.auth);
        if (args?.auth === null) return challenge;
        const { password } = args?.auth as { password: string };
        if (password !== 'right') {
          const wrong: IpcError = { code: 'matrix_uia_wrong_password', message: 'That password is wrong.' };
          throw wrong;
        }
        devices = [own];
        return { status: 'done' };
      }
      return base(command);
    });
    render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    await screen.findByTestId('device-OTHER');
    expect(screen.queryByTestId('device-select-OWN')).toBeNull();
    fireEvent.click(screen.getByTestId('device-select-OTHER'));
    fireEvent.click(screen.getByTestId('matrix-sign-out-devices'));

    fireEvent.input(await screen.findByTestId('uia-password'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByTestId('uia-submit'));
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.code).toBe('matrix_uia_wrong_password');
    expect((screen.getByTestId('uia-password') as HTMLInputElement).value).toBe('');

    fireEvent.input(screen.getByTestId('uia-password'), { target: { value: 'right' } });
    fireEvent.click(screen.getByTestId('uia-submit'));
    await waitFor(() => expect(screen.queryByTestId('device-OTHER')).toBeNull());
    expect(screen.queryByTestId('uia-prompt')).toBeNull();
    expect(auths).toEqual([null, { session: 'S1', password: 'wrong' }, { session: 'S1', password: 'right' }]);
  });

  it('asks for the typed Matrix ID before deactivating', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'matrix_devices' ? [own] : base(command)));
    render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    const button = (await screen.findByTestId('matrix-deactivate')) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.input(screen.getByTestId('matrix-deactivate-confirm'), { target: { value: '@alice:other' } });
    expect(button.disabled).toBe(true);
    fireEvent.input(screen.getByTestId('matrix-deactivate-confirm'), { target: { value: alice.user_id } });
    expect(button.disabled).toBe(false);
  });

  it('refuses two different new passwords without calling the server', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'matrix_devices' ? [own] : base(command)));
    render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    fireEvent.input(await screen.findByTestId('matrix-current-password'), { target: { value: 'old' } });
    fireEvent.input(screen.getByTestId('matrix-new-password'), { target: { value: 'one' } });
    fireEvent.input(screen.getByTestId('matrix-new-password-again'), { target: { value: 'two' } });
    fireEvent.click(screen.getByTestId('matrix-change-password'));
    expect((await screen.findByRole('alert')).textContent).toContain('differ');
    expect(invoke.mock.calls.some(([c]) => c === 'matrix_change_password')).toBe(false);
  });

  it('signs out another session of an SSO-only account in the browser, continuing on "done"', async () => {
    let devices = [own, other];
    let finish: (() => void) | null = null;
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_devices') return devices;
      if (command === 'matrix_delete_devices')
        return { status: 'auth_required', challenge: { session: 'S2', flows: [{ stages: ['m.login.sso'] }], completed: [] } };
      if (command === 'matrix_delete_devices_sso') {
        expect(args?.deviceIds).toEqual(['OTHER']);
        return { status: 'browser', url: 'http://hs/fallback?session=S3', browser_error: null };
      }
      if (command === 'uia_sso_finish')
        return new Promise<void>((resolve) => {
          finish = () => {
            devices = [own];
            resolve();
          };
        });
      if (command === 'uia_sso_done') {
        finish?.();
        return undefined;
      }
      return base(command);
    });
    render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    fireEvent.click(await screen.findByTestId('device-select-OTHER'));
    fireEvent.click(screen.getByTestId('matrix-sign-out-devices'));
    fireEvent.click(await screen.findByTestId('uia-sso-done'));
    await waitFor(() => expect(screen.queryByTestId('device-OTHER')).toBeNull());
    expect(screen.queryByTestId('uia-prompt')).toBeNull();
    expect(screen.queryByTestId('uia-password')).toBeNull();
  });

  it('leaves everything as it was when the SSO confirmation is cancelled, and offers it again', async () => {
    let fail: ((e: IpcError) => void) | null = null;
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_devices') return [own, other];
      if (command === 'matrix_delete_devices')
        return { status: 'auth_required', challenge: { session: 'S2', flows: [{ stages: ['m.login.sso'] }], completed: [] } };
      if (command === 'matrix_delete_devices_sso')
        return { status: 'browser', url: 'http://hs/fallback?session=S3', browser_error: 'no browser here' };
      if (command === 'uia_sso_finish')
        return new Promise<void>((_, reject) => {
          fail = reject;
        });
      if (command === 'uia_sso_cancel') {
        fail?.({ code: 'matrix_reauth_cancelled', message: 'Confirming your identity was cancelled, so nothing was changed.' });
        return undefined;
      }
      return base(command);
    });
    render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    fireEvent.click(await screen.findByTestId('device-select-OTHER'));
    fireEvent.click(screen.getByTestId('matrix-sign-out-devices'));
    expect((await screen.findByTestId('uia-sso-url')).textContent).toBe('http://hs/fallback?session=S3');
    fireEvent.click(screen.getByTestId('uia-sso-cancel'));
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.code).toBe('matrix_reauth_cancelled');
    expect(screen.getByTestId('uia-sso-start')).toBeTruthy();
    fireEvent.click(screen.getByTestId('uia-cancel'));
    await waitFor(() => expect(screen.queryByTestId('uia-prompt')).toBeNull());
    expect(screen.getByTestId('device-OTHER')).toBeTruthy();
  });
});
