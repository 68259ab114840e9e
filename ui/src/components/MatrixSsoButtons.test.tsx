import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { HomeserverInfo, IpcError, MatrixAccountView } from '../bindings';
import { MatrixPane } from './MatrixPane';
import { appOverview, deferred, invoke, matrixAccount } from '../test/ipc';

const overview = appOverview({ homeserver: '127.0.0.1:8448' });

const ssoOnly: HomeserverInfo = {
  homeserver_url: 'http://127.0.0.1:8448',
  via_well_known: null,
  methods: { password: false, sso: [{ id: 'oidc-ems', name: 'EMS' }], oauth: false },
};

const bob = matrixAccount({
  id: 'b1',
  user_id: '@bob:127.0.0.1:8448',
  display_name: 'Bob',
  session: { state: 'signed_in', device_id: 'DEVICE2' },
});

async function discover() {
  render(<MatrixPane overview={overview} onAccountsChanged={() => {}} />);
  await screen.findByTestId('matrix-homeserver');
  fireEvent.click(screen.getByTestId('matrix-discover'));
  return screen.findByTestId('matrix-sso-oidc-ems');
}

describe('single sign-on in the Matrix pane', () => {
  it('offers one button per provider, waits for the browser and shows the account', async () => {
    let accounts: MatrixAccountView[] = [];
    const finish = deferred<MatrixAccountView>();
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_accounts') return accounts;
      if (command === 'matrix_discover') return ssoOnly;
      if (command === 'matrix_sso_start') {
        expect(args).toEqual({ homeserver: 'http://127.0.0.1:8448', idpId: 'oidc-ems', accountId: null, subscription: null });
        return { url: 'http://127.0.0.1:8448/_matrix/client/v3/login/sso/redirect/oidc-ems', browser_error: null };
      }
      if (command === 'matrix_sso_finish') return finish.promise;
      return undefined;
    });
    const button = await discover();
    expect(button.textContent).toBe('Sign in with EMS');
    expect(screen.queryByTestId('matrix-password')).toBeNull();
    fireEvent.click(button);
    expect((await screen.findByTestId('matrix-sso-waiting')).textContent).toContain('Finish signing in in your browser');
    accounts = [bob];
    finish.resolve(bob);
    expect((await screen.findByTestId('matrix-user-id')).textContent).toBe('@bob:127.0.0.1:8448');
    expect(screen.queryByTestId('matrix-sso-waiting')).toBeNull();
  });

  it('cancels, and shows why the sign-in ended as an alert', async () => {
    const finish = deferred<MatrixAccountView>();
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_accounts') return [];
      if (command === 'matrix_discover') return ssoOnly;
      if (command === 'matrix_sso_start') return { url: 'http://x/', browser_error: 'no browser' };
      if (command === 'matrix_sso_finish') return finish.promise;
      if (command === 'matrix_sso_cancel') {
        const cancelled: IpcError = { code: 'matrix_sso_cancelled', message: 'The single sign-on was cancelled.' };
        finish.reject(cancelled);
      }
      return undefined;
    });
    fireEvent.click(await discover());
    expect((await screen.findByTestId('matrix-sso-url')).textContent).toBe('http://x/');
    fireEvent.click(screen.getByTestId('matrix-sso-cancel'));
    const alert = await screen.findByTestId('error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.getAttribute('data-code')).toBe('matrix_sso_cancelled');
    await waitFor(() => expect(screen.getByTestId('matrix-sso-oidc-ems')).toBeTruthy());
  });
});
