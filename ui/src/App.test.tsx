import { beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { IpcError } from './bindings';
import { App } from './App';
import { appOverview, invoke, seatSubscription } from './test/ipc';

const overview = appOverview({
  ems_issuer: 'http://127.0.0.1:8480/',
  data_dir: '/home/u/.local/share/io.element.accounts',
  log_dir: '/home/u/.local/share/io.element.accounts/logs',
});

describe('the shell', () => {
  beforeEach(() => {
    invoke.mockImplementation(async (command: string) => (command === 'app_overview' ? overview : undefined));
  });

  it('reports ready once after rendering, and shows the configured EMS server', async () => {
    render(<App />);
    expect(screen.getByTestId('account-list').textContent).toContain('No accounts yet');
    await waitFor(() => expect((screen.getByTestId('ems-server') as HTMLInputElement).value).toBe('http://127.0.0.1:8480/'));
    expect(invoke.mock.calls.filter(([c]) => c === 'ui_ready')).toHaveLength(1);
    expect(screen.queryByTestId('error')).toBeNull();
  });

  it('switches between the three panes', async () => {
    render(<App />);
    fireEvent.click(screen.getByTestId('nav-matrix'));
    // No homeserver configured and no account yet: the sign-in form opens with an empty field.
    await waitFor(() => expect((screen.getByTestId('matrix-homeserver') as HTMLInputElement).value).toBe(''));
    expect(screen.queryByTestId('pane-ems')).toBeNull();
    fireEvent.click(screen.getByTestId('nav-seats'));
    expect(screen.getByTestId('pane-seats').textContent).toContain('hosted homeserver');
  });

  it("opens the Matrix sign-in at a hosted homeserver from the Seats pane's admin sign-in", async () => {
    const subscription = seatSubscription({
      admin: null,
      admin_problem: 'No Matrix account on this computer administers hs1.test.',
    });
    invoke.mockImplementation(async (command: string) => {
      if (command === 'app_overview') return overview;
      if (command === 'seats_subscriptions') return [subscription];
      if (command === 'matrix_accounts') return [];
      return undefined;
    });
    render(<App />);
    fireEvent.click(screen.getByTestId('nav-seats'));
    fireEvent.click(await screen.findByTestId('seats-admin-sign-in'));
    await waitFor(() => expect((screen.getByTestId('matrix-homeserver') as HTMLInputElement).value).toBe('http://127.0.0.1:8448'));
    expect(screen.queryByTestId('pane-seats')).toBeNull();
  });

  it('shows an error from Rust as an alert with its code', async () => {
    const failure: IpcError = { code: 'io', message: 'Could not read the data directory.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'app_overview') throw failure;
      return undefined;
    });
    render(<App />);
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.testid).toBe('error');
    expect(alert.dataset.code).toBe('io');
    expect(alert.textContent).toBe('Could not read the data directory.');
  });

  it('turns a non-IPC failure into an internal error rather than crashing', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'ui_ready') throw new Error('boom');
      return overview;
    });
    render(<App />);
    const alert = await screen.findByTestId('error');
    expect(alert.dataset.code).toBe('internal');
    expect(alert.textContent).toContain('boom');
  });

  it('shows the keyring banner only when the keyring has a problem', async () => {
    const problem: IpcError = { code: 'keyring_unavailable', message: 'No system keyring is available.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'keyring_status') throw problem;
      return command === 'app_overview' ? overview : undefined;
    });
    const { container } = render(<App />);
    const banner = await screen.findByTestId('keyring-status');
    expect(banner.querySelector('[role="alert"]')?.getAttribute('data-code')).toBe('keyring_unavailable');
    await waitFor(() => expect(container.querySelector('.shell')?.getAttribute('data-keyring-check')).toBe('done'));
    cleanup();

    let answer: () => void = () => {};
    invoke.mockImplementation((command: string) => {
      if (command === 'keyring_status') return new Promise<void>((resolve) => (answer = resolve));
      return Promise.resolve(command === 'app_overview' ? overview : undefined);
    });
    const shell = render(<App />).container.querySelector('.shell');
    // Until the check answers, the shell says so: no banner yet means nothing.
    expect(shell?.getAttribute('data-keyring-check')).toBe('pending');
    answer();
    await waitFor(() => expect(shell?.getAttribute('data-keyring-check')).toBe('done'));
    expect(screen.queryByTestId('keyring-status')).toBeNull();
  });

  it('removes an account and shows the list Rust returns afterwards', async () => {
    const account = { id: 'a1', kind: 'matrix' as const, server: 'http://127.0.0.1:8448', user_id: '@alice:127.0.0.1:8448', display_name: null };
    let accounts = [account];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'app_overview') return { ...overview, accounts };
      if (command === 'remove_account') {
        expect(args).toEqual({ id: 'a1' });
        accounts = [];
      }
      return undefined;
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId('account-remove-a1'));
    await waitFor(() => expect(screen.queryByTestId('account-item-a1')).toBeNull());
    expect(screen.getByTestId('account-list-empty')).toBeTruthy();
  });

  it('keeps the account and shows why when removal fails', async () => {
    const account = { id: 'a1', kind: 'ems' as const, server: 'http://127.0.0.1:8480/', user_id: 'sub-1', display_name: 'Alice' };
    const failure: IpcError = { code: 'keyring_locked', message: 'The system keyring is locked.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'app_overview') return { ...overview, accounts: [account] };
      if (command === 'remove_account') throw failure;
      return undefined;
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId('account-remove-a1'));
    const alert = await screen.findByTestId('error');
    expect(alert.dataset.code).toBe('keyring_locked');
    expect(screen.getByTestId('account-item-a1').textContent).toContain('Alice');
  });

  it('signs in to EMS through the browser and shows the account email', async () => {
    const account = { id: 'e1', issuer: 'http://127.0.0.1:8480/', email: 'demo@example.org', name: 'Demo', status: 'signed_in' as const };
    let signedIn = false;
    let release: () => void = () => {};
    const calls: string[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      calls.push(command);
      if (command === 'app_overview') return overview;
      if (command === 'ems_accounts') return signedIn ? [account] : [];
      if (command === 'ems_sign_in_start') {
        expect(args).toEqual({ issuer: 'http://127.0.0.1:8480/' });
        return { url: 'http://127.0.0.1:8480/oauth2/authorize?x=1', browser_error: 'no browser' };
      }
      if (command === 'ems_sign_in_finish') {
        await new Promise<void>((resolve) => (release = resolve));
        signedIn = true;
        return account;
      }
      return undefined;
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId('ems-sign-in'));
    expect((await screen.findByTestId('ems-sign-in-url')).textContent).toContain('oauth2/authorize');
    expect(screen.getByTestId('ems-sign-in-cancel')).toBeTruthy();
    release();
    await waitFor(() => expect(screen.getByTestId('ems-account-email').textContent).toBe('demo@example.org'));
    expect(screen.queryByTestId('ems-waiting')).toBeNull();
    expect(calls).toContain('ems_sign_in_finish');
  });

  it('shows a cancelled EMS sign-in as an error and offers the form again', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'app_overview') return overview;
      if (command === 'ems_accounts') return [];
      if (command === 'ems_sign_in_start') return { url: 'http://x/', browser_error: null };
      if (command === 'ems_sign_in_finish') throw { code: 'ems_cancelled', message: 'Sign-in was cancelled. Nothing was changed.' };
      return undefined;
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId('ems-sign-in'));
    const alert = await screen.findByTestId('error');
    expect(alert.dataset.code).toBe('ems_cancelled');
    expect(await screen.findByTestId('ems-sign-in')).toBeTruthy();
  });
});
