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
import { PANES, PaneTabs, panelId, tabId, type PaneId } from './components/PaneTabs';

export type { PaneId } from './components/PaneTabs';

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
        <PaneTabs
          current={pane}
          onSelect={(id) => {
            setMatrixAt(null);
            setPane(id);
          }}
        />
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
        {/* Every tab's panel exists (aria-controls names it); only the selected one has content. */}
        {PANES.map(({ id }) => (
          <div key={id} role="tabpanel" id={panelId(id)} aria-labelledby={tabId(id)} hidden={pane !== id}>
            {pane === id && id === 'ems' && <EmsPane overview={overview} onAccountsChanged={refresh} onOpenMatrix={openMatrix} />}
            {pane === id && id === 'matrix' && (
              <MatrixPane
                key={matrixAt ? `${matrixAt.link.subscription_id}` : ''}
                overview={overview}
                onAccountsChanged={refresh}
                openAt={matrixAt}
              />
            )}
            {pane === id && id === 'seats' && <SeatsPane overview={overview} onOpenMatrix={openMatrix} />}
          </div>
        ))}
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
