import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import axe from 'axe-core';
import type { Account, DeviceView, EmsAccountView, IpcError, SeatUser, Subscription } from './bindings';
import { App } from './App';
import { EmsDetailsForm } from './components/EmsAccountForms';
import { EmsDeleteAccount } from './components/EmsDeleteAccount';
import { EmsPane } from './components/EmsPane';
import { MatrixManage } from './components/MatrixManage';
import { MatrixPane } from './components/MatrixPane';
import { MatrixSignInForm } from './components/MatrixSignInForm';
import { SeatsAddUser } from './components/SeatsAddUser';
import { SeatsConfirm } from './components/SeatsConfirm';
import { SeatsPane } from './components/SeatsPane';
import { UiaPrompt, type PendingAuth } from './components/UiaPrompt';
import { appOverview, deferred, invoke, matrixAccount, seatSubscription } from './test/ipc';

const account: Account = {
  id: 'sub-1',
  email: 'demo@example.org',
  name: 'Demo Customer',
  username: 'demo',
  company: { name: 'Demo Ltd', number: 'GB123', size: '11-50' },
  billing_address: { line1: '1 High St', line2: null, city: 'Oxford', region: null, postal_code: 'OX1 1AA', country: 'GB' },
  payment_method: { brand: 'visa', last4: '4242', expiry_month: 12, expiry_year: 2099, holder_name: 'Demo' },
  created_at: 1,
};
const signedIn: EmsAccountView = { id: 'e1', issuer: 'http://127.0.0.1:8480/', email: 'demo@example.org', name: 'Demo Customer', status: 'signed_in' };
const hosted: Subscription = {
  kind: 'hosted_homeserver',
  id: 'hs',
  status: 'active',
  seats: 5,
  admin_contact: 'demo@example.org',
  homeserver: { server_name: 'hs1.test', homeserver_url: 'http://127.0.0.1:8448/', web_client_url: 'http://127.0.0.1:8448/web' },
  created_at: 1,
};

const focused = () => document.activeElement;

describe('the pane tabs', () => {
  const tabs = () => ['nav-ems', 'nav-matrix', 'nav-seats'].map((id) => screen.getByTestId(id));

  it('are a tablist whose tabs control panels, with one tab stop', () => {
    invoke.mockImplementation(async (command: string) => (command === 'app_overview' ? appOverview() : undefined));
    render(<App />);
    expect(screen.getByRole('tablist').getAttribute('aria-label')).toBe('Panes');
    for (const tab of tabs()) {
      expect(tab.getAttribute('role')).toBe('tab');
      const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
      expect(panel?.getAttribute('role')).toBe('tabpanel');
      expect(panel?.getAttribute('aria-labelledby')).toBe(tab.id);
    }
    expect(tabs().map((t) => t.getAttribute('aria-selected'))).toEqual(['true', 'false', 'false']);
    expect(tabs().map((t) => t.tabIndex)).toEqual([0, -1, -1]);
    expect(document.getElementById('panel-ems')?.hidden).toBe(false);
    expect(document.getElementById('panel-matrix')?.hidden).toBe(true);
    expect(document.getElementById('panel-ems')?.contains(screen.getByTestId('pane-ems'))).toBe(true);
  });

  it('move with the arrow keys, Home and End, selecting and focusing the tab', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'app_overview' ? appOverview() : undefined));
    render(<App />);
    const [ems, matrix, seats] = tabs() as [HTMLElement, HTMLElement, HTMLElement];
    ems.focus();
    fireEvent.keyDown(ems, { key: 'ArrowRight' });
    await waitFor(() => expect(matrix.getAttribute('aria-selected')).toBe('true'));
    expect(focused()).toBe(matrix);
    expect(matrix.tabIndex).toBe(0);
    expect(ems.tabIndex).toBe(-1);
    expect(screen.getByTestId('pane-matrix')).toBeTruthy();
    fireEvent.keyDown(matrix, { key: 'End' });
    await waitFor(() => expect(seats.getAttribute('aria-selected')).toBe('true'));
    expect(focused()).toBe(seats);
    fireEvent.keyDown(seats, { key: 'ArrowRight' });
    await waitFor(() => expect(ems.getAttribute('aria-selected')).toBe('true'), { timeout: 2000 });
    expect(focused()).toBe(ems);
    fireEvent.keyDown(ems, { key: 'ArrowLeft' });
    await waitFor(() => expect(seats.getAttribute('aria-selected')).toBe('true'));
    fireEvent.keyDown(seats, { key: 'Home' });
    await waitFor(() => expect(ems.getAttribute('aria-selected')).toBe('true'));
    expect(screen.getByTestId('pane-ems')).toBeTruthy();
    // Other keys are left alone.
    fireEvent.keyDown(ems, { key: 'a' });
    expect(ems.getAttribute('aria-selected')).toBe('true');
  });

  it('still switch panes when clicked', () => {
    invoke.mockImplementation(async (command: string) => (command === 'app_overview' ? appOverview() : undefined));
    render(<App />);
    fireEvent.click(screen.getByTestId('nav-seats'));
    expect(screen.getByTestId('nav-seats').getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('pane-seats')).toBeTruthy();
  });
});

/** An opener and the confirmation it opens, as the Seats pane uses them. */
function Confirmation({ onCancel }: { onCancel: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" data-testid="opener" onClick={() => setOpen(true)}>
        Deactivate…
      </button>
      {open && (
        <SeatsConfirm
          title="Deactivate @bob:hs1.test"
          confirmLabel="Deactivate"
          danger
          busy={false}
          error={null}
          onConfirm={() => {}}
          onCancel={() => {
            onCancel();
            setOpen(false);
          }}
        >
          <label>
            Reason <input data-testid="reason" />
          </label>
        </SeatsConfirm>
      )}
    </>
  );
}

describe('dialogs', () => {
  it('take focus, keep Tab inside, close on Escape and give focus back to the opener', async () => {
    const onCancel = vi.fn();
    render(<Confirmation onCancel={onCancel} />);
    const opener = screen.getByTestId('opener');
    opener.focus();
    fireEvent.click(opener);
    const dialog = await screen.findByRole('dialog');
    expect(dialog.getAttribute('aria-labelledby')).toBeTruthy();
    expect(document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent).toBe('Deactivate @bob:hs1.test');
    expect(focused(), 'focus moves to the first field').toBe(screen.getByTestId('reason'));

    const cancel = screen.getByTestId('seats-cancel');
    cancel.focus();
    fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(focused(), 'Tab from the last wraps to the first').toBe(screen.getByTestId('reason'));
    fireEvent.keyDown(screen.getByTestId('reason'), { key: 'Tab', shiftKey: true });
    expect(focused(), 'Shift+Tab from the first wraps to the last').toBe(cancel);

    fireEvent.keyDown(cancel, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(focused(), 'focus is back on the opener').toBe(opener);
  });

  it("give focus to the button that took the opener's place when the opener went away", async () => {
    invoke.mockImplementation(async (command: string) =>
      command === 'ems_deletion_preview' ? { email: 'demo@example.org', subscriptions: [], hosts: [], matrix_accounts: [] } : undefined,
    );
    render(<EmsDeleteAccount accountId="e1" onDeleted={() => {}} />);
    const opener = screen.getByTestId('ems-delete-preview');
    opener.focus();
    fireEvent.click(opener);
    const dialog = await screen.findByTestId('ems-delete-dialog');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(focused()).toBe(screen.getByTestId('ems-delete-confirm'));
    fireEvent.keyDown(screen.getByTestId('ems-delete-confirm'), { key: 'Escape' });
    await waitFor(() => expect(focused()).toBe(screen.getByTestId('ems-delete-preview')));
    expect(screen.queryByTestId('ems-delete-dialog')).toBeNull();
  });

  it('the re-authentication prompt takes focus in its password field and Escape cancels it', () => {
    const pending: PendingAuth = {
      title: 'Sign out 2 sessions',
      challenge: { session: 's', flows: [{ stages: ['m.login.password'] }], completed: [] },
      retry: vi.fn(),
    };
    const onCancel = vi.fn();
    render(<UiaPrompt pending={pending} onDone={() => {}} onCancel={onCancel} />);
    expect(screen.getByTestId('uia-prompt').getAttribute('role')).toBe('dialog');
    expect(focused()).toBe(screen.getByTestId('uia-password'));
    fireEvent.keyDown(screen.getByTestId('uia-password'), { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe('a dialog in a dialog', () => {
  it('Escape in the browser step cancels that step only', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'uia_sso_finish' ? new Promise(() => {}) : undefined));
    const pending: PendingAuth = {
      title: 'Deactivate the account',
      challenge: { session: 's', flows: [{ stages: ['m.login.sso'] }], completed: [] },
      retry: vi.fn(),
      sso: async () => ({ status: 'browser', url: 'http://hs/fallback', browser_error: null }),
    };
    const onCancel = vi.fn();
    render(<UiaPrompt pending={pending} onDone={() => {}} onCancel={onCancel} />);
    const inner = await screen.findByTestId('uia-sso');
    expect(inner.getAttribute('role')).toBe('dialog');
    fireEvent.keyDown(screen.getByTestId('uia-sso-done'), { key: 'Escape' });
    expect(invoke.mock.calls.filter(([c]) => c === 'uia_sso_cancel')).toHaveLength(1);
    expect(onCancel, 'the outer prompt stays; the cancelled wait ends it').not.toHaveBeenCalled();
  });
});

describe('labels, field errors and busy buttons', () => {
  it('ties a refused field to its error, and keeps what the user typed', async () => {
    const refused: IpcError = { code: 'ems_invalid_field', field: 'email', message: 'This is not an email address.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'ems_update_details') throw refused;
      return undefined;
    });
    render(<EmsDetailsForm accountId="e1" account={account} onSaved={() => {}} onCancel={() => {}} />);
    const email = screen.getByTestId('ems-details-email') as HTMLInputElement;
    expect(email.getAttribute('aria-invalid')).toBeNull();
    fireEvent.input(email, { target: { value: 'demo@localhost' } });
    fireEvent.input(screen.getByTestId('ems-details-name'), { target: { value: 'Renamed' } });
    fireEvent.submit(screen.getByTestId('ems-details-form'));
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    const described = document.getElementById(email.getAttribute('aria-describedby') ?? '');
    expect(described?.textContent).toBe('This is not an email address.');
    expect(described?.getAttribute('role')).toBe('alert');
    expect(screen.getByTestId('ems-details-name').getAttribute('aria-invalid'), 'only the refused field').toBeNull();
    expect(email.value, 'the typed address is kept').toBe('demo@localhost');
    expect((screen.getByTestId('ems-details-name') as HTMLInputElement).value).toBe('Renamed');
  });

  it('keeps a refused new user as typed, with the username marked invalid', async () => {
    const taken: IpcError = { code: 'seats_user_exists', message: '@bob:hs1.test exists already.' };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_add_user') throw taken;
      return undefined;
    });
    render(<SeatsAddUser target={{ ems_account: 'e1', subscription_id: 'hs' }} serverName="hs1.test" onAdded={() => {}} onNoSeatFree={() => {}} />);
    fireEvent.click(screen.getByTestId('seats-add-user'));
    fireEvent.input(screen.getByTestId('seats-new-username'), { target: { value: 'bob' } });
    fireEvent.input(screen.getByTestId('seats-new-display-name'), { target: { value: 'Bob' } });
    fireEvent.submit(screen.getByTestId('seats-new-username').closest('form') as HTMLFormElement);
    const name = screen.getByTestId('seats-new-username') as HTMLInputElement;
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(name.getAttribute('aria-describedby') ?? '')?.textContent).toBe('@bob:hs1.test exists already.');
    expect(name.value).toBe('bob');
    expect((screen.getByTestId('seats-new-display-name') as HTMLInputElement).value).toBe('Bob');
  });

  it('marks the busy button with aria-busy while discovery runs, and says what it waits for', async () => {
    const discovery = deferred<unknown>();
    invoke.mockImplementation(async (command: string) => (command === 'matrix_discover' ? discovery.promise : undefined));
    render(<MatrixSignInForm initialHomeserver="example.org" initialIdentifier="" accountId={null} onSignedIn={() => {}} onCancel={null} />);
    const button = screen.getByTestId('matrix-discover');
    expect(button.getAttribute('aria-busy')).toBe('false');
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('aria-busy')).toBe('true'));
    expect(button.textContent).toBe('Looking for the homeserver…');
    expect(button.querySelector('.spinner')?.getAttribute('aria-hidden')).toBe('true');
    discovery.reject({ code: 'matrix_no_such_host', message: 'No server answers at example.org.' } satisfies IpcError);
    await waitFor(() => expect(button.getAttribute('aria-busy')).toBe('false'));
    expect((screen.getByTestId('matrix-homeserver') as HTMLInputElement).value, 'the typed server is kept').toBe('example.org');
  });
});

/** What a screen reader would call each field: its <label>, aria-label or aria-labelledby. */
function unlabelled(root: Element): string[] {
  return Array.from(root.querySelectorAll<HTMLElement>('input, select, textarea'))
    .filter((field) => {
      if (field.getAttribute('type') === 'hidden') return false;
      if (field.getAttribute('aria-label') || field.getAttribute('aria-labelledby')) return false;
      if (field.closest('label')) return false;
      return !(field.id && root.querySelector(`label[for="${field.id}"]`));
    })
    .map((field) => field.outerHTML);
}

/** axe-core over `root`: no serious or critical violation, and some rules passed (so it ran). */
async function axeClean(root: Element) {
  // Colour contrast needs the stylesheet and layout, which happy-dom does not compute.
  const results = await axe.run(root, { rules: { 'color-contrast': { enabled: false } } });
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
  expect(bad).toEqual([]);
  expect(results.passes.length).toBeGreaterThan(5);
}

describe('the main panes, checked with axe-core', () => {
  it('EMS, signed in with a subscription', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return { account, subscriptions: [hosted], fetched_at: 1 };
      if (command === 'ems_deletion_preview')
        return { email: account.email, subscriptions: [{ id: 'hs', kind: 'hosted_homeserver', status: 'active' }], hosts: [], matrix_accounts: [] };
      return undefined;
    });
    const { container } = render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    await screen.findByTestId('ems-seats-hs');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
    fireEvent.click(screen.getByTestId('ems-delete-preview'));
    await screen.findByTestId('ems-delete-confirm');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
  });

  it('Matrix, with an account and the sign-in form', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_accounts') return [matrixAccount({ id: 'm1', user_id: '@alice:hs1.test', display_name: 'Alice' })];
      if (command === 'matrix_discover')
        return { homeserver_url: 'http://127.0.0.1:8448/', via_well_known: null, methods: { password: true, sso: null, oauth: null } };
      return undefined;
    });
    const { container } = render(<MatrixPane overview={appOverview({ homeserver: 'hs1.test' })} onAccountsChanged={() => {}} />);
    fireEvent.click(await screen.findByTestId('matrix-add'));
    fireEvent.click(screen.getByTestId('matrix-discover'));
    await screen.findByTestId('matrix-password');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
  });

  it('Seats, with a subscription that has no admin here', async () => {
    invoke.mockImplementation(async (command: string) =>
      command === 'seats_subscriptions' ? [seatSubscription({ admin: null, admin_problem: 'No admin here.' })] : undefined,
    );
    const { container } = render(<SeatsPane overview={null} onOpenMatrix={() => {}} />);
    await screen.findByTestId('seats-admin-sign-in');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
  });

  it('the shell, with its tabs and the sidebar', async () => {
    invoke.mockImplementation(async (command: string) =>
      command === 'app_overview'
        ? appOverview({
            accounts: [{ id: 'm1', kind: 'matrix', user_id: '@alice:hs1.test', display_name: 'Alice', server: 'http://127.0.0.1:8448' }],
          } as Parameters<typeof appOverview>[0])
        : undefined,
    );
    const { container } = render(<App />);
    await waitFor(() => expect(screen.getByTestId('account-item-m1').textContent).toContain('@alice:hs1.test'));
    expect(screen.getByTestId('account-item-m1').textContent).toContain('Alice');
    await axeClean(container);
  });

  it('Matrix account management, and the re-authentication prompt over it', async () => {
    const own: DeviceView = { device_id: 'OWN', display_name: 'laptop', last_seen_ip: '127.0.0.1', last_seen_ts: 1, current: true };
    const other: DeviceView = { device_id: 'OTHER', display_name: 'phone', last_seen_ip: null, last_seen_ts: null, current: false };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'matrix_profile') return { display_name: 'alice', has_avatar: false };
      if (command === 'matrix_avatar') return null;
      if (command === 'matrix_threepids') return [];
      if (command === 'matrix_devices') return [own, other];
      if (command === 'matrix_delete_devices') return { status: 'auth_required', challenge: { session: 'S1', flows: [{ stages: ['m.login.password'] }], completed: [] } };
      return undefined;
    });
    const alice = matrixAccount({ id: 'a1', user_id: '@alice:hs1.test', display_name: 'alice', session: { state: 'signed_in', device_id: 'OWN' } });
    const { container } = render(<MatrixManage account={alice} onChanged={() => {}} onClose={() => {}} />);
    await screen.findByTestId('device-OTHER');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
    fireEvent.click(screen.getByTestId('device-select-OTHER'));
    fireEvent.click(screen.getByTestId('matrix-sign-out-devices'));
    await screen.findByTestId('uia-prompt');
    await waitFor(() => expect(focused()).toBe(screen.getByTestId('uia-password')));
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
  });

  it('Seats, administered here: users, import and tokens', async () => {
    const users: SeatUser[] = ['alice', 'bob'].map((localpart, i) => ({
      user_id: `@${localpart}:hs1.test`,
      localpart,
      display_name: localpart,
      admin: i === 0,
      deactivated: false,
      locked: false,
      guest: false,
      user_type: null,
      created_ms: 1_700_000_000_000,
      last_seen_ms: 1_700_000_000_000,
      holds_seat: true,
      active_this_month: true,
      stale: false,
    }));
    const ledger = { seats_paid: 5, accounts: 2, active_this_month: 2, free: 3, complete: true, warnings: [] };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_subscriptions') return [seatSubscription()];
      if (command === 'seats_load_page') return { users, replaces: false, loaded: 2, total: 2, done: true, ledger };
      if (command === 'seats_tokens') return { tokens: [], free: 3 };
      if (command === 'seats_audit') return [];
      return undefined;
    });
    const { container } = render(<SeatsPane overview={null} onOpenMatrix={() => {}} />);
    await waitFor(() => expect(screen.getByTestId('seats-progress').textContent).toContain('2 of 2 users loaded'));
    await screen.findByTestId('seats-token-free');
    expect(unlabelled(container)).toEqual([]);
    await axeClean(container);
    const opener = screen.getByTestId('seats-deactivate-bob');
    opener.focus();
    fireEvent.click(opener);
    const dialog = await screen.findByTestId('seats-dialog');
    expect(dialog.contains(focused())).toBe(true);
    await axeClean(container);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('seats-dialog')).toBeNull());
    expect(focused()).toBe(opener);
  });
});
