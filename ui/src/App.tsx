import { useEffect, useState } from 'preact/hooks';
import {
  appOverview,
  keyringStatus,
  removeAccount,
  toIpcError,
  uiReady,
  type AppOverview,
  type IpcError,
  type SubscriptionLink,
} from './ipc';
import { AccountList } from './components/AccountList';
import { ErrorBanner } from './components/ErrorBanner';
import { EmsPane } from './components/EmsPane';
import { MatrixPane, type OpenAt } from './components/MatrixPane';
import { SeatsPane } from './components/SeatsPane';

export type PaneId = 'ems' | 'matrix' | 'seats';

const PANES: readonly { id: PaneId; label: string }[] = [
  { id: 'ems', label: 'EMS' },
  { id: 'matrix', label: 'Matrix' },
  { id: 'seats', label: 'Seats' },
];

export function App() {
  const [pane, setPane] = useState<PaneId>('ems');
  // Set by an EMS subscription's "Open Matrix account"; cleared when the user picks a tab.
  const [matrixAt, setMatrixAt] = useState<OpenAt | null>(null);
  const [overview, setOverview] = useState<AppOverview | null>(null);
  const [errors, setErrors] = useState<IpcError[]>([]);
  const [keyringProblem, setKeyringProblem] = useState<IpcError | null>(null);
  // Whether the keyring check has answered: the shell reports it (data-keyring-check) so that a
  // test can tell "no problem" from "not checked yet" without waiting an arbitrary time.
  const [keyringChecked, setKeyringChecked] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const report = (error: unknown) => setErrors((list) => [...list, toIpcError(error)]);
  const refresh = () => appOverview().then(setOverview, report);
  // An EMS subscription's "Open Matrix account" and the Seats pane's admin sign-in.
  const openMatrix = (homeserver: string, link: SubscriptionLink, admin = false) => {
    setMatrixAt({ homeserver, link, admin });
    setPane('matrix');
  };

  useEffect(() => {
    // The shell has rendered by the time effects run: tell Rust (the run command's check mode
    // and the start-up benchmark wait for this), then fill in the overview.
    uiReady().catch(report);
    refresh();
    keyringStatus()
      .then(
        () => setKeyringProblem(null),
        (error: unknown) => setKeyringProblem(toIpcError(error)),
      )
      .finally(() => setKeyringChecked(true));
  }, []);

  const onRemove = (id: string) => {
    setRemoving(id);
    setErrors([]);
    removeAccount(id)
      .catch(report)
      .finally(() => {
        setRemoving(null);
        refresh();
      });
  };

  return (
    <div class="shell" data-keyring-check={keyringChecked ? 'done' : 'pending'}>
      <AccountList accounts={overview?.accounts ?? []} busy={removing} onRemove={onRemove} />
      <main class="main">
        <nav class="tabs" role="tablist" aria-label="Panes">
          {PANES.map(({ id, label }) => (
            <button
              key={id}
              type="button"
              role="tab"
              data-testid={`nav-${id}`}
              aria-selected={pane === id}
              onClick={() => {
                setMatrixAt(null);
                setPane(id);
              }}
            >
              {label}
            </button>
          ))}
        </nav>
        {keyringProblem && (
          <div class="banner" data-testid="keyring-status">
            <ErrorBanner error={keyringProblem} />
          </div>
        )}
        {overview?.registry_problem && (
          <div class="banner" data-testid="registry-status">
            <ErrorBanner error={overview.registry_problem} />
          </div>
        )}
        {errors.map((error, i) => (
          <ErrorBanner key={i} error={error} />
        ))}
        {pane === 'ems' && (
          <EmsPane overview={overview} onAccountsChanged={refresh} onOpenMatrix={openMatrix} />
        )}
        {pane === 'matrix' && <MatrixPane key={matrixAt ? `${matrixAt.link.subscription_id}` : ''} overview={overview} onAccountsChanged={refresh} openAt={matrixAt} />}
        {pane === 'seats' && <SeatsPane overview={overview} onOpenMatrix={openMatrix} />}
        {overview && (
          <footer class="footer" data-testid="app-footer">
            Element Accounts {overview.version}. Data: <code>{overview.data_dir ?? 'unknown'}</code>. Log:{' '}
            <code>{overview.log_dir ?? 'unknown'}</code>. Secrets are kept in the system keyring.
          </footer>
        )}
      </main>
    </div>
  );
}
