import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { HomeserverInfo, IpcError, MatrixAccountView } from '../bindings';
import { MatrixPane } from './MatrixPane';
import { appOverview, invoke, matrixAccount } from '../test/ipc';

const overview = appOverview({ homeserver: '127.0.0.1:8448' });

const found: HomeserverInfo = {
  homeserver_url: 'http://127.0.0.1:8448',
  via_well_known: '127.0.0.1:8448',
  methods: { password: true, sso: [{ id: 'oidc-ems', name: 'EMS' }], oauth: true },
};

const alice = matrixAccount({ id: 'a1', user_id: '@alice:127.0.0.1:8448', display_name: 'alice' });

describe('the Matrix pane', () => {
  it('finds the homeserver, shows its methods, and signs in with the password sent once', async () => {
    let accounts: MatrixAccountView[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_accounts') return accounts;
      if (command === 'matrix_discover') {
        expect(args).toEqual({ input: '127.0.0.1:8448' });
        return found;
      }
      if (command === 'matrix_sign_in') {
        expect(args).toEqual({
          homeserver: 'http://127.0.0.1:8448',
          identifier: 'alice',
          password: 'pw',
          accountId: null,
          subscription: null,
        });
        accounts = [alice];
        return alice;
      }
      return undefined;
    });
    const changed = vi.fn();
    render(<MatrixPane overview={overview} onAccountsChanged={changed} />);
    const input = (await screen.findByTestId('matrix-homeserver')) as HTMLInputElement;
    expect(input.value).toBe('127.0.0.1:8448');
    fireEvent.click(screen.getByTestId('matrix-discover'));
    expect((await screen.findByTestId('matrix-homeserver-url')).textContent).toBe('http://127.0.0.1:8448');
    const methods = screen.getByTestId('matrix-login-methods').textContent ?? '';
    expect(methods).toContain('Password');
    expect(methods).toContain('EMS');
    expect(methods).toContain('OAuth 2.0 (next-generation sign-in');
    expect(screen.getByTestId('matrix-oauth-sign-in')).toBeTruthy();

    fireEvent.input(screen.getByTestId('matrix-username'), { target: { value: 'alice' } });
    fireEvent.input(screen.getByTestId('matrix-password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('matrix-sign-in'));
    expect((await screen.findByTestId('matrix-user-id')).textContent).toBe('@alice:127.0.0.1:8448');
    expect(screen.getByTestId('matrix-device-id').textContent).toBe('DEVICE1');
    expect(screen.queryByTestId('matrix-password')).toBeNull();
    expect(changed).toHaveBeenCalled();
    expect(invoke.mock.calls.filter(([c]) => c === 'matrix_sign_in')).toHaveLength(1);
  });

  it('shows a discovery failure as an alert with its code', async () => {
    const failure: IpcError = { code: 'matrix_no_such_host', message: 'There is no server called x.invalid.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_accounts') return [];
      if (command === 'matrix_discover') throw failure;
      return undefined;
    });
    render(<MatrixPane overview={overview} onAccountsChanged={() => {}} />);
    fireEvent.click(await screen.findByTestId('matrix-discover'));
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.code).toBe('matrix_no_such_host');
    expect(screen.queryByTestId('matrix-sign-in')).toBeNull();
  });

  it('asks again while sessions are restored, then shows the confirmed device', async () => {
    let calls = 0;
    invoke.mockImplementation(async (command: string) => {
      if (command !== 'matrix_accounts') return undefined;
      calls += 1;
      return [calls < 2 ? { ...alice, session: { state: 'restoring' } } : alice];
    });
    render(<MatrixPane overview={{ ...overview, accounts: [] }} onAccountsChanged={() => {}} />);
    expect((await screen.findByTestId('matrix-session-state')).textContent).toContain('Restoring');
    await waitFor(() => expect(screen.getByTestId('matrix-device-id').textContent).toBe('DEVICE1'));
    expect(screen.queryByTestId('matrix-homeserver')).toBeNull();
    expect(screen.getByTestId('matrix-add')).toBeTruthy();
  });

  it('offers to sign in again, keeping the account, when the server signed it out', async () => {
    const revoked = { ...alice, session: { state: 'signed_out_on_server' as const } };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_accounts') return [revoked];
      // Not an Element One account: its own homeserver's sign-in.
      if (command === 'element_one_of_matrix_account') return null;
      return undefined;
    });
    render(<MatrixPane overview={overview} onAccountsChanged={() => {}} />);
    expect((await screen.findByTestId('matrix-session-state')).textContent).toContain('Signed out on the server');
    fireEvent.click(screen.getByTestId('matrix-sign-in-again'));
    expect(((await screen.findByTestId('matrix-homeserver')) as HTMLInputElement).value).toBe('http://127.0.0.1:8448');
    expect(invoke).toHaveBeenCalledWith('element_one_of_matrix_account', { accountId: 'a1' });
    expect(screen.queryByTestId('bridge-status'), 'no Element One sign-in').toBeNull();
    expect(invoke.mock.calls.some(([c]) => c === 'element_one_sign_in_start')).toBe(false);
  });

  it('signs an Element One account in again through the Element One sign-in, at once', async () => {
    const link = { ems_account: 'e1', subscription_id: 'one' };
    const olive = matrixAccount({
      id: 'm1',
      user_id: '@olive:one.test',
      homeserver: 'http://127.0.0.1:8449',
      session: { state: 'signed_out' },
      subscription: link,
    });
    const target = {
      issuer: 'http://127.0.0.1:8480/',
      homeserver: 'http://127.0.0.1:8449/',
      idp_id: 'oidc-ems',
      matrix_id: '@olive:one.test',
      subscription: link,
    };
    let accounts = [olive];
    const starts: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_accounts') return accounts;
      if (command === 'element_one_of_matrix_account') {
        expect(args).toEqual({ accountId: 'm1' });
        return target;
      }
      if (command === 'ems_accounts') return [];
      if (command === 'element_one_sign_in_start') {
        starts.push(args);
        return { url: 'http://127.0.0.1:8449/_matrix/client/v3/login/sso/redirect/oidc-ems?x=1', browser_error: null };
      }
      if (command === 'element_one_sign_in_finish') {
        const back = { ...olive, session: { state: 'signed_in' as const, device_id: 'D2' } };
        accounts = [back];
        return { ems: { id: 'e1', issuer: target.issuer, email: null, name: null, status: 'signed_in' }, matrix: back };
      }
      return undefined;
    });
    const changed = vi.fn();
    render(<MatrixPane overview={overview} onAccountsChanged={changed} />);
    fireEvent.click(await screen.findByTestId('matrix-sign-in-again'));
    await waitFor(() =>
      expect(starts, 'the click starts the Element One sign-in for that account').toEqual([
        {
          issuer: 'http://127.0.0.1:8480/',
          homeserver: 'http://127.0.0.1:8449/',
          idpId: 'oidc-ems',
          matrixId: '@olive:one.test',
          subscription: link,
        },
      ]),
    );
    await waitFor(() => expect(screen.getByTestId('matrix-device-id').textContent).toBe('D2'));
    expect(changed).toHaveBeenCalled();
    expect(screen.queryByTestId('matrix-homeserver'), 'not the homeserver sign-in form').toBeNull();
    expect(screen.queryByTestId('matrix-element-one-again'), 'done').toBeNull();
  });

  it('opened from an EMS subscription, resolves that homeserver at once, even with accounts signed in', async () => {
    const link = { ems_account: 'ems1', subscription_id: 'sub_1' };
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'matrix_accounts') return [alice];
      if (command === 'matrix_discover') {
        expect(args).toEqual({ input: 'http://hs1.test:8008/' });
        return { ...found, homeserver_url: 'http://hs1.test:8008/' };
      }
      if (command === 'matrix_sign_in') return { ...alice, id: 'a2', subscription: link };
      return undefined;
    });
    render(
      <MatrixPane overview={overview} onAccountsChanged={() => {}} openAt={{ homeserver: 'http://hs1.test:8008/', link }} />,
    );
    expect((await screen.findByTestId('matrix-homeserver-url')).textContent).toBe('http://hs1.test:8008/');
    expect(((await screen.findByTestId('matrix-homeserver')) as HTMLInputElement).value).toBe('http://hs1.test:8008/');
    expect(screen.getByTestId('matrix-password'), 'only the sign-in is left to do').toBeTruthy();
    fireEvent.input(screen.getByTestId('matrix-username'), { target: { value: 'bob' } });
    fireEvent.input(screen.getByTestId('matrix-password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('matrix-sign-in'));
    await waitFor(() => expect(invoke.mock.calls.some(([c]) => c === 'matrix_sign_in')).toBe(true));
    const [, args] = invoke.mock.calls.find(([c]) => c === 'matrix_sign_in') ?? [];
    expect(args, 'the subscription is kept with the account').toMatchObject({ subscription: link });
  });
});
