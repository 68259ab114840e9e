import { useEffect, useState } from 'preact/hooks';
import {
  emsAccount,
  emsCancelSubscription,
  emsRaiseSeats,
  emsSubscriptions,
  toIpcError,
  type Account,
  type IpcError,
  type Subscription,
} from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { EmsBillingForm, EmsDetailsForm } from './EmsAccountForms';
import { EmsDeleteAccount } from './EmsDeleteAccount';
import { EmsNewSubscription } from './EmsNewSubscription';
import { EmsSubscriptions } from './EmsSubscriptions';

interface Props {
  /** The signed-in EMS account (its id on this computer). */
  accountId: string;
  /** Opens the Matrix pane at a subscription's homeserver. */
  onOpenMatrix: ((homeserverUrl: string) => void) | null;
  /** Called once the account was deleted at the server and forgotten here. */
  onDeleted: () => void;
}

const BRANDS = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', other: 'Card' } as const;

/** What one signed-in EMS account holds: details, billing, payment method, subscriptions. */
export function EmsAccountPanel({ accountId, onOpenMatrix, onDeleted }: Props) {
  const [account, setAccount] = useState<Account | null>(null);
  const [subscriptions, setSubscriptions] = useState<Subscription[]>([]);
  const [editing, setEditing] = useState<'details' | 'billing' | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [rowError, setRowError] = useState<{ subscriptionId: string; error: IpcError } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    Promise.all([emsAccount(accountId), emsSubscriptions(accountId)]).then(
      ([a, subs]) => {
        setAccount(a);
        setSubscriptions(Array.isArray(subs) ? subs : []);
      },
      (e: unknown) => setError(toIpcError(e)),
    );

  useEffect(() => {
    load();
  }, [accountId]);

  const change = async (subscriptionId: string, action: () => Promise<unknown>) => {
    setBusy(true);
    setRowError(null);
    try {
      await action();
    } catch (e) {
      setRowError({ subscriptionId, error: toIpcError(e) });
    } finally {
      setBusy(false);
      load();
    }
  };

  if (!account) {
    return error ? <ErrorBanner error={error} /> : <p>Loading the EMS account…</p>;
  }
  const address = account.billing_address;
  const card = account.payment_method;
  return (
    <div class="ems-account" data-testid="ems-account-panel">
      {error && <ErrorBanner error={error} />}
      <h3>Details</h3>
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
            <button type="button" data-testid="ems-edit-details" onClick={() => setEditing('details')}>
              Edit details
            </button>
          </dd>
        </dl>
      )}
      <h3>Billing</h3>
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
            <button type="button" data-testid="ems-edit-billing" onClick={() => setEditing('billing')}>
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
      <EmsSubscriptions
        subscriptions={subscriptions}
        busy={busy}
        error={rowError}
        onRaise={(id, seats) => change(id, () => emsRaiseSeats(accountId, id, seats))}
        onCancel={(id) => change(id, () => emsCancelSubscription(accountId, id))}
        onOpenMatrix={onOpenMatrix}
      />
      <EmsNewSubscription accountId={accountId} onCreated={load} />
      <EmsDeleteAccount accountId={accountId} onDeleted={onDeleted} />
    </div>
  );
}
