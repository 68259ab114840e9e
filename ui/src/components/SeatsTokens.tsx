import { useEffect, useState } from 'preact/hooks';
import {
  seatsCreateToken,
  seatsRevokeToken,
  seatsTokens,
  type RegistrationTokenView,
  type SeatsTarget,
  type TokenList,
} from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { useAction } from '../useAction';
import { SeatsConfirm, useSeatsDialog } from './SeatsConfirm';

interface Props {
  target: SeatsTarget;
  canChange: boolean;
  /**
   * The user list has stopped loading (complete, or cut short by an error). The core weighs
   * each token against the free seats it has counted, so the tokens wait for the count to
   * settle and are fetched again whenever `free` changes after that.
   */
  listSettled: boolean;
  free: number | null;
}

/** The homeserver's registration tokens: create, list, revoke. */
export function SeatsTokens({ target, canChange, listSettled, free }: Props) {
  const [list, setList] = useState<TokenList | null>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const loading = useAction();
  const revoke = useAction();
  const dialog = useSeatsDialog('token-revoke');

  useEffect(() => {
    if (!listSettled) return;
    loading.run(() => seatsTokens(target)).then((result) => {
      if (result.ok) setList(result.value);
    });
  }, [target.ems_account, target.subscription_id, listSettled, free]);

  const confirmRevoke = async (token: string) => {
    const result = await revoke.run(() => seatsRevokeToken(target, token));
    if (result.ok) {
      setList(result.value);
      dialog.close();
    }
  };

  return (
    <section class="seats-tokens" data-testid="seats-tokens" aria-label="Registration tokens">
      <h4>Registration tokens</h4>
      <p class="hint">
        A registration token lets a new colleague create their own account in any Matrix client, or in this app's Matrix
        pane. Each registration through it takes a seat.
      </p>
      {loading.error && <ErrorBanner error={loading.error} testId="seats-error" />}
      {!list && !loading.error && <p class="hint">The tokens are listed once the users are counted.</p>}
      {list && (
        <p class="hint">
          Free seats: <span data-testid="seats-token-free">{list.free}</span>
        </p>
      )}
      {list && list.tokens.length === 0 && <p>No registration tokens.</p>}
      {list && list.tokens.length > 0 && (
        <ul class="seats-token-list">
          {list.tokens.map((token) => (
            <TokenRow
              key={token.token}
              token={token}
              free={list.free}
              isNew={token.token === created}
              canChange={canChange}
              onRevoke={() => {
                revoke.clearError();
                setRevoking(token.token);
                dialog.open();
              }}
            />
          ))}
        </ul>
      )}
      {dialog.isOpen && revoking && (
        <SeatsConfirm
          title={`Revoke the token ${revoking}?`}
          confirmLabel="Revoke"
          danger
          busy={revoke.busy}
          error={revoke.error}
          onConfirm={() => confirmRevoke(revoking)}
          onCancel={dialog.close}
        >
          <p>Nobody can register with it any more. Accounts already made with it stay.</p>
        </SeatsConfirm>
      )}
      {canChange &&
        (creating ? (
          <NewTokenForm
            target={target}
            onCreated={(next) => {
              setCreated(next.tokens.find((t) => !list?.tokens.some((old) => old.token === t.token))?.token ?? null);
              setList(next);
              setCreating(false);
            }}
            onCancel={() => setCreating(false)}
          />
        ) : (
          <button type="button" data-testid="seats-token-new" onClick={() => setCreating(true)}>
            New registration token…
          </button>
        ))}
    </section>
  );
}

interface RowProps {
  token: RegistrationTokenView;
  free: number;
  isNew: boolean;
  canChange: boolean;
  onRevoke: () => void;
}

function TokenRow({ token: t, free, isNew, canChange, onRevoke }: RowProps) {
  const remaining = t.uses_allowed === null ? null : Math.max(0, t.uses_allowed - t.pending - t.completed);
  return (
    <li class="card" data-testid={`seats-token-row-${t.token}`}>
      <code>{t.token}</code>
      {isNew && <span class="badge">new</span>}{' '}
      <span>
        uses: {t.uses_allowed ?? 'unlimited'}; pending: {t.pending}; completed: {t.completed}; expires:{' '}
        {t.expiry_ms === null ? 'never' : new Date(t.expiry_ms).toLocaleString()}
      </span>{' '}
      {canChange && (
        <button type="button" data-testid={`seats-token-revoke-${t.token}`} onClick={onRevoke}>
          Revoke…
        </button>
      )}
      {t.exceeds_free && (
        <p class="warning" data-testid={`seats-token-warning-${t.token}`}>
          This token's {remaining === null ? 'unlimited uses exceed' : `${remaining} remaining use${remaining === 1 ? ' exceeds' : 's exceed'}`}{' '}
          the {free} free seat{free === 1 ? '' : 's'}: registrations through it can make more accounts than the seats paid
          for.
        </p>
      )}
    </li>
  );
}

interface FormProps {
  target: SeatsTarget;
  onCreated: (list: TokenList) => void;
  onCancel: () => void;
}

function NewTokenForm({ target, onCreated, onCancel }: FormProps) {
  const [uses, setUses] = useState('');
  const [expiry, setExpiry] = useState('');
  const action = useAction();
  const usesAllowed = uses.trim() === '' ? null : Number(uses);
  const usesValid = usesAllowed === null || (Number.isInteger(usesAllowed) && usesAllowed > 0);

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await action.run(() =>
      seatsCreateToken(target, { uses_allowed: usesAllowed, expiry_ms: expiry === '' ? null : endOfDay(expiry) }),
    );
    if (result.ok) onCreated(result.value);
  };

  return (
    <form class="card seats-form" onSubmit={submit} aria-label="New registration token">
      <label>
        Uses{' '}
        <input
          type="number"
          min={1}
          step={1}
          data-testid="seats-token-uses"
          placeholder="unlimited"
          value={uses}
          onInput={(e) => setUses(e.currentTarget.value)}
        />
      </label>
      <label>
        Expires after{' '}
        <input type="date" data-testid="seats-token-expiry" min={today()} value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} />
      </label>
      <p class="hint">
        Leave uses empty for unlimited, and the date empty for a token that never expires. The token works until the end
        of the chosen day, in this computer's time zone.
      </p>
      {action.error && <ErrorBanner error={action.error} testId="seats-error" />}
      <div class="actions">
        <button type="submit" data-testid="seats-token-submit" disabled={action.busy || !usesValid} aria-busy={action.busy}>
          {action.busy && <Spinner />}
          Create the token
        </button>
        <button type="button" disabled={action.busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The last millisecond of a `YYYY-MM-DD` day in local time: the token works through that day. */
export function endOfDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(year ?? 0, (month ?? 1) - 1, day ?? 1, 23, 59, 59, 999).getTime();
}

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
