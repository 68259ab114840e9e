import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import type { Account, EmsAccountView, IpcError, Subscription } from '../bindings';
import { EmsPane } from './EmsPane';
import { invoke } from '../test/ipc';

const signedIn: EmsAccountView = {
  id: 'e1',
  issuer: 'http://127.0.0.1:8480/',
  email: 'demo@example.org',
  name: 'Demo Customer',
  status: 'signed_in',
};

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

const hosted: Subscription = {
  kind: 'hosted_homeserver',
  id: 'hs',
  status: 'active',
  seats: 5,
  admin_contact: 'demo@example.org',
  homeserver: { server_name: 'hs1.test', homeserver_url: 'http://127.0.0.1:8448/', web_client_url: 'http://127.0.0.1:8448/web' },
  created_at: 1,
};
const one: Subscription = {
  kind: 'element_one',
  id: 'one',
  status: 'active',
  matrix_id: '@demo:one.test',
  server_name: 'one.test',
  homeserver_url: 'http://127.0.0.1:10/',
  sso_idp_id: 'oidc-ems',
  web_client_url: 'http://127.0.0.1:10/web',
  created_at: 2,
};
const onprem: Subscription = {
  kind: 'on_premise',
  id: 'op',
  status: 'pending',
  seats: 20,
  web_client_domain: 'chat.demo.example',
  licence_status: 'valid',
  created_at: 3,
};

/** What `ems_overview` answers: the account and these subscriptions, fresh from the server. */
const overviewOf = (subscriptions: unknown[]) => ({ account, subscriptions, fetched_at: 1_700_000_000 });

describe('the EMS pane', () => {
  it('shows the account, billing, masked card and subscriptions grouped by kind', async () => {
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') {
        expect(args).toEqual({ id: 'e1' });
        return overviewOf([hosted, one, onprem]);
      }
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    expect((await screen.findByTestId('ems-account-name')).textContent).toBe('Demo Customer');
    expect(screen.getByTestId('ems-company-name').textContent).toContain('Demo Ltd');
    expect(screen.getByTestId('ems-billing-address').textContent).toBe('1 High St, Oxford, OX1 1AA, GB');
    expect(screen.getByTestId('ems-payment-method').textContent).toContain('Visa ending 4242');
    const list = screen.getByTestId('ems-subscriptions');
    expect(within(screen.getByTestId('ems-kind-hosted_homeserver')).getByTestId('ems-server-name-hs').textContent).toBe('hs1.test');
    expect(within(list).getByTestId('ems-matrix-id-one').textContent).toBe('@demo:one.test');
    expect(screen.getByTestId('ems-seats-hs').textContent).toBe('5');
    expect(screen.getByTestId('subscription-op').getAttribute('data-status')).toBe('pending');
    expect(screen.getByTestId('ems-status-op').textContent).toContain('Pending');
    expect(screen.queryByTestId('ems-seats-one'), 'Element One has no seats').toBeNull();
  });

  it('raises seats, then shows the count read back from the server', async () => {
    let seats = 5;
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([{ ...hosted, seats }]);
      if (command === 'ems_raise_seats') {
        expect(args).toEqual({ id: 'e1', subscriptionId: 'hs', seats: 8 });
        seats = 8;
        return { ...hosted, seats };
      }
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    const input = (await screen.findByTestId('ems-seats-input-hs')) as HTMLInputElement;
    fireEvent.input(input, { target: { value: '8' } });
    fireEvent.click(screen.getByTestId('ems-raise-seats-hs'));
    await waitFor(() => expect(screen.getByTestId('ems-seats-hs').textContent).toBe('8'));
  });

  it('shows a validation error next to the field the server named', async () => {
    const refused: IpcError = {
      code: 'ems_invalid_field',
      message: 'country must be a two-letter ISO country code in capitals, such as GB',
      field: 'country',
    };
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([]);
      if (command === 'ems_update_billing_address') {
        expect((args?.address as { country: string }).country).toBe('Narnia');
        throw refused;
      }
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    fireEvent.click(await screen.findByTestId('ems-edit-billing'));
    fireEvent.input(screen.getByTestId('ems-billing-country'), { target: { value: 'Narnia' } });
    fireEvent.click(screen.getByTestId('ems-billing-save'));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-field')).toBe('country');
    expect(alert.textContent).toContain('two-letter');
    expect(
      screen.getByTestId('ems-billing-country').closest('div')?.contains(alert),
      'the message sits with the country field',
    ).toBe(true);
  });

  it('opens the Matrix account of a hosted homeserver at its homeserver', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([hosted, one, onprem]);
      return undefined;
    });
    const open = vi.fn();
    render(<EmsPane overview={null} onAccountsChanged={() => {}} onOpenMatrix={open} />);
    fireEvent.click(await screen.findByTestId('ems-open-matrix-hs'));
    expect(open).toHaveBeenCalledWith('http://127.0.0.1:8448/', { ems_account: 'e1', subscription_id: 'hs' });
    expect(screen.queryByTestId('ems-open-matrix-op'), 'On-Premise has no hosted Matrix account').toBeNull();
  });

  it('asks whether to sign out of the bridged Matrix account too, and does what was chosen', async () => {
    const signOuts: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([hosted, one, onprem]);
      if (command === 'ems_bridged_accounts') {
        return [{ id: 'm1', user_id: '@demo:one.test', homeserver: 'http://127.0.0.1:10/', display_name: null, session: { state: 'signed_in', device_id: 'D' }, subscription: { ems_account: 'e1', subscription_id: 'one' } }];
      }
      if (command === 'ems_sign_out') signOuts.push(args);
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    fireEvent.click(await screen.findByTestId('ems-sign-out'));
    expect((await screen.findByTestId('ems-sign-out-question')).textContent).toContain('@demo:one.test');
    expect(signOuts, 'nothing is signed out before the answer').toEqual([]);
    fireEvent.click(screen.getByTestId('ems-sign-out-both'));
    await waitFor(() => expect(signOuts).toEqual([{ id: 'e1', withBridged: true }]));
  });

  it('with no Element One subscription, offers to create one, and once created goes on with its Matrix sign-in by itself', async () => {
    let emsSignedIn = false;
    let subscriptions: Subscription[] = [hosted];
    const starts: unknown[] = [];
    const created: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return emsSignedIn ? [signedIn] : [];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf(subscriptions);
      if (command === 'element_one_sign_in_start') {
        starts.push(args);
        return { url: `http://127.0.0.1:8480/start-${starts.length}`, browser_error: null };
      }
      if (command === 'element_one_sign_in_finish') {
        if (starts.length === 1) {
          emsSignedIn = true;
          throw { code: 'bridge_no_element_one', message: 'You are signed in to EMS as demo@example.org, but this EMS account has no Element One subscription.' };
        }
        return new Promise(() => {});
      }
      if (command === 'ems_create_subscription') {
        created.push(args);
        subscriptions = [hosted, one];
        return one;
      }
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} />);
    fireEvent.click(await screen.findByTestId('element-one-sign-in'));
    const offer = await screen.findByTestId('bridge-no-element-one');
    expect(offer.textContent, 'said where the signed-in account is').toContain('no Element One subscription');
    expect(screen.getByTestId('ems-account-e1').contains(offer)).toBe(true);
    fireEvent.click(within(offer).getByTestId('bridge-create-element-one'));
    await waitFor(() => expect((screen.getByTestId('ems-new-kind') as HTMLSelectElement).value).toBe('element_one'));
    expect(starts.length, 'nothing starts before the subscription exists').toBe(1);
    fireEvent.click(screen.getByTestId('ems-new-submit'));
    await waitFor(() => expect(starts.length).toBe(2));
    expect(created).toEqual([{ id: 'e1', subscription: { kind: 'element_one', username: null } }]);
    expect(starts[1], 'the new subscription names the homeserver, provider, Matrix ID and link').toEqual({
      issuer: 'http://127.0.0.1:8480/',
      homeserver: 'http://127.0.0.1:10/',
      idpId: 'oidc-ems',
      matrixId: '@demo:one.test',
      subscription: { ems_account: 'e1', subscription_id: 'one' },
    });
    const row = screen.getByTestId('subscription-one');
    expect(within(row).getByTestId('bridge-status').textContent, 'its row shows the step').toContain('Waiting');
    expect(screen.queryByTestId('bridge-no-element-one'), 'the offer is done').toBeNull();
  });

  it('opens the web client of each subscription through the Rust opener', async () => {
    const opened: unknown[] = [];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([hosted, one, onprem]);
      if (command === 'open_link') {
        opened.push(args?.url);
        return { url: args?.url, browser_error: null };
      }
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} onOpenMatrix={() => {}} />);
    for (const id of ['hs', 'one', 'op']) fireEvent.click(await screen.findByTestId(`ems-open-web-client-${id}`));
    await waitFor(() => expect(opened).toHaveLength(3));
    expect(opened).toEqual(['http://127.0.0.1:8448/web', 'http://127.0.0.1:10/web', 'https://chat.demo.example/']);
  });
});

describe('the EMS pane offline', () => {
  it('shows the cached data read-only, marked stale with the reason, and the linked Matrix accounts', async () => {
    const bob = {
      id: 'm1',
      user_id: '@bob:hs1.test',
      homeserver: 'http://127.0.0.1:8448/',
      display_name: null,
      session: { state: 'signed_in', device_id: 'D' },
      subscription: { ems_account: 'e1', subscription_id: 'hs' },
    };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'ems_accounts') return [signedIn];
      if (command === 'matrix_accounts') return [bob];
      if (command === 'ems_overview') return { ...overviewOf([hosted, onprem]), stale: 'Could not reach the EMS server.' };
      return undefined;
    });
    render(<EmsPane overview={null} onAccountsChanged={() => {}} onOpenMatrix={() => {}} />);
    const stale = await screen.findByTestId('ems-stale');
    expect(stale.textContent).toContain('Could not reach the EMS server.');
    expect(screen.getByTestId('ems-account-name').textContent).toBe('Demo Customer');
    expect(screen.queryByTestId('ems-raise-seats-hs'), 'no changes while stale').toBeNull();
    expect(screen.queryByTestId('ems-cancel-hs')).toBeNull();
    expect(screen.queryByTestId('ems-create-subscription')).toBeNull();
    expect(screen.queryByTestId('ems-delete-account')).toBeNull();
    expect((screen.getByTestId('ems-edit-details') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('ems-linked-matrix-hs').textContent).toContain('@bob:hs1.test');
    expect(screen.getByTestId('ems-open-matrix-hs'), 'signing in to Matrix needs no EMS').toBeTruthy();
  });
});

describe('deleting the EMS account', () => {
  it('shows the preview with the Matrix accounts that go, and deletes only after the email is typed', async () => {
    let accounts = [signedIn];
    invoke.mockImplementation(async (command: string, args?: Record<string, unknown>) => {
      if (command === 'ems_accounts') return accounts;
      if (command === 'matrix_accounts') return [];
      if (command === 'ems_overview') return overviewOf([hosted]);
      if (command === 'ems_deletion_preview')
        return {
          email: 'demo@example.org',
          subscriptions: [hosted],
          hosts: [{ subscription_id: 'hs', server_name: 'hs1.test', homeserver_url: 'http://127.0.0.1:8448/' }],
          matrix_accounts: ['@demo:hs1.test'],
          expires_at: 0,
        };
      if (command === 'ems_delete_account') {
        expect(args).toEqual({ id: 'e1', email: 'demo@example.org' });
        accounts = [];
        return undefined;
      }
      return undefined;
    });
    const changed = vi.fn();
    render(<EmsPane overview={null} onAccountsChanged={changed} />);
    fireEvent.click(await screen.findByTestId('ems-delete-preview'));
    const what = await screen.findByTestId('ems-delete-what');
    expect(what.textContent).toContain('hs1.test');
    expect(what.textContent, 'the Matrix accounts here on the host are named').toContain('@demo:hs1.test');
    const submit = screen.getByTestId('ems-delete-submit') as HTMLButtonElement;
    expect(submit.disabled, 'nothing is deleted before the email is typed').toBe(true);
    expect(invoke).not.toHaveBeenCalledWith('ems_delete_account', expect.anything());
    fireEvent.input(screen.getByTestId('ems-delete-confirm'), { target: { value: 'demo@example.org' } });
    fireEvent.click(submit);
    await waitFor(() => expect(changed).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('ems-account-panel')).toBeNull());
  });
});
