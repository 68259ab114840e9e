import { useState } from 'preact/hooks';
import type { SeatSubscription, SeatsTarget, SubscriptionLink } from '../ipc';
import { SeatsAudit } from './SeatsAudit';
import { SeatsImport } from './SeatsImport';
import { SeatsLedger } from './SeatsLedger';
import { SeatsRaise } from './SeatsRaise';
import { SeatsTokens } from './SeatsTokens';
import { SeatsUsers } from './SeatsUsers';
import { useSeatUsers } from './useSeatUsers';

interface Props {
  subscription: SeatSubscription;
  /** The users and tokens views are shown for one subscription at a time: this one. */
  selected: boolean;
  onOpenMatrix: (homeserver: string, link: SubscriptionLink, admin: boolean) => void;
  /** The seats changed at EMS: fetch the subscriptions again (which tells the core the new seats). */
  onSubscriptionChanged: () => Promise<void>;
}

/** One hosted homeserver: who administers it here, its ledger, and (when selected) its users and tokens. */
export function SeatsSubscription({ subscription: s, selected, onOpenMatrix, onSubscriptionChanged }: Props) {
  const target: SeatsTarget | null = s.admin ? { ems_account: s.ems_account, subscription_id: s.subscription_id } : null;
  // The ledger counts over the whole user list, so every administered subscription loads its list.
  const list = useSeatUsers(target);
  const [refused, setRefused] = useState(false);
  // Bumped after an import, so that the audit log is read again.
  const [revision, setRevision] = useState(0);
  const canChange = !s.stale && target !== null;
  const unavailable = s.delegated?.unavailable ?? [];
  const free = list.ledger?.free ?? null;
  const raise = canChange && ((free !== null && free <= 0) || refused);

  return (
    <section class="card seats-subscription" data-testid={`seats-subscription-${s.subscription_id}`} aria-label={s.server_name}>
      <h3 data-testid="seats-server-name">{s.server_name}</h3>
      <p class="hint">
        EMS account <span data-testid="seats-ems-label">{s.ems_label}</span>, subscription {s.subscription_id},{' '}
        <code>{s.homeserver_url}</code>
      </p>
      {s.stale && (
        <p class="status" data-testid="seats-stale">
          EMS could not be reached: the seats paid are from the last fetched copy of the EMS data, so no changes are offered
          until EMS answers again.
        </p>
      )}
      {s.admin ? (
        <p data-testid="seats-admin">
          Administered from this computer as <code>{s.admin.matrix_id}</code>.
        </p>
      ) : (
        <div class="card">
          <p class="status" data-testid="seats-admin-problem">
            {s.admin_problem ?? 'No Matrix account on this computer is a server admin of this homeserver.'}
          </p>
          <button
            type="button"
            data-testid="seats-admin-sign-in"
            onClick={() =>
              onOpenMatrix(s.homeserver_url, { ems_account: s.ems_account, subscription_id: s.subscription_id }, true)
            }
          >
            Sign in as this homeserver's admin
          </button>
        </div>
      )}
      {s.delegated && (
        <p class="status" data-testid="seats-delegated">
          {s.delegated.message}
        </p>
      )}
      <SeatsLedger seats={s.seats} ledger={list.ledger} />
      {raise && (
        <SeatsRaise
          emsAccount={s.ems_account}
          subscriptionId={s.subscription_id}
          seats={list.ledger?.seats_paid ?? s.seats}
          accounts={list.ledger?.accounts ?? null}
          onRaised={async () => {
            setRefused(false);
            // The core takes the seats paid from the subscriptions it fetched last, so the
            // ledger is counted again only once they are fetched anew.
            await onSubscriptionChanged();
            list.reload();
          }}
        />
      )}
      {selected && target && (
        <>
          <SeatsUsers
            target={target}
            serverName={s.server_name}
            list={list}
            canChange={canChange}
            unavailable={unavailable}
            onNoSeatFree={() => setRefused(true)}
          />
          <SeatsImport
            target={target}
            canChange={canChange && !unavailable.includes('import_users')}
            seatsPaid={list.ledger?.seats_paid ?? null}
            onNeedSeats={() => setRefused(true)}
            onImported={() => {
              list.reload();
              setRevision((n) => n + 1);
            }}
          />
          {!unavailable.includes('registration_tokens') && (
            <SeatsTokens target={target} canChange={canChange} listSettled={!list.loading} free={free} />
          )}
          <SeatsAudit target={target} revision={revision} ledger={list.ledger} />
        </>
      )}
    </section>
  );
}
