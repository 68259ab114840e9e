import { useId, useState } from 'preact/hooks';
import type { IpcError, MatrixAccountView, Subscription, SubscriptionKind } from '../ipc';
import { ElementOneSignIn } from './ElementOneSignIn';
import { ExternalLink } from './ExternalLink';
import { FieldError, invalidProps } from './FieldError';
import { useDialog } from './useDialog';

const KIND_TITLES: Record<SubscriptionKind, string> = {
  hosted_homeserver: 'Cloud-hosted homeservers',
  element_one: 'Element One',
  on_premise: 'On-Premise licences',
};
const KINDS: readonly SubscriptionKind[] = ['hosted_homeserver', 'element_one', 'on_premise'];

const STATUS_TEXT = { active: 'Active', pending: 'Pending: waiting for a homeserver', cancelled: 'Cancelled' } as const;

interface Props {
  subscriptions: Subscription[];
  /** The Matrix accounts on this computer opened from these subscriptions. */
  linked: MatrixAccountView[];
  busy: boolean;
  /** The data are the cached ones (the server cannot be reached): no changes. */
  readOnly: boolean;
  /** The last failed change, with the subscription it was for. */
  error: { subscriptionId: string; error: IpcError } | null;
  onRaise: (subscriptionId: string, seats: number) => void;
  onCancel: (subscriptionId: string) => void;
  /** Opens the Matrix pane at this homeserver (hosted homeservers and Element One). */
  onOpenMatrix: ((homeserverUrl: string, subscriptionId: string) => void) | null;
  /** Signs in to an Element One subscription's account with the EMS login, when that can be done. */
  elementOne: ElementOneContext | null;
}

/** What an Element One subscription's sign-in needs from the EMS account around it. */
export interface ElementOneContext {
  issuer: string;
  accountId: string;
  onSignedIn: () => void;
  /** The subscription whose sign-in starts by itself (it was just created for a waiting one). */
  autoStart?: string | null;
}

/**
 * The subscription's web client, when it has one: a hosted homeserver's dedicated client,
 * Element One's, or an On-Premise licence's sub-domain (served over https).
 */
export function webClientOf(s: Subscription): string | null {
  switch (s.kind) {
    case 'hosted_homeserver':
      return s.homeserver?.web_client_url ?? null;
    case 'element_one':
      return s.web_client_url;
    case 'on_premise':
      return s.web_client_domain === '' ? null : `https://${s.web_client_domain}/`;
  }
}

/** What a subscription's card is headed with: the name people know it by. */
function titleOf(s: Subscription): string {
  switch (s.kind) {
    case 'hosted_homeserver':
      return s.homeserver?.server_name ?? 'Hosted homeserver';
    case 'element_one':
      return `Element One ${s.matrix_id}`;
    case 'on_premise':
      return s.web_client_domain === '' ? 'On-Premise licence' : `On-Premise ${s.web_client_domain}`;
  }
}

/** The subscriptions, grouped by kind, with their configuration, status and changes. */
export function EmsSubscriptions({ subscriptions, linked, busy, readOnly, error, onRaise, onCancel, onOpenMatrix, elementOne }: Props) {
  return (
    <section class="pane-section" data-testid="ems-subscriptions" aria-label="Subscriptions">
      <h3>Subscriptions</h3>
      {subscriptions.length === 0 && <p>No subscriptions yet.</p>}
      {KINDS.map((kind) => {
        const group = subscriptions.filter((s) => s.kind === kind);
        if (group.length === 0) return null;
        return (
          <div key={kind} data-testid={`ems-kind-${kind}`}>
            <h4>{KIND_TITLES[kind]}</h4>
            <ul class="subscription-list">
              {group.map((s) => (
                <SubscriptionRow
                  key={s.id}
                  subscription={s}
                  linked={linked.filter((m) => m.subscription?.subscription_id === s.id)}
                  busy={busy}
                  readOnly={readOnly}
                  error={error?.subscriptionId === s.id ? error.error : null}
                  onRaise={onRaise}
                  onCancel={onCancel}
                  onOpenMatrix={onOpenMatrix}
                  elementOne={elementOne}
                />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

interface RowProps {
  subscription: Subscription;
  linked: MatrixAccountView[];
  busy: boolean;
  readOnly: boolean;
  error: IpcError | null;
  onRaise: (subscriptionId: string, seats: number) => void;
  onCancel: (subscriptionId: string) => void;
  onOpenMatrix: ((homeserverUrl: string, subscriptionId: string) => void) | null;
  elementOne: ElementOneContext | null;
}

function SubscriptionRow({ subscription: s, linked, busy, readOnly, error, onRaise, onCancel, onOpenMatrix, elementOne }: RowProps) {
  const seats = s.kind === 'element_one' ? null : s.seats;
  const [wanted, setWanted] = useState(seats === null ? '' : String(seats));
  const [confirmCancel, setConfirmCancel] = useState(false);
  const live = s.status !== 'cancelled' && !readOnly;
  const webClient = webClientOf(s);
  const homeserverUrl =
    s.kind === 'hosted_homeserver' ? (s.homeserver?.homeserver_url ?? null) : s.kind === 'element_one' ? s.homeserver_url : null;
  return (
    <li class="card" data-testid={`subscription-${s.id}`} data-status={s.status}>
      <h5 class="card-title">{titleOf(s)}</h5>
      <p class="status" data-testid={`ems-status-${s.id}`}>
        {STATUS_TEXT[s.status]}
      </p>
      {s.kind === 'hosted_homeserver' &&
        (s.homeserver ? (
          <dl>
            <dt>Server name</dt>
            <dd data-testid={`ems-server-name-${s.id}`}>{s.homeserver.server_name}</dd>
            <dt>Homeserver</dt>
            <dd>{s.homeserver.homeserver_url}</dd>
            <dt>Web client</dt>
            <dd>
              <ExternalLink url={s.homeserver.web_client_url} testId={`ems-web-client-link-${s.id}`}>
                {s.homeserver.web_client_url}
              </ExternalLink>
            </dd>
            <dt>Admin contact</dt>
            <dd>{s.admin_contact}</dd>
          </dl>
        ) : (
          <p>{s.status === 'pending' ? 'A homeserver will be assigned when one is free.' : 'No homeserver.'}</p>
        ))}
      {s.kind === 'element_one' && (
        <dl>
          <dt>Matrix ID</dt>
          <dd data-testid={`ems-matrix-id-${s.id}`}>{s.matrix_id}</dd>
          <dt>Homeserver</dt>
          <dd>{s.homeserver_url}</dd>
        </dl>
      )}
      {s.kind === 'element_one' && live && elementOne && (
        <ElementOneSignIn
          issuer={elementOne.issuer}
          homeserverUrl={s.homeserver_url}
          idpId={s.sso_idp_id}
          matrixId={s.matrix_id}
          link={{ ems_account: elementOne.accountId, subscription_id: s.id }}
          testId={`ems-element-one-sign-in-${s.id}`}
          autoStart={elementOne.autoStart === s.id}
          onSignedIn={elementOne.onSignedIn}
        />
      )}
      {s.kind === 'on_premise' && (
        <dl>
          <dt>Web client sub-domain</dt>
          <dd>{s.web_client_domain}</dd>
          <dt>Licence</dt>
          <dd>{s.licence_status === 'valid' ? 'Valid' : 'Revoked'}</dd>
        </dl>
      )}
      {seats !== null && (
        <p>
          Seats: <strong data-testid={`ems-seats-${s.id}`}>{seats}</strong>
        </p>
      )}
      {seats !== null && live && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            onRaise(s.id, Number(wanted));
          }}
        >
          <label>
            New seat count{' '}
            <input
              data-testid={`ems-seats-input-${s.id}`}
              type="number"
              min={seats}
              {...invalidProps(error, 'seats', `ems-seats-error-${s.id}`, `ems-seats-hint-${s.id}`)}
              value={wanted}
              onInput={(event) => setWanted((event.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" data-testid={`ems-raise-seats-${s.id}`} disabled={busy || Number(wanted) <= seats}>
            Raise seats
          </button>
          <p class="hint" id={`ems-seats-hint-${s.id}`}>
            Seats can be raised, never lowered.
          </p>
          <FieldError error={error} field="seats" id={`ems-seats-error-${s.id}`} />
        </form>
      )}
      {linked.length > 0 && (
        <div data-testid={`ems-linked-matrix-${s.id}`}>
          Matrix accounts on this computer:{' '}
          {linked.map((m) => (
            <span key={m.id} class="linked-account" data-testid={`ems-linked-${s.id}-${m.id}`}>
              {m.user_id}
            </span>
          ))}
        </div>
      )}
      {error && error.field !== 'seats' && (
        <p class="error" role="alert" data-testid="error" data-code={error.code}>
          {error.message}
        </p>
      )}
      <div class="actions">
        {webClient !== null && s.status !== 'cancelled' && (
          <ExternalLink url={webClient} testId={`ems-open-web-client-${s.id}`}>
            Open web client
          </ExternalLink>
        )}
        {homeserverUrl && s.status !== 'cancelled' && onOpenMatrix && (
          <button type="button" data-testid={`ems-open-matrix-${s.id}`} onClick={() => onOpenMatrix(homeserverUrl, s.id)}>
            Open Matrix account
          </button>
        )}
        {live &&
          (confirmCancel ? (
            <CancelQuestion subscription={s} busy={busy} onCancel={() => onCancel(s.id)} onKeep={() => setConfirmCancel(false)} />
          ) : (
            <button type="button" data-testid={`ems-cancel-${s.id}`} disabled={busy} onClick={() => setConfirmCancel(true)}>
              Cancel…
            </button>
          ))}
      </div>
    </li>
  );
}

interface CancelProps {
  subscription: Subscription;
  busy: boolean;
  onCancel: () => void;
  onKeep: () => void;
}

/** "Cancel the subscription?", as a dialog: what cancelling does, and Escape keeps it. */
function CancelQuestion({ subscription: s, busy, onCancel, onKeep }: CancelProps) {
  const dialog = useDialog<HTMLDivElement>(busy ? null : onKeep);
  const questionId = useId();
  return (
    <div class="confirm" role="dialog" aria-labelledby={questionId} ref={dialog} tabIndex={-1}>
      <p id={questionId}>
        Cancelling stops the subscription for good
        {s.kind === 'hosted_homeserver' ? ': its homeserver is taken down' : ''}
        {s.kind === 'on_premise' ? ': its licence is revoked' : ''}. It stays listed as cancelled.
      </p>
      <div class="actions">
        <button type="button" class="danger" data-testid={`ems-cancel-confirm-${s.id}`} disabled={busy} onClick={onCancel}>
          Cancel the subscription
        </button>
        <button type="button" onClick={onKeep}>
          Keep it
        </button>
      </div>
    </div>
  );
}
