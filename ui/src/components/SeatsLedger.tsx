import type { SeatLedger } from '../ipc';

interface Props {
  /** Seats paid, from EMS: shown before the ledger is known. */
  seats: number;
  /** Null until the first page of users is loaded (or when no admin account is here). */
  ledger: SeatLedger | null;
}

/** Seats paid against the accounts on the homeserver, with the rules behind each number. */
export function SeatsLedger({ seats, ledger }: Props) {
  const unknown = '–';
  return (
    <div class="seats-ledger" data-testid="seats-ledger" data-complete={ledger?.complete ? 'true' : 'false'}>
      <dl class="seats-figures">
        <div>
          <dt>Seats paid</dt>
          <dd data-testid="seats-paid">{ledger?.seats_paid ?? seats}</dd>
        </div>
        <div>
          <dt>Accounts</dt>
          <dd data-testid="seats-accounts">{ledger?.accounts ?? unknown}</dd>
        </div>
        <div>
          <dt>Active this month</dt>
          <dd data-testid="seats-active">{ledger?.active_this_month ?? unknown}</dd>
        </div>
        <div>
          <dt>Free</dt>
          <dd data-testid="seats-free">{ledger?.free ?? unknown}</dd>
        </div>
      </dl>
      {ledger && !ledger.complete && <p class="hint">Counted over the users loaded so far: the list is not complete.</p>}
      {ledger?.warnings.map((warning) => (
        <p key={warning.kind} class="warning" data-testid="seats-warning" data-kind={warning.kind}>
          {warning.message}
        </p>
      ))}
      <details class="hint" data-testid="seats-help">
        <summary>How these are counted</summary>
        <dl>
          <dt>Accounts</dt>
          <dd>
            Registered accounts that hold a seat: not deactivated, not guests, and with no user type (bot, support or any
            other). Locked accounts count. Users registered by an application service (a bridge) count too unless they have
            a user type: the homeserver's user list does not say which users an application service registered.
          </dd>
          <dt>Active this month</dt>
          <dd>
            Accounts that a client was seen using in the last 30 days. This is what EMS bills: “Total Monthly Active User
            Seats”. Application-service users (bridge puppets) are not tracked in Synapse's client-IP log by default, so
            they do not appear here.
          </dd>
          <dt>Free</dt>
          <dd>
            Seats paid minus accounts. Any account may become active at any time, so adding or reactivating a user needs a
            free seat by this count, not by this month's active users.
          </dd>
        </dl>
      </details>
    </div>
  );
}
