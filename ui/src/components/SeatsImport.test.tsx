import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import type { AuditEntry, ImportPlan, ImportReport, PlanRow } from '../bindings';
import { SeatsAudit } from './SeatsAudit';
import { SeatsImport } from './SeatsImport';
import { deferred, invoke } from '../test/ipc';

const TARGET = { ems_account: 'e1', subscription_id: 'hs' };
const CSV = 'id,displayname\nann,Ann\nold,Old\nBad,Bad\n';

function row(line: number, user: string, verdict: PlanRow['verdict'], reason: string | null = null): PlanRow {
  return { line, user, display_name: null, verdict, reason, takes_seat: verdict === 'create' };
}

function plan(extra: Partial<ImportPlan> = {}): ImportPlan {
  return {
    rows: [
      row(2, '@ann:hs1.test', 'create'),
      row(3, '@old:hs1.test', 'skip', 'exists on the homeserver'),
      row(4, 'Bad', 'invalid', "'Bad' is not a valid user name"),
    ],
    unknown_columns: ['team'],
    to_create: 1,
    seats_needed: 1,
    free: 2,
    fits: true,
    fitting: 1,
    ...extra,
  };
}

const report: ImportReport = {
  rows: [
    { line: 2, user: '@ann:hs1.test', outcome: 'created', reason: null },
    { line: 3, user: '@old:hs1.test', outcome: 'skipped', reason: 'exists on the homeserver' },
    { line: 4, user: 'Bad', outcome: 'invalid', reason: "'Bad' is not a valid user name" },
  ],
  created: 1,
  skipped: 2,
  failed: 0,
  unknown: 0,
  not_attempted: 0,
  cancelled: false,
  passwords: [{ user_id: '@ann:hs1.test', password: 'generated-once' }],
};

const calls = (command: string): [string, Record<string, unknown>][] =>
  invoke.mock.calls.filter(([c]) => c === command) as [string, Record<string, unknown>][];
const argsOf = (command: string, at = 0) => calls(command)[at]?.[1];

function chooseFile(text = CSV) {
  const input = screen.getByTestId('seats-import-file') as HTMLInputElement;
  const file = new File([text], 'team.csv', { type: 'text/csv' });
  fireEvent.change(input, { target: { files: [file] } });
}

function renderImport() {
  const onNeedSeats = vi.fn();
  const onImported = vi.fn();
  render(<SeatsImport target={TARGET} canChange seatsPaid={4} onNeedSeats={onNeedSeats} onImported={onImported} />);
  return { onNeedSeats, onImported };
}

describe('importing a users file', () => {
  it('sends the file bytes to Rust, shows the plan, runs with progress, and reports each row', async () => {
    const run = deferred<ImportReport>();
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_import_plan') return plan();
      if (command === 'seats_import_run') return run.promise;
      if (command === 'seats_import_progress') return { done: 0, total: 1, running: true };
      return undefined;
    });
    const { onImported } = renderImport();
    chooseFile();
    const shown = await screen.findByTestId('seats-import-plan');
    const sent = argsOf('seats_import_plan') as { bytes: number[] };
    expect(new TextDecoder().decode(new Uint8Array(sent.bytes)), 'the bytes, parsed in Rust').toBe(CSV);
    expect(screen.getByTestId('seats-import-row-3').textContent).toContain('skipped: exists on the homeserver');
    expect(screen.getByTestId('seats-import-row-4').getAttribute('data-verdict')).toBe('invalid');
    expect(shown.textContent).toContain('Ignored columns: team');
    fireEvent.click(screen.getByTestId('seats-import-run'));
    expect(argsOf('seats_import_run')).toEqual({ target: TARGET, limit: null });
    expect((await screen.findByTestId('seats-import-progress')).textContent).toContain('0 / 1');
    expect(screen.getByTestId('seats-import-cancel')).toBeTruthy();
    await waitFor(() => expect(calls('seats_import_progress').length).toBeGreaterThan(0), { timeout: 2000 });
    run.resolve(report);
    const done = await screen.findByTestId('seats-import-report');
    expect(done.textContent).toContain('1 created, 2 skipped, 0 failed');
    expect(screen.getByTestId('seats-import-report-2').getAttribute('data-outcome')).toBe('created');
    expect(screen.getByTestId('seats-import-passwords').textContent).toContain('generated-once');
    expect(screen.getByTestId('seats-import-passwords').textContent).toContain('0600');
    expect(onImported).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('seats-import-passwords-done'));
    await waitFor(() => expect(screen.queryByTestId('seats-import-passwords')).toBeNull());
    expect(calls('seats_import_forget_passwords')).toHaveLength(1);
  });

  it('offers to raise the seats or import the first N when the plan does not fit', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_import_plan') return plan({ to_create: 3, seats_needed: 3, free: 1, fits: false, fitting: 1 });
      if (command === 'seats_import_run') return report;
      return undefined;
    });
    const { onNeedSeats } = renderImport();
    chooseFile();
    await screen.findByTestId('seats-import-plan');
    expect(screen.queryByTestId('seats-import-run'), 'no import that does not fit').toBeNull();
    expect(screen.getByTestId('seats-import-no-fit').textContent).toContain('3 accounts that take a seat, and 1 seat is free');
    fireEvent.click(screen.getByTestId('seats-import-raise'));
    expect(onNeedSeats).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('seats-import-first-n'));
    await screen.findByTestId('seats-import-report');
    expect(argsOf('seats_import_run')).toEqual({ target: TARGET, limit: 1 });
  });

  it('plans again once the seats are raised, and then offers the import', async () => {
    let free = 1;
    invoke.mockImplementation(async (command: string) =>
      command === 'seats_import_plan' ? plan({ to_create: 3, seats_needed: 3, free, fits: free >= 3, fitting: Math.min(free, 3) }) : undefined,
    );
    const view = render(<SeatsImport target={TARGET} canChange seatsPaid={4} onNeedSeats={vi.fn()} onImported={vi.fn()} />);
    chooseFile();
    await screen.findByTestId('seats-import-no-fit');
    free = 10;
    view.rerender(<SeatsImport target={TARGET} canChange seatsPaid={13} onNeedSeats={vi.fn()} onImported={vi.fn()} />);
    await screen.findByTestId('seats-import-run');
    expect(calls('seats_import_plan')).toHaveLength(2);
    expect(screen.queryByTestId('seats-import-no-fit')).toBeNull();
  });

  it('simulating stops at the plan and creates nothing', async () => {
    invoke.mockImplementation(async (command: string) => (command === 'seats_import_plan' ? plan() : undefined));
    renderImport();
    chooseFile();
    await screen.findByTestId('seats-import-plan');
    fireEvent.click(screen.getByTestId('seats-import-simulate'));
    expect((await screen.findByTestId('seats-import-simulated')).textContent).toContain('nothing was created');
    expect(calls('seats_import_run')).toHaveLength(0);
  });

  it('shows a file the core cannot read, in its words', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'seats_import_plan') {
        throw { code: 'seats_invalid_input', message: "The file's first row must name the columns, with at least 'id' and 'displayname'." };
      }
      return undefined;
    });
    renderImport();
    chooseFile('name\nann\n');
    expect((await screen.findByTestId('seats-import-error')).textContent).toContain("'displayname'");
    expect(screen.queryByTestId('seats-import-plan')).toBeNull();
  });
});

describe('the audit log', () => {
  const entry = (action: string, target: string): AuditEntry => ({
    at_ms: Date.now(),
    source: 'app',
    admin: '@admin:hs1.test',
    homeserver: 'hs1.test',
    action,
    target,
    result: 'ok',
    detail: null,
  });

  it('lists the entries and filters them by target user in the core', async () => {
    invoke.mockImplementation(async (command: string, args: { user: string | null }) => {
      if (command !== 'seats_audit') return undefined;
      const all = [entry('deactivate', '@bob:hs1.test'), entry('add_user', '@ann:hs1.test')];
      return args.user ? all.filter((e) => e.target.includes(args.user ?? '')) : all;
    });
    render(<SeatsAudit target={TARGET} revision={0} ledger={null} />);
    await waitFor(() => expect(screen.getAllByTestId('seats-audit-entry')).toHaveLength(2));
    expect(screen.getAllByTestId('seats-audit-entry')[0]?.getAttribute('data-action')).toBe('deactivate');
    fireEvent.input(screen.getByTestId('seats-audit-filter'), { target: { value: '@ann' } });
    await waitFor(() => expect(screen.getAllByTestId('seats-audit-entry')).toHaveLength(1));
    expect(argsOf('seats_audit', calls('seats_audit').length - 1)).toEqual({ target: TARGET, user: '@ann' });
  });
});
