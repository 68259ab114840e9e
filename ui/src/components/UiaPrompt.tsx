import { useState } from 'preact/hooks';
import { toIpcError, type IpcError, type UiaAnswer, type UiaChallenge, type UiaStep } from '../ipc';
import { ErrorBanner } from './ErrorBanner';

const PASSWORD_STAGE = 'm.login.password';

/** Whether `stage` alone completes one of the challenge's flows. */
export function offersStage(challenge: UiaChallenge, stage: string): boolean {
  return challenge.flows.some((flow) => {
    const remaining = flow.stages.filter((s) => !challenge.completed.includes(s));
    return remaining.length === 1 && remaining[0] === stage;
  });
}

/** A protected action waiting for re-authentication: what the server asked, and how to retry. */
export interface PendingAuth {
  /** What the action is, for the prompt's title ("Sign out 2 sessions"). */
  title: string;
  challenge: UiaChallenge;
  /** Sends the action again with the answer. */
  retry: (auth: UiaAnswer) => Promise<UiaStep>;
}

interface Props {
  pending: PendingAuth;
  onDone: () => void;
  onCancel: () => void;
}

/**
 * The re-authentication prompt: asks for the account's password and sends it once with the
 * retried action. A wrong password keeps the prompt (and the server's session) for another try.
 */
export function UiaPrompt({ pending, onDone, onCancel }: Props) {
  const [challenge, setChallenge] = useState(pending.challenge);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const passwordOffered = offersStage(challenge, PASSWORD_STAGE);

  const submit = (event: Event) => {
    event.preventDefault();
    const typed = password;
    // The password goes to Rust once; the field is emptied whatever the outcome.
    setPassword('');
    setBusy(true);
    setError(null);
    pending
      .retry({ session: challenge.session, password: typed })
      .then(
        (step) => {
          if (step.status === 'done') onDone();
          else setChallenge(step.challenge);
        },
        (e: unknown) => setError(toIpcError(e)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <div class="card uia" role="dialog" aria-labelledby="uia-title" data-testid="uia-prompt">
      <h3 id="uia-title">{pending.title}: confirm it is you</h3>
      {passwordOffered ? (
        <form onSubmit={submit}>
          <p class="hint">The server asks for your account password before it does this.</p>
          <label>
            Password{' '}
            <input
              type="password"
              data-testid="uia-password"
              autocomplete="current-password"
              value={password}
              disabled={busy}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          {error && <ErrorBanner error={error} />}
          <div class="actions">
            <button type="submit" data-testid="uia-submit" disabled={busy || password === ''}>
              {busy ? 'Confirming…' : 'Confirm'}
            </button>
            <button type="button" data-testid="uia-cancel" disabled={busy} onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <ErrorBanner
            error={{
              code: 'matrix_uia_unsupported',
              message: `The server asks for a confirmation this app cannot do yet (${challenge.flows
                .map((f) => f.stages.join(' + '))
                .join(', or ')}). Nothing was changed; do this from Element instead.`,
            }}
          />
          <button type="button" data-testid="uia-cancel" onClick={onCancel}>
            Close
          </button>
        </>
      )}
    </div>
  );
}
