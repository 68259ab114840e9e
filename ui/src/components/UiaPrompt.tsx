import { useEffect, useState } from 'preact/hooks';
import type { UiaAnswer, UiaChallenge, UiaStep } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { UiaSsoPrompt } from './UiaSsoPrompt';
import { Spinner } from './Progress';
import { useDialog } from './useDialog';

const PASSWORD_STAGE = 'm.login.password';
const SSO_STAGE = 'm.login.sso';

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
  /** Starts the action again, confirmed through single sign-on in the browser (if it can be). */
  sso?: (() => Promise<UiaStep>) | undefined;
}

interface Props {
  pending: PendingAuth;
  onDone: () => void;
  onCancel: () => void;
}

/**
 * The re-authentication prompt: asks for the account's password and sends it once with the
 * retried action. A wrong password keeps the prompt (and the server's session) for another try.
 * Where the server offers single sign-on, the action can be confirmed in the browser instead;
 * for an account without a password that starts at once.
 */
export function UiaPrompt({ pending, onDone, onCancel }: Props) {
  const [challenge, setChallenge] = useState(pending.challenge);
  const [password, setPassword] = useState('');
  const { busy, error, run, setError } = useAction();
  const [browser, setBrowser] = useState<{ url: string; browserError: string | null } | null>(null);
  const passwordOffered = offersStage(challenge, PASSWORD_STAGE);
  const ssoOffered = pending.sso !== undefined && offersStage(challenge, SSO_STAGE);
  // Escape cancels, as the Cancel button does; the browser step has its own Cancel.
  const dialog = useDialog<HTMLDivElement>(browser || busy ? null : onCancel);

  const startSso = () => {
    const sso = pending.sso;
    if (!sso) return;
    run(sso, {
      done: (step) => {
        if (step.status === 'done') onDone();
        else if (step.status === 'browser') setBrowser({ url: step.url, browserError: step.browser_error });
      },
    });
  };

  // An account without a password has only the browser: go there at once.
  useEffect(() => {
    if (ssoOffered && !passwordOffered) startSso();
  }, []);

  if (browser) {
    return (
      <div class="card uia" role="dialog" aria-labelledby="uia-title" data-testid="uia-prompt" ref={dialog} tabIndex={-1}>
        <h3 id="uia-title">{pending.title}: confirm it is you</h3>
        <UiaSsoPrompt
          url={browser.url}
          browserError={browser.browserError}
          onFinished={onDone}
          onFailed={(e) => {
            // Cancelled, timed out or refused: nothing changed; say so and offer it again.
            setBrowser(null);
            setError(e);
          }}
        />
      </div>
    );
  }

  const ssoChoice = ssoOffered && (
    <button type="button" data-testid="uia-sso-start" disabled={busy} onClick={startSso}>
      {passwordOffered ? 'Confirm in the browser with single sign-on instead' : 'Confirm in the browser'}
    </button>
  );

  const submit = (event: Event) => {
    event.preventDefault();
    const typed = password;
    // The password goes to Rust once; the field is emptied whatever the outcome.
    setPassword('');
    run(() => pending.retry({ session: challenge.session, password: typed }), {
      done: (step) => {
        if (step.status === 'done') onDone();
        else if (step.status === 'auth_required') setChallenge(step.challenge);
      },
    });
  };

  return (
    <div class="card uia" role="dialog" aria-labelledby="uia-title" data-testid="uia-prompt" ref={dialog} tabIndex={-1}>
      <h3 id="uia-title">{pending.title}: confirm it is you</h3>
      {passwordOffered ? (
        <form onSubmit={submit}>
          <p class="hint">The server asks for your account password before it does this.</p>
          <label>
            Password{' '}
            <input
              type="password"
              data-testid="uia-password"
              aria-invalid={error !== null}
              aria-describedby={error ? 'uia-error' : undefined}
              autocomplete="current-password"
              value={password}
              disabled={busy}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          {error && <ErrorBanner error={error} id="uia-error" />}
          <div class="actions">
            <button type="submit" data-testid="uia-submit" disabled={busy || password === ''} aria-busy={busy}>
              {busy && <Spinner />}
              {busy ? 'Confirming…' : 'Confirm'}
            </button>
            <button type="button" data-testid="uia-cancel" disabled={busy} onClick={onCancel}>
              Cancel
            </button>
            {ssoChoice}
          </div>
        </form>
      ) : ssoOffered ? (
        <>
          <p class="hint">
            This account signs in through single sign-on: confirm it is you in your browser, then come back here.
          </p>
          {error && <ErrorBanner error={error} />}
          <div class="actions">
            {ssoChoice}
            <button type="button" data-testid="uia-cancel" disabled={busy} onClick={onCancel}>
              Cancel
            </button>
          </div>
        </>
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
