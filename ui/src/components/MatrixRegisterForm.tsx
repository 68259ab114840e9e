import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  matrixRegisterAcceptTerms,
  matrixRegisterCancel,
  matrixRegisterCheckEmail,
  matrixRegisterCheckUsername,
  matrixRegisterEmail,
  matrixRegisterOffer,
  matrixRegisterStart,
  matrixRegisterToken,
  toIpcError,
  type ErrorCode,
  type MatrixAccountView,
  type RegistrationOffer,
  type RegistrationProgress,
  type SubscriptionLink,
} from '../ipc';
import { bannerError, fieldOf, useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { ExternalLink } from './ExternalLink';
import { errorIdOf, FieldError, invalidProps } from './FieldError';
import { Progress, Spinner } from './Progress';

/** How long the user name must rest before it is checked with the server. */
const USERNAME_PAUSE_MS = 500;
/** How often the "check your email" screen asks whether the link was followed. */
const EMAIL_POLL_MS = 3000;

interface Props {
  /** The homeserver URL, as discovery resolved it. */
  homeserver: string;
  /** The EMS subscription the form was opened from, kept with the new account. */
  subscription?: SubscriptionLink | null;
  onCreated: (account: MatrixAccountView) => void;
  onCancel: () => void;
}

/** The fields an error can sit next to; any other error shows below the form. */
const FIELDS = ['username', 'password', 'token', 'terms', 'email'] as const;
type Field = (typeof FIELDS)[number];

/** Codes after which the registration is over on the Rust side: back to the first screen. */
const RESTART: ErrorCode[] = [
  'matrix_username_taken',
  'matrix_username_invalid',
  'matrix_weak_password',
  'matrix_registration_not_in_progress',
];

const STAGE_NAMES: Record<string, string> = {
  'm.login.registration_token': 'a registration token from the server’s administrator',
  'm.login.terms': 'accepting the server’s policies',
  'm.login.email.identity': 'an email address you confirm',
};

/** Create an account on the homeserver: name and password, then one screen per stage. */
export function MatrixRegisterForm({ homeserver, subscription = null, onCreated, onCancel }: Props) {
  const [offer, setOffer] = useState<RegistrationOffer | null>(null);
  const [progress, setProgress] = useState<RegistrationProgress | null>(null);
  const [username, setUsername] = useState('');
  const [usernameOk, setUsernameOk] = useState(false);
  const [password, setPassword] = useState('');
  const [passwordAgain, setPasswordAgain] = useState('');
  const [token, setToken] = useState('');
  const [accepted, setAccepted] = useState<string[]>([]);
  const [email, setEmail] = useState('');
  const { busy, error, run, setError } = useAction();
  const progressId = useRef<string | null>(null);

  const restartIfOver = (code: ErrorCode) => {
    if (RESTART.includes(code)) {
      setProgress(null);
      progressId.current = null;
    }
  };
  // For the calls made outside `send` (the offer, the name check, the email poll).
  const fail = (e: unknown) => {
    const ipc = toIpcError(e);
    restartIfOver(ipc.code);
    setError(ipc);
  };

  // Whether and how the server registers, before anything is typed.
  useEffect(() => {
    matrixRegisterOffer(homeserver).then(setOffer, fail);
  }, [homeserver]);

  // The user name is checked once the user pauses typing.
  useEffect(() => {
    setUsernameOk(false);
    const name = username.trim();
    if (name === '' || progress !== null) return undefined;
    const timer = setTimeout(() => {
      matrixRegisterCheckUsername(homeserver, name).then(
        () => {
          setUsernameOk(true);
          setError((current) => (fieldOf(current) === 'username' ? null : current));
        },
        fail,
      );
    }, USERNAME_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [username]);

  const advance = (next: RegistrationProgress) => {
    setError(null);
    if (next.step.step === 'done') {
      progressId.current = null;
      onCreated(next.step.account);
      return;
    }
    progressId.current = next.id;
    setProgress(next);
  };

  const send = (action: () => Promise<RegistrationProgress>) =>
    run(action, { done: advance, failed: (failure) => restartIfOver(failure.code) });

  // While the mailed link waits to be followed, ask again now and then.
  useEffect(() => {
    if (progress?.step.step !== 'email_sent') return undefined;
    const id = progress.id;
    const timer = setInterval(() => {
      if (!busy) matrixRegisterCheckEmail(id).then(advance, fail);
    }, EMAIL_POLL_MS);
    return () => clearInterval(timer);
  }, [progress, busy]);

  // Leaving the form (Cancel, or another homeserver typed) ends the registration in progress,
  // so that its password does not wait in memory.
  useEffect(
    () => () => {
      if (progressId.current) matrixRegisterCancel(progressId.current).catch(() => undefined);
      progressId.current = null;
    },
    [],
  );

  const cancel = () => {
    if (progressId.current) matrixRegisterCancel(progressId.current).catch(() => undefined);
    progressId.current = null;
    onCancel();
  };

  const ids = useId();
  const errorFor = (field: Field) => <FieldError error={error} field={field} block id={errorIdOf(ids, field)} />;
  const aria = (field: Field) => invalidProps(error, field, errorIdOf(ids, field));
  const mismatchId = `${ids}-mismatch`;
  const formError = bannerError(error, FIELDS);
  const mismatch = passwordAgain !== '' && password !== passwordAgain;

  const start = (event: Event) => {
    event.preventDefault();
    if (mismatch) return;
    const typed = password;
    // The password goes to Rust once; the fields are emptied whatever the outcome.
    setPassword('');
    setPasswordAgain('');
    send(() => matrixRegisterStart(homeserver, username.trim(), typed, subscription));
  };

  const step = progress?.step;
  const cancelButton = (
    <button type="button" onClick={cancel} disabled={busy}>
      Cancel
    </button>
  );

  return (
    <div class="matrix-form" data-testid="matrix-register-form">
      <h3>Create an account on {homeserver}</h3>
      {offer === null && error === null && <Progress>Asking the homeserver how it creates accounts…</Progress>}
      {offer === null && error !== null && (
        <>
          <ErrorBanner error={error} />
          {cancelButton}
        </>
      )}
      {offer !== null && step === undefined && (
        <form onSubmit={start}>
          {offer.stages.some((s) => STAGE_NAMES[s]) && (
            <p>
              This homeserver will also ask for{' '}
              {offer.stages
                .map((s) => STAGE_NAMES[s])
                .filter(Boolean)
                .join(', then ')}
              .
            </p>
          )}
          <label>
            User name{' '}
            <input
              data-testid="matrix-register-username"
              {...aria('username')}
              value={username}
              autocomplete="username"
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </label>
          {usernameOk && (
            <span class="status" data-testid="matrix-register-username-free">
              {' '}
              Available
            </span>
          )}
          {errorFor('username')}
          <label>
            Password{' '}
            <input
              data-testid="matrix-register-password"
              {...aria('password')}
              type="password"
              value={password}
              autocomplete="new-password"
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>{' '}
          <label>
            Password again{' '}
            <input
              data-testid="matrix-register-password-again"
              aria-invalid={mismatch ? 'true' : undefined}
              aria-describedby={mismatch ? mismatchId : undefined}
              type="password"
              value={passwordAgain}
              autocomplete="new-password"
              onInput={(e) => setPasswordAgain(e.currentTarget.value)}
            />
          </label>
          {mismatch && (
            <div class="error" role="alert" id={mismatchId} data-testid="error" data-code="password_mismatch">
              The two passwords differ. Type the same password twice.
            </div>
          )}
          {errorFor('password')}
          <button
            type="submit"
            data-testid="matrix-register-submit"
            disabled={busy || username.trim() === '' || password === '' || password !== passwordAgain}
            aria-busy={busy}
          >
            {busy && <Spinner />}
            {busy ? 'Creating the account…' : 'Create account'}
          </button>
          {cancelButton}
        </form>
      )}
      {progress !== null && step?.step === 'token' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send(() => matrixRegisterToken(progress.id, token));
          }}
        >
          <p>This homeserver asks for a registration token: its administrator gives you one.</p>
          <label>
            Registration token{' '}
            <input
              data-testid="matrix-register-token"
              {...aria('token')}
              value={token}
              autocomplete="off"
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </label>
          {errorFor('token')}
          <button type="submit" data-testid="matrix-register-continue" disabled={busy || token.trim() === ''} aria-busy={busy}>
            {busy && <Spinner />}
            {busy ? 'Checking the token…' : 'Continue'}
          </button>
          {cancelButton}
        </form>
      )}
      {progress !== null && step?.step === 'terms' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send(() => matrixRegisterAcceptTerms(progress.id, accepted));
          }}
        >
          <p>Read and accept each of the homeserver’s policies.</p>
          <ul data-testid="matrix-register-terms">
            {step.policies.map((policy) => (
              <li key={policy.id}>
                <label>
                  <input
                    type="checkbox"
                    data-testid={`matrix-register-terms-${policy.id}`}
                    {...aria('terms')}
                    checked={accepted.includes(policy.id)}
                    onChange={(e) =>
                      setAccepted((now) =>
                        e.currentTarget.checked ? [...now, policy.id] : now.filter((id) => id !== policy.id),
                      )
                    }
                  />{' '}
                  I accept the{' '}
                  <ExternalLink url={policy.url} testId={`matrix-register-policy-${policy.id}`}>
                    {policy.name}
                  </ExternalLink>{' '}
                  (version {policy.version}, {policy.url})
                </label>
              </li>
            ))}
          </ul>
          {errorFor('terms')}
          <button
            type="submit"
            data-testid="matrix-register-continue"
            disabled={busy || !step.policies.every((p) => accepted.includes(p.id))}
          >
            Continue
          </button>
          {cancelButton}
        </form>
      )}
      {progress !== null && step?.step === 'email' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send(() => matrixRegisterEmail(progress.id, email));
          }}
        >
          <p>This homeserver asks for an email address: it sends a link there to confirm it.</p>
          <label>
            Email address{' '}
            <input
              data-testid="matrix-register-email"
              {...aria('email')}
              type="email"
              value={email}
              autocomplete="email"
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </label>
          {errorFor('email')}
          <button type="submit" data-testid="matrix-register-continue" disabled={busy || email.trim() === ''} aria-busy={busy}>
            {busy && <Spinner />}
            {busy ? 'Sending…' : 'Send the link'}
          </button>
          {cancelButton}
        </form>
      )}
      {progress !== null && step?.step === 'email_sent' && (
        <div data-testid="matrix-register-check-email">
          <p>
            Check your email: a link was sent to <strong>{step.address}</strong>. Open it, then come back here; this
            screen goes on by itself once you have.
          </p>
          {step.waiting && <p class="status">The link has not been opened yet.</p>}
          <button
            type="button"
            data-testid="matrix-register-continue"
            disabled={busy}
            onClick={() => send(() => matrixRegisterCheckEmail(progress.id))}
          >
            I have opened the link
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => send(() => matrixRegisterEmail(progress.id, step.address))}>
            Send it again
          </button>
          {errorFor('email')}
          {cancelButton}
        </div>
      )}
      {offer !== null && formError && <ErrorBanner error={formError} />}
    </div>
  );
}
