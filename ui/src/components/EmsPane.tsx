import { useEffect, useId, useState } from 'preact/hooks';
import {
  emsAccounts,
  emsRemove,
  emsSignInCancel,
  emsSignInFinish,
  emsSignInStart,
  emsBridgedAccounts,
  emsSignOut,
  toIpcError,
  type AppOverview,
  type EmsAccountView,
  type IpcError,
  type MatrixAccountView,
  type SubscriptionLink,
} from '../ipc';
import { BrowserWaiting, type Waiting } from './BrowserWaiting';
import { EmsAccountPanel } from './EmsAccountPanel';
import { ElementOneSignIn } from './ElementOneSignIn';
import { ErrorBanner } from './ErrorBanner';
import { useDialog } from './useDialog';
import { Spinner } from './Progress';

/** The local stack's EMS sandbox, offered when the app was not pointed at a server. */
export const LOCAL_SANDBOX_ISSUER = 'http://127.0.0.1:8480/';

/** How often the pane asks again while accounts are being checked after start-up. */
const POLL_MS = 700;

interface Props {
  overview: AppOverview | null;
  /** Called after an account was added, signed out or removed, so the sidebar can refresh. */
  onAccountsChanged: () => void;
  /** Opens the Matrix pane at a subscription's homeserver, ready for sign-in. */
  onOpenMatrix?: (homeserverUrl: string, link: SubscriptionLink) => void;
}

const STATUS_TEXT = {
  checking: 'Checking…',
  signed_in: 'Signed in',
  signed_out: 'Signed out',
  signed_out_on_server: 'Signed out on the server: sign in again to continue.',
} as const;

export function EmsPane({ overview, onAccountsChanged, onOpenMatrix }: Props) {
  const [accounts, setAccounts] = useState<EmsAccountView[]>([]);
  const [issuer, setIssuer] = useState<string | null>(null);
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  // The Element One sign-in found no Element One subscription (EMS is signed in): the signed-in
  // account says so and offers to create one.
  const [noElementOne, setNoElementOne] = useState<IpcError | null>(null);
  // The user chose to create one: that account's form opens on Element One, and once it is
  // created the Element One sign-in goes on by itself (only its Matrix part is left).
  const [createOne, setCreateOne] = useState(false);
  // Signing out of an EMS account that bridges Matrix accounts asks about them first.
  const [askSignOut, setAskSignOut] = useState<{ id: string; bridged: MatrixAccountView[] } | null>(null);
  const server = issuer ?? overview?.ems_issuer ?? LOCAL_SANDBOX_ISSUER;
  const anySignedIn = accounts.some((a) => a.status === 'signed_in');
  // The account the Element One sign-in signed in when none was: the only one signed in.
  const firstSignedIn = accounts.find((a) => a.status === 'signed_in')?.id ?? null;

  const load = () =>
    emsAccounts().then(
      (list) => setAccounts(Array.isArray(list) ? list : []),
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    load();
  }, []);

  useEffect(() => {
    if (!accounts.some((a) => a.status === 'checking')) return undefined;
    const timer = setTimeout(load, POLL_MS);
    return () => clearTimeout(timer);
  }, [accounts]);

  const signIn = async (at: string) => {
    setError(null);
    setBusy('sign-in');
    try {
      const started = await emsSignInStart(at);
      setWaiting({ url: started.url, browserError: started.browser_error });
      await emsSignInFinish();
      onAccountsChanged();
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setWaiting(null);
      setBusy(null);
      load();
    }
  };

  const act = async (id: string, action: (id: string) => Promise<void>) => {
    setError(null);
    setBusy(id);
    try {
      await action(id);
      onAccountsChanged();
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setBusy(null);
      load();
    }
  };

  const signOut = async (id: string) => {
    setError(null);
    const bridged = await emsBridgedAccounts(id).catch(() => []);
    if (Array.isArray(bridged) && bridged.length > 0) setAskSignOut({ id, bridged });
    else await act(id, (account) => emsSignOut(account));
  };

  return (
    <section class="pane" data-testid="pane-ems" aria-labelledby="pane-ems-title">
      <h2 id="pane-ems-title">EMS account</h2>
      <p>
        Your EMS account (Element Matrix Services) holds your personal and company details, your
        billing address and payment method, and your subscriptions: cloud-hosted homeservers,
        Element One and On-Premise licences.
      </p>
      {error && <ErrorBanner error={error} />}

      {accounts.map((account) => (
        <div class="card" key={account.id} data-testid={`ems-account-${account.id}`}>
          <p>
            <strong data-testid="ems-account-email">{account.email ?? account.id}</strong>
            {account.name && <span> ({account.name})</span>}
          </p>
          <p class="server">{account.issuer}</p>
          <p class="status" data-testid="ems-account-status" data-status={account.status}>
            {account.status === 'checking' && <Spinner />}
            {STATUS_TEXT[account.status]}
          </p>
          <div class="actions">
            {account.status === 'signed_in' ? (
              <button type="button" data-testid="ems-sign-out" disabled={busy !== null} onClick={() => signOut(account.id)}>
                Sign out
              </button>
            ) : (
              account.status !== 'checking' && (
                <button type="button" data-testid="ems-sign-in-again" disabled={busy !== null} onClick={() => signIn(account.issuer)}>
                  Sign in again
                </button>
              )
            )}
            <button type="button" data-testid="ems-remove" disabled={busy !== null} onClick={() => act(account.id, emsRemove)}>
              Remove from this computer
            </button>
          </div>
          {askSignOut?.id === account.id && (
            <SignOutQuestion
              bridged={askSignOut.bridged}
              busy={busy !== null}
              onAnswer={(both) => {
                setAskSignOut(null);
                act(account.id, (id) => emsSignOut(id, both));
              }}
              onClose={() => setAskSignOut(null)}
            />
          )}
          {noElementOne && account.status === 'signed_in' && account.id === firstSignedIn && (
            <div class="confirm" data-testid="bridge-no-element-one">
              <ErrorBanner error={noElementOne} />
              {createOne ? (
                <p class="hint">
                  Create the Element One subscription below; the Element One sign-in then goes on by itself.
                </p>
              ) : (
                <button type="button" data-testid="bridge-create-element-one" onClick={() => setCreateOne(true)}>
                  Create an Element One subscription
                </button>
              )}
            </div>
          )}
          {account.status === 'signed_in' && (
            <EmsAccountPanel
              accountId={account.id}
              issuer={account.issuer}
              onOpenMatrix={onOpenMatrix ?? null}
              createKind={createOne && account.id === firstSignedIn ? 'element_one' : undefined}
              onElementOneCreated={
                createOne && account.id === firstSignedIn
                  ? () => {
                      setCreateOne(false);
                      setNoElementOne(null);
                    }
                  : null
              }
              onDeleted={() => {
                onAccountsChanged();
                load();
              }}
            />
          )}
        </div>
      ))}

      {waiting ? (
        <BrowserWaiting
          text="Waiting for you to sign in in your browser…"
          waiting={waiting}
          className="card"
          testId="ems-waiting"
          urlTestId="ems-sign-in-url"
          cancelTestId="ems-sign-in-cancel"
          onCancel={emsSignInCancel}
        />
      ) : (
        <form
          class="card"
          aria-labelledby="ems-sign-in-title"
          onSubmit={(event) => {
            event.preventDefault();
            signIn(server);
          }}
        >
          <h3 id="ems-sign-in-title">{accounts.length > 0 ? 'Another EMS account' : 'Sign in'}</h3>
          <label>
            EMS server{' '}
            <input
              data-testid="ems-server"
              type="url"
              value={server}
              onInput={(event) => setIssuer((event.target as HTMLInputElement).value)}
            />
          </label>
          <p class="hint">
            The server must speak the documented EMS API (OpenID Connect sign-in and the control-panel
            API in docs/ems-api.yaml). You sign in in your browser; this app never sees your password.
          </p>
          <button
            type="submit"
            data-testid="ems-sign-in"
            disabled={busy !== null || server.trim() === ''}
            aria-busy={busy === 'sign-in'}
          >
            {accounts.length > 0 ? 'Sign in to another EMS account' : 'Sign in to EMS'}
          </button>
          {!anySignedIn && (
            <>
              <p class="hint">
                With an Element One subscription, one sign-in covers your EMS account and your Element
                One Matrix account.
              </p>
              <ElementOneSignIn
                issuer={server}
                homeserverUrl={null}
                idpId={null}
                matrixId={null}
                link={null}
                testId="element-one-sign-in"
                onSignedIn={() => {
                  load();
                  onAccountsChanged();
                }}
                onAccountsChanged={() => {
                  load();
                  onAccountsChanged();
                }}
                onNoElementOne={(failed) => {
                  setCreateOne(false);
                  setNoElementOne(failed);
                }}
              />
            </>
          )}
        </form>
      )}
    </section>
  );
}

interface QuestionProps {
  bridged: MatrixAccountView[];
  busy: boolean;
  /** Signs out of EMS, and of the bridged Matrix accounts too when `both`. */
  onAnswer: (both: boolean) => void;
  /** Neither: the question goes away and nothing is signed out. */
  onClose: () => void;
}

/** Signing out of an EMS account that bridges Matrix accounts: a question, as a dialog. */
function SignOutQuestion({ bridged, busy, onAnswer, onClose }: QuestionProps) {
  const dialog = useDialog<HTMLDivElement>(onClose);
  const questionId = useId();
  return (
    <div class="confirm" role="dialog" aria-labelledby={questionId} data-testid="ems-sign-out-question" ref={dialog} tabIndex={-1}>
      <p id={questionId}>
        This EMS account signs you in to {bridged.map((m) => m.user_id).join(', ')} with Element One. The two are
        separate sessions: sign out of that Matrix account too?
      </p>
      <div class="actions">
        <button type="button" data-testid="ems-sign-out-both" disabled={busy} onClick={() => onAnswer(true)}>
          Sign out of both
        </button>
        <button type="button" data-testid="ems-sign-out-ems-only" disabled={busy} onClick={() => onAnswer(false)}>
          Sign out of EMS only
        </button>
      </div>
    </div>
  );
}
