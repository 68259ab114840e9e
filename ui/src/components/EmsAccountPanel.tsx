import { useEffect, useId, useState } from 'preact/hooks';
import {
  emsCancelSubscription,
  emsOverview,
  emsRaiseSeats,
  matrixAccounts,
  toIpcError,
  type Account,
  type IpcError,
  type MatrixAccountView,
  type Subscription,
  type SubscriptionKind,
  type SubscriptionLink,
} from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Progress } from './Progress';
import { EmsBillingForm, EmsDetailsForm } from './EmsAccountForms';
import { EmsDeleteAccount } from './EmsDeleteAccount';
import { EmsNewSubscription } from './EmsNewSubscription';
import { EmsSubscriptions } from './EmsSubscriptions';

interface Props {
  /** The signed-in EMS account (its id on this computer). */
  accountId: string;
  /** Its EMS server. */
  issuer: string;
  /** Opens the Matrix pane at a subscription's homeserver, to sign in to an account it pays for. */
  onOpenMatrix: ((homeserverUrl: string, link: SubscriptionLink) => void) | null;
  /** Called once the account was deleted at the server and forgotten here. */
  onDeleted: () => void;
  /** The kind the new-subscription form opens with. */
  createKind?: SubscriptionKind | undefined;
  /**
   * Set while an Element One sign-in waits for its subscription: once one is created here, its
   * sign-in starts by itself (EMS is signed in, so only the Matrix part runs), and this is called.
   */
  onElementOneCreated?: (() => void) | null;
}

const BRANDS = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', other: 'Card' } as const;

/** What one signed-in EMS account holds: details, billing, payment method, subscriptions. */
export function EmsAccountPanel({ accountId, issuer, onOpenMatrix, onDeleted, createKind, onElementOneCreated = null }: Props) {
  const [account, setAccount] = useState<Account | null>(null);
  const [subscriptions, setSubscriptions] = useState<Subscription[]>([]);
  const [linked, setLinked] = useState<MatrixAccountView[]>([]);
  // Why the data shown are the cached ones (the server cannot be reached), and since when.
  const [stale, setStale] = useState<{ reason: string; fetchedAt: number } | null>(null);
  const [editing, setEditing] = useState<'details' | 'billing' | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  // A change to one subscription, and which one it was (its error shows in that row).
  const rowChange = useAction();
  const [changing, setChanging] = useState<string | null>(null);
  // The Element One subscription just created for a waiting Element One sign-in: its row starts it.
  const [continueWith, setContinueWith] = useState<string | null>(null);

  const load = () =>
    Promise.all([emsOverview(accountId), matrixAccounts()]).then(
      ([overview, matrix]) => {
        setAccount(overview.account);
        setSubscriptions(overview.subscriptions);
        setStale(overview.stale ? { reason: overview.stale, fetchedAt: overview.fetched_at } : null);
        setLinked(matrix.filter((m) => m.subscription?.ems_account === accountId));
        setError(null);
      },
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    load();
  }, [accountId]);

  const sectionIds = useId();

  const change = async (subscriptionId: string, action: () => Promise<unknown>) => {
    setChanging(subscriptionId);
    await rowChange.run(action);
    load();
  };

  if (!account) {
    return error ? <ErrorBanner error={error} /> : <Progress>Loading the EMS account…</Progress>;
  }
  const address = account.billing_address;
  const ids = `${sectionIds}-${accountId.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const card = account.payment_method;
  return (
    <div class="ems-account" data-testid="ems-account-panel" data-stale={stale ? 'true' : 'false'}>
      {error && <ErrorBanner error={error} />}
      {stale && (
        <div class="banner stale" data-testid="ems-stale">
          <p>
            Offline: showing what the EMS server said on {new Date(stale.fetchedAt * 1000).toLocaleString()}. Changes are
            disabled until the server can be reached.
          </p>
          <p class="hint">{stale.reason}</p>
          <button type="button" data-testid="ems-retry" onClick={() => load()}>
            Try again
          </button>
        </div>
      )}
      <section class="pane-section" aria-labelledby={`${ids}-details`}>
        <h3 id={`${ids}-details`}>Account details</h3>
        {editing === 'details' ? (
          <EmsDetailsForm
            accountId={accountId}
            account={account}
            onSaved={(a) => {
              setAccount(a);
              setEditing(null);
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <dl>
            <dt>Name</dt>
            <dd data-testid="ems-account-name">{account.name}</dd>
            <dt>Email</dt>
            <dd data-testid="ems-account-email-address">{account.email}</dd>
            <dt>Company</dt>
            <dd data-testid="ems-company-name">
              {account.company
                ? [account.company.name, account.company.number, account.company.size && `${account.company.size} people`]
                    .filter(Boolean)
                    .join(' · ')
                : 'Private customer'}
            </dd>
            <dd>
              <button type="button" data-testid="ems-edit-details" disabled={stale !== null} onClick={() => setEditing('details')}>
                Edit details
              </button>
            </dd>
          </dl>
        )}
      </section>
      <section class="pane-section" aria-labelledby={`${ids}-billing`}>
        <h3 id={`${ids}-billing`}>Billing</h3>
        {editing === 'billing' ? (
          <EmsBillingForm
            accountId={accountId}
            address={address}
            onSaved={(saved) => {
              setAccount({ ...account, billing_address: saved });
              setEditing(null);
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <dl>
            <dt>Billing address</dt>
            <dd data-testid="ems-billing-address">
              {address
                ? [address.line1, address.line2, address.city, address.region, address.postal_code, address.country]
                    .filter(Boolean)
                    .join(', ')
                : 'Not set'}
            </dd>
            <dd>
              <button type="button" data-testid="ems-edit-billing" disabled={stale !== null} onClick={() => setEditing('billing')}>
                Edit billing address
              </button>
            </dd>
            <dt>Payment method</dt>
            <dd data-testid="ems-payment-method">
              {card
                ? `${BRANDS[card.brand]} ending ${card.last4}, expires ${String(card.expiry_month).padStart(2, '0')}/${card.expiry_year} (${card.holder_name})`
                : 'No card on file'}
            </dd>
          </dl>
        )}
      </section>
      <EmsSubscriptions
        subscriptions={subscriptions}
        linked={linked}
        busy={rowChange.busy}
        readOnly={stale !== null}
        error={rowChange.error && changing !== null ? { subscriptionId: changing, error: rowChange.error } : null}
        onRaise={(id, seats) => change(id, () => emsRaiseSeats(accountId, id, seats))}
        onCancel={(id) => change(id, () => emsCancelSubscription(accountId, id))}
        onOpenMatrix={
          onOpenMatrix && ((homeserverUrl, subscriptionId) => onOpenMatrix(homeserverUrl, { ems_account: accountId, subscription_id: subscriptionId }))
        }
        elementOne={{ issuer, accountId, onSignedIn: load, autoStart: continueWith }}
      />
      {stale === null && (
        <>
          <EmsNewSubscription
            key={createKind ?? ''}
            accountId={accountId}
            onCreated={(created) => {
              if (onElementOneCreated && created.kind === 'element_one') {
                setContinueWith(created.id);
                onElementOneCreated();
              }
              load();
            }}
            initialKind={createKind}
          />
          <EmsDeleteAccount accountId={accountId} onDeleted={onDeleted} />
        </>
      )}
    </div>
  );
}
