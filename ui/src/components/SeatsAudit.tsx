import { useEffect, useState } from 'preact/hooks';
import { seatsAudit, seatsAuditExport, type AuditEntry, type SeatsTarget } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  target: SeatsTarget;
  /** Bumped when an import ends: the log is read again. */
  revision: number;
  /** The ledger, which every other action replaces: the log is read again then too. */
  ledger: unknown;
}

/** The audit log of admin actions on this homeserver, newest first, filterable by target user. */
export function SeatsAudit({ target, revision, ledger }: Props) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [filter, setFilter] = useState('');
  const [exported, setExported] = useState<string | null>(null);
  const loading = useAction();
  const exporting = useAction();
  const user = filter.trim() === '' ? null : filter.trim();

  useEffect(() => {
    loading.run(() => seatsAudit(target, user)).then((result) => {
      if (result.ok) setEntries(result.value);
    });
  }, [target.ems_account, target.subscription_id, revision, ledger, user]);

  return (
    <section class="seats-audit" data-testid="seats-audit" aria-label="Audit log">
      <h4>Audit log</h4>
      <p class="hint">Every admin action taken from this computer, in this pane, the command line or an import.</p>
      <div class="seats-toolbar">
        <label>
          Target user{' '}
          <input
            type="search"
            data-testid="seats-audit-filter"
            value={filter}
            placeholder="@user:example.org"
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <button
          type="button"
          data-testid="seats-audit-export"
          disabled={exporting.busy}
          onClick={async () => {
            const result = await exporting.run(() => seatsAuditExport(target, user));
            if (result.ok && result.value !== null) setExported(`Exported ${result.value} entries.`);
          }}
        >
          Export the log…
        </button>
        {exported && <span class="status">{exported}</span>}
      </div>
      {loading.error && <ErrorBanner error={loading.error} testId="seats-audit-error" />}
      {exporting.error && <ErrorBanner error={exporting.error} testId="seats-audit-error" />}
      {entries && entries.length === 0 && <p class="hint">No actions recorded{user ? ` on ${user}` : ''}.</p>}
      {entries && entries.length > 0 && (
        <table class="seats-import-rows">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Admin</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.at_ms}-${i}`} data-testid="seats-audit-entry" data-action={e.action}>
                <td>{new Date(e.at_ms).toLocaleString()}</td>
                <td>
                  <code>{e.admin}</code> ({e.source})
                </td>
                <td>{e.action.replaceAll('_', ' ')}</td>
                <td>
                  <code>{e.target}</code>
                </td>
                <td>
                  {e.result}
                  {e.detail && `: ${e.detail}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
