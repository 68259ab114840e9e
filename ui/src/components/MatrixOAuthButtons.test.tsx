import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { HomeserverInfo, IpcError, MatrixAccountView } from '../bindings';
import { MatrixPane } from './MatrixPane';
import { appOverview, deferred, invoke, matrixAccount } from '../test/ipc';

const overview = appOverview({ homeserver: '127.0.0.1:8448' });

const nextGen: HomeserverInfo = {
  homeserver_url: 'http://127.0.0.1:8448',
  via_well_known: null,
  methods: { password: false, sso: null, oauth: true },
};

const olga = matrixAccount({
  id: 'o1',
  user_id: '@olga:127.0.0.1:8448',
  display_name: 'Olga',
  session: { state: 'signed_in', device_id: 'EA0123456789' },
});

async function discover() {
  render(<MatrixPane overview={overview} onAccountsChanged={() => {}} />);
  await screen.findByTestId('matrix-homeserver');
  fireEvent.click(screen.getByTestId('matrix-discover'));
  return screen.findByTestId('matrix-oauth-sign-in');
}

describe('OAuth 2.0 sign-in in the Matrix pane', () => {
  it('signs in through the browser, showing the address to copy while it waits', async () => {
    let accounts: MatrixAccountView[] = [];
    const finish = deferred<MatrixAccountView>();
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_accounts') return accounts;
      if (command === 'matrix_discover') return nextGen;
      if (command === 'matrix_oauth_start') {
        expect(args).toEqual({
          homeserver: 'http://127.0.0.1:8448',
          createAccount: false,
          accountId: null,
          subscription: null,
          admin: false,
        });
        return { url: 'https://127.0.0.1:8481/oauth2/authorize?client_id=01C', browser_error: 'no browser' };
      }
      if (command === 'matrix_oauth_finish') return finish.promise;
      return undefined;
    });
    const button = await discover();
    expect(button.textContent).toBe('Sign in with OAuth 2.0');
    expect(screen.queryByTestId('matrix-password')).toBeNull();
    expect(screen.queryByTestId('matrix-create-account')).toBeNull();
    expect(screen.getByTestId('matrix-login-methods').textContent).toContain('OAuth 2.0');
    fireEvent.click(button);
    expect((await screen.findByTestId('matrix-oauth-waiting')).textContent).toContain('Finish signing in in your browser');
    expect((await screen.findByTestId('matrix-oauth-url')).textContent).toBe(
      'https://127.0.0.1:8481/oauth2/authorize?client_id=01C',
    );
    accounts = [olga];
    finish.resolve(olga);
    expect((await screen.findByTestId('matrix-user-id')).textContent).toBe('@olga:127.0.0.1:8448');
    expect(screen.queryByTestId('matrix-oauth-waiting')).toBeNull();
  });

  it('creates an account with prompt=create, and cancels with the reason shown', async () => {
    const finish = deferred<MatrixAccountView>();
    const calls: string[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      calls.push(command);
      if (command === 'matrix_accounts') return [];
      if (command === 'matrix_discover') return nextGen;
      if (command === 'matrix_oauth_start') {
        expect(args?.createAccount).toBe(true);
        return { url: 'https://127.0.0.1:8481/oauth2/authorize?prompt=create', browser_error: null };
      }
      if (command === 'matrix_oauth_finish') return finish.promise;
      if (command === 'matrix_oauth_cancel') {
        const cancelled: IpcError = { code: 'matrix_sso_cancelled', message: 'The sign-in was cancelled.' };
        finish.reject(cancelled);
      }
      return undefined;
    });
    await discover();
    fireEvent.click(screen.getByTestId('matrix-oauth-create'));
    fireEvent.click(await screen.findByTestId('matrix-oauth-cancel'));
    await waitFor(() => expect(calls).toContain('matrix_oauth_cancel'));
    expect((await screen.findByRole('alert')).textContent).toContain('cancelled');
    expect(await screen.findByTestId('matrix-oauth-sign-in')).toBeTruthy();
  });
});
