import { useEffect, useRef, useState } from 'preact/hooks';
import {
  seatsExport,
  seatsImportCancel,
  seatsImportForgetPasswords,
  seatsImportPlan,
  seatsImportProgress,
  seatsImportRun,
  seatsImportSavePasswords,
  type ImportPlan,
  type ImportProgress,
  type ImportReport,
  type SeatsTarget,
} from '../ipc';
import { useAction } from '../useAction';
import { Progress, Spinner } from './Progress';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  target: SeatsTarget;
  canChange: boolean;
  /** Seats paid, as last counted: when they change (raised), a shown plan is made again. */
  seatsPaid: number | null;
  /** A plan needs more seats than are free: offer the ledger's "Raise seats". */
  onNeedSeats: () => void;
  /** Accounts were created: count the users again. */
  onImported: () => void;
}

/** How often the progress of a running import is asked for. */
const PROGRESS_EVERY_MS = 300;

/**
 * Bulk onboarding from a users CSV file (Ketesa's columns; see docs/seats-csv.md): the file's
 * bytes go to Rust, which parses and plans it; the plan says what each row will do before
 * anything is created; the run shows its progress, can be cancelled between rows, and ends
 * with a report per row and the generated passwords, shown once.
 */
export function SeatsImport({ target, canChange, seatsPaid, onNeedSeats, onImported }: Props) {
  const [fileName, setFileName] = useState<string | null>(null);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [simulated, setSimulated] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const planning = useAction();
  const running = useAction();
  const passwords = useAction();
  const exporting = useAction();
  const [exported, setExported] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // The chosen file's bytes, to plan again when the seats change.
  const chosen = useRef<Uint8Array | null>(null);

  useEffect(() => {
    if (!running.busy) return;
    const timer = setInterval(() => {
      seatsImportProgress(target).then(setProgress, () => undefined);
    }, PROGRESS_EVERY_MS);
    return () => clearInterval(timer);
  }, [running.busy, target.ems_account, target.subscription_id]);

  const replan = async (bytes: Uint8Array) => {
    const result = await planning.run(() => seatsImportPlan(target, bytes));
    if (result.ok) setPlan(result.value);
  };

  const choose = async (file: File) => {
    setFileName(file.name);
    setPlan(null);
    setReport(null);
    setSimulated(false);
    setSaved(null);
    chosen.current = new Uint8Array(await file.arrayBuffer());
    await replan(chosen.current);
  };

  // Seats raised while a plan is shown: the plan is made again against the new free seats.
  useEffect(() => {
    if (plan && chosen.current && !running.busy) void replan(chosen.current);
  }, [seatsPaid]);

  const run = async (limit: number | null) => {
    if (!plan) return;
    setProgress({ done: 0, total: limit ?? plan.to_create, running: true });
    const result = await running.run(() => seatsImportRun(target, limit));
    if (result.ok) {
      setReport(result.value);
      setPlan(null);
      setProgress({ done: result.value.created + result.value.failed + result.value.unknown, total: limit ?? plan.to_create, running: false });
      onImported();
    } else if (result.error.code === 'seats_no_seat_free') {
      onNeedSeats();
    }
  };

  const reset = () => {
    setPlan(null);
    setFileName(null);
    chosen.current = null;
    if (input.current) input.current.value = '';
  };

  return (
    <section class="seats-import" data-testid="seats-import" aria-label="Import and export users">
      <h4>Import users from a CSV file</h4>
      <p class="hint">
        One row per person, with the columns <code>id</code> and <code>displayname</code>, and optionally{' '}
        <code>password</code> (blank: one is generated), <code>admin</code>, <code>user_type</code>, <code>avatar_url</code>{' '}
        and <code>threepids</code> (<code>email:a@example.org</code>). A file exported from Ketesa imports as it is. Nothing
        is created until you have seen the plan.
      </p>
      {canChange && (
        <label>
          Users file (CSV){' '}
          <input
            ref={input}
            type="file"
            accept=".csv,text/csv"
            data-testid="seats-import-file"
            disabled={running.busy || planning.busy}
            onChange={(e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              if (file) void choose(file);
            }}
          />
        </label>
      )}
      {planning.busy && <Progress hint>Reading {fileName} and checking it against the homeserver…</Progress>}
      {planning.error && <ErrorBanner error={planning.error} testId="seats-import-error" />}
      {plan && <PlanView plan={plan} />}
      {plan && !running.busy && (
        <div class="seats-toolbar">
          {plan.fits && plan.to_create > 0 && (
            <button type="button" class="primary" data-testid="seats-import-run" onClick={() => run(null)}>
              Import {plan.to_create} user{plan.to_create === 1 ? '' : 's'}
            </button>
          )}
          {!plan.fits && (
            <>
              <p class="warning" data-testid="seats-import-no-fit">
                The file makes {plan.seats_needed} accounts that take a seat, and {Math.max(0, plan.free)} seat
                {plan.free === 1 ? ' is' : 's are'} free. Raise the seats, or import only the first {plan.fitting}.
              </p>
              <button type="button" data-testid="seats-import-raise" onClick={onNeedSeats}>
                Raise seats…
              </button>
              {plan.fitting > 0 && (
                <button type="button" data-testid="seats-import-first-n" onClick={() => run(plan.fitting)}>
                  Import only the first {plan.fitting}
                </button>
              )}
            </>
          )}
          <button
            type="button"
            data-testid="seats-import-simulate"
            onClick={() => {
              setSimulated(true);
              reset();
            }}
          >
            Simulate only
          </button>
        </div>
      )}
      {simulated && <p class="status" data-testid="seats-import-simulated">Simulated only: nothing was created.</p>}
      {progress && running.busy && (
        <progress class="seats-import-bar" value={progress.done} max={Math.max(progress.total, 1)} aria-label="Users imported" />
      )}
      {progress && (running.busy || report) && (
        <p data-testid="seats-import-progress" aria-live="polite">
          {running.busy ? 'Importing: ' : 'Done: '}
          <span data-testid="seats-import-done">{progress.done}</span> / <span data-testid="seats-import-total">{progress.total}</span>
        </p>
      )}
      {running.busy && (
        <button type="button" data-testid="seats-import-cancel" onClick={() => void seatsImportCancel(target)}>
          Cancel after this row
        </button>
      )}
      {running.error && <ErrorBanner error={running.error} testId="seats-import-error" />}
      {report && <ReportView report={report} />}
      {report && report.passwords.length > 0 && (
        <div class="card" data-testid="seats-import-passwords">
          <p class="status">These passwords are shown only now. Hand each to its owner, who should change it.</p>
          <ul>
            {report.passwords.map((p) => (
              <li key={p.user_id}>
                <code>{p.user_id}</code> <code data-testid="seats-import-password">{p.password}</code>
              </li>
            ))}
          </ul>
          <div class="seats-toolbar">
            <button
              type="button"
              data-testid="seats-import-passwords-copy"
              onClick={() =>
                void navigator.clipboard?.writeText(report.passwords.map((p) => `${p.user_id},${p.password}`).join('\n'))
              }
            >
              Copy all
            </button>
            <button
              type="button"
              data-testid="seats-import-passwords-save"
              disabled={passwords.busy}
              onClick={async () => {
                const result = await passwords.run(() => seatsImportSavePasswords(target));
                if (result.ok && result.value !== null) setSaved(`Saved ${result.value} passwords.`);
              }}
            >
              Save to a file…
            </button>
            <button
              type="button"
              data-testid="seats-import-passwords-done"
              onClick={async () => {
                await seatsImportForgetPasswords(target).catch(() => undefined);
                setReport({ ...report, passwords: [] });
              }}
            >
              Done: forget them
            </button>
          </div>
          <p class="hint">
            Saving writes the passwords in plain text to the file you choose, readable only by you (mode 0600). It is the
            one file with secrets this app writes, and only because you ask: delete it once the passwords are handed out.
          </p>
          {saved && <p class="status">{saved}</p>}
          {passwords.error && <ErrorBanner error={passwords.error} testId="seats-import-error" />}
        </div>
      )}
      <div class="seats-toolbar">
        <button
          type="button"
          data-testid="seats-export"
          disabled={exporting.busy}
          aria-busy={exporting.busy}
          onClick={async () => {
            const result = await exporting.run(() => seatsExport(target));
            if (result.ok && result.value !== null) setExported(`Exported ${result.value} users.`);
          }}
        >
          {exporting.busy && <Spinner />}
          {exporting.busy ? 'Exporting…' : 'Export users to CSV…'}
        </button>
        {exported && <span class="status">{exported}</span>}
      </div>
      {exporting.error && <ErrorBanner error={exporting.error} testId="seats-import-error" />}
    </section>
  );
}

const VERDICT_WORDS = { create: 'to be created', skip: 'skipped', invalid: 'invalid' } as const;

function PlanView({ plan }: { plan: ImportPlan }) {
  return (
    <div class="card" data-testid="seats-import-plan">
      <p class="status">
        <span data-testid="seats-import-to-create">{plan.to_create}</span> to create (taking {plan.seats_needed} seat
        {plan.seats_needed === 1 ? '' : 's'}; {Math.max(0, plan.free)} free),{' '}
        {plan.rows.length - plan.to_create} skipped or invalid.
      </p>
      {plan.unknown_columns.length > 0 && (
        <p class="hint" data-testid="seats-import-unknown-columns">
          Ignored columns: {plan.unknown_columns.join(', ')}
        </p>
      )}
      <table class="seats-import-rows">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">User</th>
            <th scope="col">Plan</th>
          </tr>
        </thead>
        <tbody>
          {plan.rows.map((row) => (
            <tr key={row.line} data-testid={`seats-import-row-${row.line}`} data-verdict={row.verdict}>
              <td>{row.line}</td>
              <td>
                <code>{row.user}</code> {row.display_name}
              </td>
              <td>
                {VERDICT_WORDS[row.verdict]}
                {row.reason && `: ${row.reason}`}
                {row.verdict === 'create' && !row.takes_seat && ' (takes no seat)'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const OUTCOME_WORDS = {
  created: 'created',
  skipped: 'skipped',
  invalid: 'invalid',
  failed: 'failed',
  unknown: 'unknown: the homeserver stopped answering; import the same file again to find out',
  not_attempted: 'not attempted',
} as const;

function ReportView({ report }: { report: ImportReport }) {
  return (
    <div class="card" data-testid="seats-import-report">
      <p class="status">
        {report.cancelled ? 'Cancelled. ' : ''}
        <span data-testid="seats-import-created">{report.created}</span> created, {report.skipped} skipped,{' '}
        {report.failed} failed{report.unknown > 0 ? `, ${report.unknown} unknown` : ''}
        {report.not_attempted > 0 ? `, ${report.not_attempted} not attempted` : ''}.
      </p>
      <table class="seats-import-rows">
        <tbody>
          {report.rows.map((row) => (
            <tr key={row.line} data-testid={`seats-import-report-${row.line}`} data-outcome={row.outcome}>
              <td>{row.line}</td>
              <td>
                <code>{row.user}</code>
              </td>
              <td>
                {OUTCOME_WORDS[row.outcome]}
                {row.reason && row.outcome !== 'unknown' && `: ${row.reason}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
