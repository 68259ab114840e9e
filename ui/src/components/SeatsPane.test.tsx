import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import type {
  IpcError,
  RegistrationTokenView,
  SeatLedger,
  SeatSubscription,
  SeatUser,
  SeatUserChange,
  TokenList,
  UserSession,
  UsersPage,
} from '../bindings';
import { SeatsPane } from './SeatsPane';
import { endOfDay } from './SeatsTokens';
import { invoke, seatSubscription } from '../test/ipc';

const TARGET = { ems_account: 'e1', subscription_id: 'hs' };
const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.now();

const subscription = seatSubscription();

function user(localpart: string, extra: Partial<SeatUser> = {}): SeatUser {
  const base: SeatUser = {
    user_id: `@${localpart}:hs1.test`,
    localpart,
    display_name: localpart.charAt(0).toUpperCase() + localpart.slice(1),
    admin: false,
    deactivated: false,
    locked: false,
    guest: false,
    user_type: null,
    created_ms: NOW - 100 * DAY,
    last_seen_ms: NOW - DAY,
    holds_seat: true,
    active_this_month: true,
    stale: false,
  };
  const merged = { ...base, ...extra };
  // The counting rules as the core applies them, so the fake's ledger is plausible.
  merged.holds_seat = !merged.deactivated && !merged.guest && merged.user_type === null;
  return merged;
}

/** The core and homeserver behind the commands: users paged like the core pages them. */
class FakeSeats {
  users: SeatUser[];
  seats: number;
  pageSize: number;
  cursor = 0;
  pagesServed = 0;
  /** Fail the page requests after this many (the homeserver stopped mid-list). */
  failAfterPages: number | null = null;
  tokens: RegistrationTokenView[] = [];
  /** The seats at EMS; the core (`seats`) learns them only when it fetches the subscriptions. */
  emsSeats: number;
  subscriptionExtra: Partial<SeatSubscription> = {};

  constructor(users: SeatUser[], { seats = 5, pageSize = 100 } = {}) {
    this.users = users;
    this.seats = seats;
    this.emsSeats = seats;
    this.pageSize = pageSize;
  }

  ledger(over: SeatUser[] = this.users, complete = true): SeatLedger {
    const accounts = over.filter((u) => u.holds_seat).length;
    const active = over.filter((u) => u.holds_seat && u.active_this_month).length;
    const free = this.seats - accounts;
    const warnings: SeatLedger['warnings'] = [];
    if (free <= 0) warnings.push({ kind: 'no_seat_free', message: 'No seat is free: raise the seats or deactivate an account.' });
    if (active > this.seats) warnings.push({ kind: 'active_exceeds_seats', message: `${active} active this month, more than the ${this.seats} seats paid.` });
    return { seats_paid: this.seats, accounts, active_this_month: active, free, complete, warnings };
  }

  change(updated: SeatUser, password: string | null = null): SeatUserChange {
    const at = this.users.findIndex((u) => u.user_id === updated.user_id);
    if (at < 0) this.users.push(updated);
    else this.users[at] = updated;
    return { user: updated, ledger: this.ledger(), password };
  }

  find(userId: unknown): SeatUser {
    const found = this.users.find((u) => u.user_id === userId);
    if (!found) throw new Error(`no user ${String(userId)}`);
    return found;
  }

  tokenList(): TokenList {
    return { tokens: this.tokens, free: this.ledger().free };
  }

  handle = async (command: string, args: Record<string, unknown> = {}): Promise<unknown> => {
    if ('target' in args) expect(args.target).toEqual(TARGET);
    switch (command) {
      case 'seats_subscriptions':
        // EMS answers after a while, as over the network.
        await new Promise((resolve) => setTimeout(resolve, 5));
        this.seats = this.emsSeats;
        return [{ ...subscription, seats: this.emsSeats, ...this.subscriptionExtra }];
      case 'seats_load_page': {
        if (args.restart) this.cursor = 0;
        if (this.failAfterPages !== null && this.pagesServed >= this.failAfterPages) {
          const down: IpcError = { code: 'seats_homeserver_unreachable', message: 'Could not reach hs1.test: connection refused.' };
          throw down;
        }
        this.pagesServed += 1;
        const users = this.users.slice(this.cursor, this.cursor + this.pageSize);
        this.cursor += users.length;
        const done = this.cursor >= this.users.length;
        const page: UsersPage = {
          users,
          replaces: false,
          loaded: this.cursor,
          total: this.users.length,
          done,
          ledger: this.ledger(this.users.slice(0, this.cursor), done),
        };
        return page;
      }
      case 'seats_tokens':
        return this.tokenList();
      default:
        return undefined;
    }
  };
}

/** Routes invoke to the fake, then to `extra` for the commands a test answers itself. */
function serve(fake: FakeSeats, extra: (command: string, args: Record<string, unknown>) => unknown = () => undefined) {
  invoke.mockImplementation(async (command: string, args: Record<string, unknown> = {}) => {
    const answer = await extra(command, args);
    return answer === undefined ? fake.handle(command, args) : answer;
  });
}

const calls = (command: string) => invoke.mock.calls.filter(([c]) => c === command);

function renderPane(onOpenMatrix = vi.fn()) {
  render(<SeatsPane overview={null} onOpenMatrix={onOpenMatrix} />);
  return onOpenMatrix;
}

async function section() {
  return within(await screen.findByTestId('seats-subscription-hs'));
}

/** Waits for the whole list and then the tokens, which follow the completed count. */
async function loaded(count: number) {
  await waitFor(() => expect(screen.getByTestId('seats-progress').textContent).toContain(`${count} of ${count} users loaded`));
  await screen.findByTestId('seats-token-free');
}

const figure = (scope: Awaited<ReturnType<typeof section>>, id: string) => scope.getByTestId(id).textContent;

describe('the Seats pane', () => {
  it('explains itself when no hosted homeserver subscription is signed in', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'seats_subscriptions' ? [] : undefined));
    renderPane();
    expect((await screen.findByTestId('seats-status')).textContent).toContain('hosted homeserver');
  });

  it('shows seats paid, accounts, active and free, and each warning of the ledger', async () => {
    const fake = new FakeSeats(
      [
        user('alice', { admin: true }),
        user('bob'),
        user('carol', { last_seen_ms: NOW - 40 * DAY, active_this_month: false }),
        user('dave', { locked: true }),
        user('erin'),
        user('bridge', { user_type: 'bot' }),
        user('gone', { deactivated: true, active_this_month: false }),
      ],
      { seats: 5 },
    );
    serve(fake);
    renderPane();
    await loaded(7);
    const s = await section();
    expect(figure(s, 'seats-paid')).toBe('5');
    expect(figure(s, 'seats-accounts'), 'the bot and the deactivated user hold no seat').toBe('5');
    expect(figure(s, 'seats-active')).toBe('4');
    expect(figure(s, 'seats-free')).toBe('0');
    const warnings = s.getAllByTestId('seats-warning');
    expect(warnings.map((w) => w.textContent)).toEqual(['No seat is free: raise the seats or deactivate an account.']);
    expect(s.getByTestId('seats-raise'), 'no seat is free, so raising is offered').toBeTruthy();
    expect(s.getByTestId('seats-help').textContent).toContain('Total Monthly Active User Seats');
    expect(s.getByTestId('seats-user-bridge').textContent).toContain('type: bot');
    expect(s.getByTestId('seats-user-dave').textContent).toContain('locked');
  });

  it('shows no warning and offers no raise while seats are free', async () => {
    serve(new FakeSeats([user('alice', { admin: true })], { seats: 5 }));
    renderPane();
    await loaded(1);
    const s = await section();
    expect(figure(s, 'seats-free')).toBe('4');
    expect(s.queryByTestId('seats-warning')).toBeNull();
    expect(s.queryByTestId('seats-raise')).toBeNull();
  });

  it('loads page by page with progress, and keeps the rows already loaded when the homeserver stops', async () => {
    const fake = new FakeSeats(['a', 'b', 'c', 'd', 'e'].map((l) => user(l)), { pageSize: 2 });
    fake.failAfterPages = 2;
    serve(fake);
    renderPane();
    const error = await screen.findByTestId('seats-error');
    expect(error.textContent).toBe('Could not reach hs1.test: connection refused.');
    expect(error.dataset.code).toBe('seats_homeserver_unreachable');
    expect(screen.getByTestId('seats-progress').textContent).toContain('4 of 5 users loaded');
    for (const l of ['a', 'b', 'c', 'd']) expect(screen.getByTestId(`seats-user-${l}`), `row ${l} was loaded`).toBeTruthy();
    expect(screen.queryByTestId('seats-user-e')).toBeNull();
    const restarts = calls('seats_load_page').map(([, args]) => (args as { restart: boolean }).restart);
    expect(restarts, 'one restart, then the following pages').toEqual([true, false, false]);

    fake.failAfterPages = null;
    fireEvent.click(screen.getByTestId('seats-resume'));
    await loaded(5);
    expect(screen.queryByTestId('seats-error')).toBeNull();
    expect(screen.getByTestId('seats-user-a'), 'going on keeps the first rows').toBeTruthy();
    expect(screen.getByTestId('seats-user-e')).toBeTruthy();
    expect(calls('seats_load_page').at(3)?.[1]).toEqual({ target: TARGET, restart: false });

    fireEvent.click(screen.getByTestId('seats-refresh'));
    await waitFor(() => expect(calls('seats_load_page')).toHaveLength(7));
    await loaded(5);
    expect(calls('seats_load_page').at(4)?.[1], 'refresh begins from the first page').toEqual({ target: TARGET, restart: true });
  });

  it('searches and filters the loaded list without fetching it again', async () => {
    serve(
      new FakeSeats([
        user('alice', { admin: true, display_name: 'Alice Admin' }),
        user('bob', { display_name: 'Robert' }),
        user('carol', { deactivated: true, active_this_month: false }),
        user('dan', { last_seen_ms: null, active_this_month: false, stale: true }),
      ]),
    );
    renderPane();
    await loaded(4);
    const before = invoke.mock.calls.length;

    fireEvent.input(screen.getByTestId('seats-search'), { target: { value: 'ROBERT' } });
    expect(screen.getByTestId('seats-user-bob')).toBeTruthy();
    expect(screen.queryByTestId('seats-user-alice'), 'display names match case-insensitively').toBeNull();
    fireEvent.input(screen.getByTestId('seats-search'), { target: { value: '@car' } });
    expect(screen.getByTestId('seats-user-carol')).toBeTruthy();
    expect(screen.queryByTestId('seats-user-bob'), 'Matrix IDs match too').toBeNull();
    fireEvent.input(screen.getByTestId('seats-search'), { target: { value: '' } });

    const filter = screen.getByTestId('seats-filter') as HTMLSelectElement;
    const shown = (value: string) => {
      fireEvent.change(filter, { target: { value } });
      return screen.queryAllByTestId(/^seats-user-/).map((row) => row.dataset.testid);
    };
    expect(shown('admins')).toEqual(['seats-user-alice']);
    expect(shown('deactivated')).toEqual(['seats-user-carol']);
    expect(shown('stale')).toEqual(['seats-user-dan']);
    expect(shown('active')).toEqual(['seats-user-alice', 'seats-user-bob']);
    expect(shown('all')).toHaveLength(4);
    expect(invoke.mock.calls.length, 'search and filter work on the loaded list').toBe(before);
  });

  it('keeps 10,000 users responsive: only the rows in view are rendered, and search finds any', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => user(`user${String(i).padStart(5, '0')}`));
    serve(new FakeSeats(many, { seats: 20_000, pageSize: 5_000 }));
    renderPane();
    await loaded(10_000);
    const rendered = screen.getAllByTestId(/^seats-user-/).length;
    expect(rendered, 'the first screen of rows is rendered').toBeGreaterThan(5);
    expect(rendered, 'rows out of view are not in the DOM').toBeLessThan(100);
    fireEvent.input(screen.getByTestId('seats-search'), { target: { value: 'user09999' } });
    expect(screen.getByTestId('seats-user-user09999').textContent).toContain('@user09999:hs1.test');
    expect(screen.getByTestId('seats-shown').textContent).toContain('1 shown');
  });

  it('adds a user, shows the generated password once with a copy button, and updates the counts', async () => {
    const fake = new FakeSeats([user('alice', { admin: true })], { seats: 5 });
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    serve(fake, (command, args) => {
      if (command !== 'seats_add_user') return undefined;
      expect(args.user).toEqual({ username: 'newbie', display_name: 'New Colleague', email: null });
      return fake.change(user('newbie', { display_name: 'New Colleague', last_seen_ms: null, active_this_month: false }), 'Gen-3rated-Pass');
    });
    renderPane();
    await loaded(1);
    const s = await section();
    expect(figure(s, 'seats-accounts')).toBe('1');

    fireEvent.click(s.getByTestId('seats-add-user'));
    fireEvent.input(s.getByTestId('seats-new-username'), { target: { value: 'newbie' } });
    fireEvent.input(s.getByTestId('seats-new-display-name'), { target: { value: 'New Colleague' } });
    fireEvent.click(s.getByTestId('seats-new-submit'));

    expect((await s.findByTestId('seats-new-password')).textContent).toBe('Gen-3rated-Pass');
    expect(figure(s, 'seats-accounts')).toBe('2');
    expect(figure(s, 'seats-free')).toBe('3');
    expect(s.getByTestId('seats-user-newbie').textContent).toContain('New Colleague');
    fireEvent.click(s.getByTestId('seats-copy-password'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('Gen-3rated-Pass'));
    fireEvent.click(s.getByTestId('seats-result-dismiss'));
    expect(s.queryByTestId('seats-new-password'), 'the password is shown once').toBeNull();
  });

  it('shows the refusal when no seat is free, offers to raise the seats, and raises them at EMS', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')], { seats: 3 });
    serve(fake, (command, args) => {
      if (command === 'seats_add_user') {
        const refused: IpcError = { code: 'seats_no_seat_free', message: 'No seat is free on hs1.test: all 3 are taken.' };
        throw refused;
      }
      if (command === 'ems_raise_seats') {
        expect(args).toEqual({ id: 'e1', subscriptionId: 'hs', seats: 6 });
        fake.emsSeats = 6;
        return { kind: 'hosted_homeserver', id: 'hs', seats: 6 };
      }
      return undefined;
    });
    renderPane();
    await loaded(2);
    const s = await section();
    expect(s.queryByTestId('seats-raise'), 'a seat is free as far as the pane knows').toBeNull();

    fireEvent.click(s.getByTestId('seats-add-user'));
    fireEvent.input(s.getByTestId('seats-new-username'), { target: { value: 'carol' } });
    fireEvent.click(s.getByTestId('seats-new-submit'));
    const error = await s.findByTestId('seats-error');
    expect(error.textContent).toBe('No seat is free on hs1.test: all 3 are taken.');
    expect(error.dataset.code).toBe('seats_no_seat_free');

    fireEvent.click(s.getByTestId('seats-raise'));
    const value = s.getByTestId('seats-raise-value') as HTMLInputElement;
    expect(s.getByTestId('seats-dialog').textContent).toContain('cannot be lowered later');
    fireEvent.input(value, { target: { value: '3' } });
    expect((s.getByTestId('seats-confirm') as HTMLButtonElement).disabled, 'the new number must be greater').toBe(true);
    fireEvent.input(value, { target: { value: '6' } });
    const subscriptionsBefore = calls('seats_subscriptions').length;
    fireEvent.click(s.getByTestId('seats-confirm'));
    await waitFor(() => expect(figure(s, 'seats-paid')).toBe('6'));
    expect(figure(s, 'seats-free')).toBe('4');
    expect(calls('seats_subscriptions').length, 'the core learns the new seats from the subscriptions').toBe(
      subscriptionsBefore + 1,
    );
    expect(s.queryByTestId('seats-raise')).toBeNull();
  });

  it('asks a second time, naming the consequence, before revoking the last admin', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')]);
    const accepted: unknown[] = [];
    serve(fake, (command, args) => {
      if (command !== 'seats_set_admin') return undefined;
      expect(args.userId).toBe('@alice:hs1.test');
      expect(args.admin).toBe(false);
      accepted.push(args.acceptConsequence);
      if (!args.acceptConsequence) {
        const consequence: IpcError = {
          code: 'seats_confirm_consequence',
          message: '@alice:hs1.test is the last server admin: nobody could administer hs1.test afterwards.',
        };
        throw consequence;
      }
      return fake.change({ ...fake.find(args.userId), admin: false });
    });
    renderPane();
    await loaded(2);
    const s = await section();
    fireEvent.click(s.getByTestId('seats-admin-toggle-alice'));
    expect(s.getByTestId('seats-dialog').textContent).toContain('Revoke');
    fireEvent.click(s.getByTestId('seats-confirm'));
    expect((await s.findByTestId('seats-consequence')).textContent).toBe(
      '@alice:hs1.test is the last server admin: nobody could administer hs1.test afterwards.',
    );
    expect(s.queryByTestId('seats-error'), 'the consequence is a question, not an error').toBeNull();
    fireEvent.click(s.getByTestId('seats-confirm'));
    const flags = () => s.getByTestId('seats-user-alice').querySelector('.seats-flags')?.textContent;
    await waitFor(() => expect(flags()).not.toContain('admin'));
    expect(accepted).toEqual([false, true]);
    expect(s.getByTestId('seats-admin-toggle-alice').textContent).toContain('Make admin');
  });

  it('cancelling the second confirmation leaves the admin rights alone', async () => {
    const fake = new FakeSeats([user('alice', { admin: true })]);
    serve(fake, (command) => {
      if (command !== 'seats_set_admin') return undefined;
      const consequence: IpcError = { code: 'seats_confirm_consequence', message: 'You would revoke your own admin rights.' };
      throw consequence;
    });
    renderPane();
    await loaded(1);
    const s = await section();
    fireEvent.click(s.getByTestId('seats-admin-toggle-alice'));
    fireEvent.click(s.getByTestId('seats-confirm'));
    await s.findByTestId('seats-consequence');
    fireEvent.click(s.getByTestId('seats-cancel'));
    expect(s.queryByTestId('seats-dialog')).toBeNull();
    expect(calls('seats_set_admin')).toHaveLength(1);
  });

  it('deactivates with erasure after confirmation, and the seat is freed', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')], { seats: 2 });
    serve(fake, (command, args) => {
      if (command !== 'seats_deactivate') return undefined;
      expect(args).toEqual({ target: TARGET, userId: '@bob:hs1.test', erase: true });
      return fake.change(user('bob', { deactivated: true }));
    });
    renderPane();
    await loaded(2);
    const s = await section();
    expect(figure(s, 'seats-free')).toBe('0');
    fireEvent.click(s.getByTestId('seats-deactivate-bob'));
    fireEvent.click(s.getByTestId('seats-erase'));
    fireEvent.click(s.getByTestId('seats-confirm'));
    await waitFor(() => expect(figure(s, 'seats-free')).toBe('1'));
    expect(s.getByTestId('seats-result').textContent).toContain('erased');
    expect(s.getByTestId('seats-reactivate-bob'), 'a deactivated user can be reactivated').toBeTruthy();
    expect(s.queryByTestId('seats-deactivate-bob')).toBeNull();
  });

  it('resets a password after saying it signs the user out everywhere, and shows the generated one', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')]);
    serve(fake, (command, args) => {
      if (command !== 'seats_reset_password') return undefined;
      expect(args).toEqual({ target: TARGET, userId: '@bob:hs1.test', password: null });
      return fake.change(fake.find(args.userId), 'Fresh-Pass-1');
    });
    renderPane();
    await loaded(2);
    const s = await section();
    fireEvent.click(s.getByTestId('seats-reset-password-bob'));
    expect(s.getByTestId('seats-dialog').textContent).toContain('signs @bob:hs1.test out everywhere');
    expect(calls('seats_reset_password'), 'nothing happens before the confirmation').toHaveLength(0);
    fireEvent.click(s.getByTestId('seats-confirm'));
    expect((await s.findByTestId('seats-new-password')).textContent).toBe('Fresh-Pass-1');
  });

  it('reactivates with a typed password, which is not shown back', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('gone', { deactivated: true })]);
    serve(fake, (command, args) => {
      if (command !== 'seats_reactivate') return undefined;
      expect(args).toEqual({ target: TARGET, userId: '@gone:hs1.test', password: 'typed-secret' });
      return fake.change(user('gone'));
    });
    renderPane();
    await loaded(2);
    const s = await section();
    fireEvent.click(s.getByTestId('seats-reactivate-gone'));
    fireEvent.input(s.getByTestId('seats-password-value'), { target: { value: 'typed-secret' } });
    fireEvent.click(s.getByTestId('seats-confirm'));
    expect((await s.findByTestId('seats-result')).textContent).toContain('active again');
    expect(s.queryByTestId('seats-new-password')).toBeNull();
    expect(s.getByTestId('seats-deactivate-gone')).toBeTruthy();
  });

  it("lists a user's sessions and signs out one, then all", async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')]);
    const phone: UserSession = { device_id: 'PHONE', display_name: 'Phone', last_seen_ip: '10.0.0.2', last_seen_ms: NOW };
    const laptop: UserSession = { device_id: 'LAPTOP', display_name: null, last_seen_ip: null, last_seen_ms: null };
    serve(fake, (command, args) => {
      if (command === 'seats_sessions') return [phone, laptop];
      if (command === 'seats_sign_out_sessions') return args.deviceId === 'PHONE' ? [laptop] : [];
      return undefined;
    });
    renderPane();
    await loaded(2);
    const s = await section();
    fireEvent.click(s.getByTestId('seats-sessions-bob'));
    expect((await s.findByTestId('seats-session-PHONE')).textContent).toContain('10.0.0.2');
    fireEvent.click(s.getByTestId('seats-session-sign-out-PHONE'));
    fireEvent.click(s.getByTestId('seats-confirm'));
    await waitFor(() => expect(s.queryByTestId('seats-session-PHONE')).toBeNull());
    expect(s.getByTestId('seats-session-LAPTOP')).toBeTruthy();
    fireEvent.click(s.getByTestId('seats-sessions-sign-out-all'));
    fireEvent.click(s.getByTestId('seats-confirm'));
    await waitFor(() => expect(s.queryByTestId('seats-session-LAPTOP')).toBeNull());
    expect(calls('seats_sign_out_sessions').map(([, a]) => (a as { deviceId: unknown }).deviceId)).toEqual(['PHONE', null]);
  });

  it('creates, lists and revokes registration tokens, warning when one exceeds the free seats', async () => {
    const fake = new FakeSeats([user('alice', { admin: true })], { seats: 3 });
    fake.tokens = [{ token: 'old', uses_allowed: 1, pending: 0, completed: 1, expiry_ms: null, exceeds_free: false }];
    serve(fake, (command, args) => {
      if (command === 'seats_create_token') {
        const wanted = args.token as { uses_allowed: number | null; expiry_ms: number | null };
        expect(wanted).toEqual({ uses_allowed: 5, expiry_ms: endOfDay('2099-03-04') });
        fake.tokens = [
          ...fake.tokens,
          { token: 'abcd', uses_allowed: 5, pending: 1, completed: 0, expiry_ms: wanted.expiry_ms, exceeds_free: true },
        ];
        return fake.tokenList();
      }
      if (command === 'seats_revoke_token') {
        expect(args).toEqual({ target: TARGET, token: 'abcd' });
        fake.tokens = fake.tokens.filter((t) => t.token !== 'abcd');
        return fake.tokenList();
      }
      return undefined;
    });
    renderPane();
    await loaded(1);
    const tokens = within(await screen.findByTestId('seats-tokens'));
    expect((await tokens.findByTestId('seats-token-row-old')).textContent).toContain('completed: 1');
    expect(tokens.queryByTestId('seats-token-warning-old')).toBeNull();

    fireEvent.click(tokens.getByTestId('seats-token-new'));
    fireEvent.input(tokens.getByTestId('seats-token-uses'), { target: { value: '5' } });
    fireEvent.input(tokens.getByTestId('seats-token-expiry'), { target: { value: '2099-03-04' } });
    fireEvent.click(tokens.getByTestId('seats-token-submit'));
    const row = await tokens.findByTestId('seats-token-row-abcd');
    expect(row.textContent).toContain('uses: 5');
    expect(row.textContent).toContain('pending: 1');
    expect(tokens.getByTestId('seats-token-warning-abcd').textContent).toContain('4 remaining uses exceed the 2 free seats');

    fireEvent.click(tokens.getByTestId('seats-token-revoke-abcd'));
    expect(calls('seats_revoke_token'), 'revoking waits for the confirmation').toHaveLength(0);
    fireEvent.click(tokens.getByTestId('seats-confirm'));
    await waitFor(() => expect(tokens.queryByTestId('seats-token-row-abcd')).toBeNull());
    expect(tokens.getByTestId('seats-token-row-old')).toBeTruthy();
  });

  it('reads a token expiry as the end of that day, local time', () => {
    const end = new Date(endOfDay('2099-03-04'));
    expect([end.getFullYear(), end.getMonth(), end.getDate(), end.getHours(), end.getMinutes()]).toEqual([2099, 2, 4, 23, 59]);
    expect(endOfDay('2099-03-05') - endOfDay('2099-03-04')).toBe(DAY);
  });

  it('offers the admin sign-in, which opens the Matrix pane at the homeserver with the subscription link', async () => {
    invoke.mockImplementation(async (command: string) =>
      command === 'seats_subscriptions'
        ? [{ ...subscription, admin: null, admin_problem: '@bob:hs1.test is not a server admin of hs1.test.' }]
        : undefined,
    );
    const onOpenMatrix = renderPane();
    const s = await section();
    expect(s.getByTestId('seats-admin-problem').textContent).toBe('@bob:hs1.test is not a server admin of hs1.test.');
    expect(figure(s, 'seats-paid')).toBe('5');
    expect(s.queryByTestId('seats-users'), 'no admin here: no user list').toBeNull();
    fireEvent.click(s.getByTestId('seats-admin-sign-in'));
    expect(onOpenMatrix).toHaveBeenCalledWith('http://127.0.0.1:8448', { ems_account: 'e1', subscription_id: 'hs' }, true);
    expect(calls('seats_load_page')).toHaveLength(0);
  });

  it('offers no changes while the EMS data are the last fetched copy', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob')], { seats: 2 });
    fake.subscriptionExtra = { stale: true };
    serve(fake);
    renderPane();
    await loaded(2);
    const s = await section();
    expect(s.getByTestId('seats-stale').textContent).toContain('last fetched copy');
    expect(figure(s, 'seats-free')).toBe('0');
    for (const id of ['seats-add-user', 'seats-raise', 'seats-deactivate-bob', 'seats-reset-password-bob', 'seats-admin-toggle-bob', 'seats-token-new']) {
      expect(s.queryByTestId(id), `${id} is a change`).toBeNull();
    }
    expect(s.getByTestId('seats-user-bob')).toBeTruthy();
  });

  it('on a homeserver that delegates its sign-in, says what is done at its authorization server and offers only the rest', async () => {
    const fake = new FakeSeats([user('alice', { admin: true }), user('bob'), user('cleo', { deactivated: true })], { seats: 5 });
    const message = 'hs1.test leaves sign-in and accounts to its authorization server (next-generation auth), so these are done there.';
    fake.subscriptionExtra = {
      delegated: {
        unavailable: ['add_user', 'import_users', 'reset_password', 'reactivate', 'set_admin', 'registration_tokens'],
        message,
      },
    };
    serve(fake);
    renderPane();
    await waitFor(() => expect(screen.getByTestId('seats-progress').textContent).toContain('3 of 3 users loaded'));
    const s = await section();
    expect(s.getByTestId('seats-delegated').textContent).toBe(message);
    expect(s.getByTestId('seats-export'), 'export stays').toBeTruthy();
    for (const id of ['seats-add-user', 'seats-import-file', 'seats-tokens', 'seats-reset-password-bob', 'seats-admin-toggle-bob', 'seats-reactivate-cleo']) {
      expect(s.queryByTestId(id), `${id} is done at the authorization server`).toBeNull();
    }
    expect(s.getByTestId('seats-deactivate-bob'), 'deactivation stays').toBeTruthy();
    expect(s.getByTestId('seats-sessions-bob'), 'sessions stay').toBeTruthy();
    expect(figure(s, 'seats-free')).toBe('3');
  });

  it('shows the users and tokens of one selected subscription at a time', async () => {
    const other: SeatSubscription = { ...subscription, subscription_id: 'hs2', server_name: 'hs2.test' };
    invoke.mockImplementation(async (command: string, args: Record<string, unknown> = {}) => {
      if (command === 'seats_subscriptions') return [subscription, other];
      if (command === 'seats_load_page') {
        const id = (args.target as { subscription_id: string }).subscription_id;
        const users = [user(id === 'hs' ? 'first' : 'second')];
        const ledger: SeatLedger = { seats_paid: 5, accounts: 1, active_this_month: 1, free: 4, complete: true, warnings: [] };
        return { users, loaded: 1, total: 1, done: true, ledger };
      }
      if (command === 'seats_tokens') return { tokens: [], free: 4 };
      return undefined;
    });
    renderPane();
    await screen.findByTestId('seats-user-first');
    expect(screen.getAllByTestId('seats-users'), 'one users view').toHaveLength(1);
    expect(within(screen.getByTestId('seats-subscription-hs2')).getByTestId('seats-accounts').textContent, 'every ledger is counted').toBe('1');
    fireEvent.change(screen.getByTestId('seats-subscription-select'), { target: { value: 'e1\nhs2' } });
    await screen.findByTestId('seats-user-second');
    expect(screen.queryByTestId('seats-user-first')).toBeNull();
    expect(screen.getAllByTestId('seats-tokens')).toHaveLength(1);
  });

  it('shows why the subscriptions could not be fetched', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_subscriptions') {
        const failure: IpcError = { code: 'ems_unreachable', message: 'Could not reach the EMS server.' };
        throw failure;
      }
      return undefined;
    });
    renderPane();
    expect((await screen.findByTestId('seats-error')).textContent).toBe('Could not reach the EMS server.');
  });
});
