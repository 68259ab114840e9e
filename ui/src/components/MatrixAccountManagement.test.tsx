import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { AccountManagement, DeviceView } from '../bindings';
import { MatrixManage } from './MatrixManage';
import { invoke, matrixAccount } from '../test/ipc';

const olga = matrixAccount({
  id: 'o1',
  user_id: '@olga:127.0.0.1:8448',
  display_name: 'Olga',
  session: { state: 'signed_in', device_id: 'EAOWN' },
});

const own: DeviceView = { device_id: 'EAOWN', display_name: 'laptop', last_seen_ip: null, last_seen_ts: null, current: true };
const other: DeviceView = { device_id: 'PHONE', display_name: 'phone', last_seen_ip: null, last_seen_ts: null, current: false };

const management: AccountManagement = {
  url: 'https://127.0.0.1:8481/account/',
  actions: [
    { action: 'org.matrix.profile', name: 'profile', per_device: false },
    { action: 'org.matrix.devices_list', name: 'devices_list', per_device: false },
    { action: 'org.matrix.device_view', name: 'device_view', per_device: true },
    { action: 'org.matrix.device_delete', name: 'device_delete', per_device: true },
    { action: 'org.matrix.account_deactivate', name: 'account_deactivate', per_device: false },
  ],
};

describe('account management delegated to the authorization server', () => {
  it('shows one button per action in place of password, email and deactivation, and opens each there', async () => {
    const opened: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_profile') return { display_name: 'Olga', has_avatar: false };
      if (command === 'matrix_avatar') return null;
      if (command === 'matrix_devices') return [own, other];
      if (command === 'matrix_account_management') return management;
      if (command === 'matrix_account_manage_open') {
        opened.push(args);
        return { url: 'https://127.0.0.1:8481/account/?action=org.matrix.devices_list', browser_error: 'no browser' };
      }
      return undefined;
    });
    render(<MatrixManage account={olga} onChanged={() => {}} onClose={() => {}} />);
    const list = await screen.findByTestId('matrix-account-manage-devices_list');
    expect(screen.getByTestId('matrix-account-manage-profile')).toBeTruthy();
    expect(screen.getByTestId('matrix-account-manage-account_deactivate')).toBeTruthy();
    expect(screen.getByTestId('matrix-account-manage-device_view-PHONE')).toBeTruthy();
    expect(screen.getByTestId('matrix-account-manage-device_delete-EAOWN')).toBeTruthy();
    expect(screen.queryByTestId('matrix-account-manage-device_view')).toBeNull();
    // What the client API still serves stays; what it no longer serves is gone.
    expect(screen.getByTestId('matrix-device-rename-PHONE')).toBeTruthy();
    expect(screen.queryByTestId('matrix-sign-out-devices')).toBeNull();
    expect(screen.queryByTestId('device-select-PHONE')).toBeNull();
    expect(screen.queryByTestId('matrix-deactivate')).toBeNull();
    expect(screen.queryByTestId('matrix-current-password')).toBeNull();

    fireEvent.click(list);
    await waitFor(() => expect(opened).toEqual([{ id: 'o1', action: 'org.matrix.devices_list', deviceId: null }]));
    expect((await screen.findByTestId('matrix-account-manage-url')).textContent).toContain('action=org.matrix.devices_list');
    fireEvent.click(screen.getByTestId('matrix-account-manage-device_delete-PHONE'));
    await waitFor(() => expect(opened[1]).toEqual({ id: 'o1', action: 'org.matrix.device_delete', deviceId: 'PHONE' }));
  });
});
