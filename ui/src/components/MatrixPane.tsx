import { useEffect, useState } from 'preact/hooks';
import {
  elementOneOfMatrixAccount,
  matrixAccounts,
  matrixRemove,
  matrixSignOut,
  toIpcError,
  type AppOverview,
  type ElementOne,
  type IpcError,
  type MatrixAccountView,
  type SubscriptionLink,
} from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { MatrixAccountCard } from './MatrixAccountCard';
import { MatrixManage } from './MatrixManage';
import { ElementOneSignIn } from './ElementOneSignIn';
import { MatrixSignInForm } from './MatrixSignInForm';
import { Progress } from './Progress';

/** How often the pane asks again while sessions are being restored or checked. */
const POLL_MS = 500;

interface Props {
  overview: AppOverview | null;
  /** Called after an account was added, signed out or removed, so the sidebar can refresh. */
  onAccountsChanged: () => void;
  /** A homeserver to sign in to right away (from an EMS subscription's "Open Matrix account"). */
  openAt?: OpenAt | null;
}

/** An EMS subscription's homeserver, and the subscription to keep with the account signed in. */
export interface OpenAt {
  homeserver: string;
  link: SubscriptionLink;
  /** Opened by the Seats pane's admin sign-in. */
  admin?: boolean;
}

/** What the sign-in form is for: a new account, or an existing one signed in again. */
interface FormTarget {
  accountId: string | null;
  homeserver: string;
  identifier: string;
  /** The EMS subscription the form was opened from. */
  subscription: SubscriptionLink | null;
}

export function MatrixPane({ overview, onAccountsChanged, openAt = null }: Props) {
  const [accounts, setAccounts] = useState<MatrixAccountView[] | null>(null);
  const [form, setForm] = useState<FormTarget | null>(
    openAt ? { accountId: null, homeserver: openAt.homeserver, identifier: '', subscription: openAt.link } : null,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  // An Element One account being signed in again: through the Element One sign-in.
  // `attempt` counts the clicks: each one starts it anew.
  const [again, setAgain] = useState<{ accountId: string; target: ElementOne; attempt: number } | null>(null);
  // The account whose settings are open.
  const [managing, setManaging] = useState<string | null>(null);
  const managed = accounts?.find((a) => a.id === managing && a.session.state === 'signed_in') ?? null;
  const configured = overview?.homeserver ?? '';

  const load = () =>
    matrixAccounts().then(
      (list) => setAccounts(Array.isArray(list) ? list : []),
      (e: unknown) => setError(toIpcError(e)),
    );

  // Reload when the sidebar's list changes (an account removed there).
  useEffect(() => {
    load();
  }, [overview?.accounts.length]);

  // Sessions restored at start-up settle in the background: ask again until they have.
  useEffect(() => {
    const pending = accounts?.some((a) => a.session.state === 'restoring' || a.session.state === 'checking');
    if (!pending) return undefined;
    const timer = setTimeout(load, POLL_MS);
    return () => clearTimeout(timer);
  }, [accounts]);

  const act = (id: string, action: (id: string) => Promise<void>) => {
    setBusy(id);
    setError(null);
    action(id)
      .catch((e: unknown) => setError(toIpcError(e)))
      .finally(() => {
        setBusy(null);
        load();
        onAccountsChanged();
      });
  };

  // An Element One account signs in again with its EMS account (the bridge); any other with the
  // homeserver's own sign-in. Asking cannot fail the click: without an answer, the plain form.
  const signInAgain = async (account: MatrixAccountView) => {
    setError(null);
    const target = await elementOneOfMatrixAccount(account.id).catch(() => null);
    if (target) {
      setForm(null);
      setAgain((current) => ({ accountId: account.id, target, attempt: (current?.attempt ?? 0) + 1 }));
    } else {
      setAgain(null);
      setForm({ accountId: account.id, homeserver: account.homeserver, identifier: account.user_id, subscription: null });
    }
  };

  const showForm = form ?? (accounts !== null && accounts.length === 0 ? { accountId: null, homeserver: configured, identifier: '', subscription: null } : null);

  return (
    <section class="pane" data-testid="pane-matrix" aria-labelledby="pane-matrix-title">
      <h2 id="pane-matrix-title">Matrix accounts</h2>
      <p>
        Your Matrix account lives on a homeserver and is what you use in any Matrix client to message people, make
        calls and join rooms. Several accounts, on the same or different homeservers, can be signed in side by side.
      </p>
      <section class="pane-section" aria-labelledby="matrix-on-this-computer">
        <h3 id="matrix-on-this-computer">On this computer</h3>
        {accounts === null && error === null && <Progress>Loading the Matrix accounts on this computer…</Progress>}
        {accounts !== null && accounts.length === 0 && (
          <p class="status" data-testid="matrix-status">
            No Matrix account is signed in on this computer yet.
          </p>
        )}
        {accounts !== null && accounts.length > 0 && (
          <ul class="accounts" data-testid="matrix-accounts">
            {accounts.map((account) => (
              <MatrixAccountCard
                key={account.id}
                account={account}
                paidBy={paidBy(account, overview)}
                busy={busy !== null}
                onSignOut={() => act(account.id, matrixSignOut)}
                onRemove={() => act(account.id, matrixRemove)}
                onSignInAgain={() => signInAgain(account)}
                onManage={() => setManaging(account.id)}
              />
            ))}
          </ul>
        )}
      </section>
      {error && <ErrorBanner error={error} />}
      {managed && (
        <MatrixManage
          key={managed.id}
          account={managed}
          onChanged={() => {
            load();
            onAccountsChanged();
          }}
          onClose={() => setManaging(null)}
        />
      )}
      <section class="pane-section" aria-labelledby="matrix-sign-in-title">
        <h3 id="matrix-sign-in-title">{showForm?.accountId || again ? 'Sign in again' : 'Add an account'}</h3>
        {again && (
          <div class="card" data-testid="matrix-element-one-again">
            <p class="hint">
              {again.target.matrix_id ?? 'This account'} is an Element One account: it signs in with its EMS account.
            </p>
            <ElementOneSignIn
              key={`${again.accountId} ${again.attempt}`}
              issuer={again.target.issuer}
              homeserverUrl={again.target.homeserver}
              idpId={again.target.idp_id}
              matrixId={again.target.matrix_id}
              link={again.target.subscription}
              testId="matrix-element-one-sign-in-again"
              autoStart
              onSignedIn={() => {
                setAgain(null);
                load();
                onAccountsChanged();
              }}
              onAccountsChanged={onAccountsChanged}
            />
          </div>
        )}
        {showForm && showForm.accountId === null && overview?.ems_issuer && (
          <div class="card">
            <p class="hint">An Element One account signs in with its EMS account: one sign-in covers both.</p>
            <ElementOneSignIn
              issuer={overview.ems_issuer}
              homeserverUrl={showForm.subscription ? showForm.homeserver : null}
              idpId={null}
              matrixId={null}
              link={showForm.subscription}
              testId="matrix-element-one-sign-in"
              onSignedIn={() => {
                setForm(null);
                load();
                onAccountsChanged();
              }}
              onAccountsChanged={onAccountsChanged}
            />
          </div>
        )}
        {showForm ? (
          <MatrixSignInForm
            key={`${showForm.accountId ?? 'new'} ${showForm.homeserver}`}
            initialHomeserver={showForm.homeserver}
            discoverAtStart={showForm.subscription !== null}
            subscription={showForm.subscription}
            admin={showForm.subscription !== null && openAt?.admin === true}
            initialIdentifier={showForm.identifier}
            accountId={showForm.accountId}
            onSignedIn={() => {
              setForm(null);
              load();
              onAccountsChanged();
            }}
            onCancel={form && accounts !== null && accounts.length > 0 ? () => setForm(null) : null}
          />
        ) : (
          <button
            type="button"
            data-testid="matrix-add"
            onClick={() => setForm({ accountId: null, homeserver: configured, identifier: '', subscription: null })}
          >
            Add a Matrix account
          </button>
        )}
      </section>
    </section>
  );
}

/** Which EMS account's subscription the account was opened from, for people. */
function paidBy(account: MatrixAccountView, overview: AppOverview | null): string | null {
  const link = account.subscription;
  if (!link) return null;
  const ems = overview?.accounts.find((a) => a.id === link.ems_account);
  return `EMS subscription ${link.subscription_id}${ems ? ` of ${ems.email ?? ems.user_id}` : ''}`;
}
