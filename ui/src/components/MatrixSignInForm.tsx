import { useEffect, useState } from 'preact/hooks';
import {
  matrixDiscover,
  matrixSignIn,
  toIpcError,
  type HomeserverInfo,
  type IpcError,
  type MatrixAccountView,
  type SubscriptionLink,
} from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { LoginMethodList } from './LoginMethodList';
import { Spinner } from './Progress';
import { MatrixRegisterForm } from './MatrixRegisterForm';
import { MatrixOAuthButtons } from './MatrixOAuthButtons';
import { MatrixSsoButtons } from './MatrixSsoButtons';

interface Props {
  /** The homeserver to start from: the configured one, or the account's when signing in again. */
  initialHomeserver: string;
  /** The user name to start from (signing in again). */
  initialIdentifier: string;
  /** The account being signed in again, or null for a new one. */
  accountId: string | null;
  onSignedIn: (account: MatrixAccountView) => void;
  onCancel: (() => void) | null;
  /** Resolve the homeserver at once (it came from an EMS subscription, so the user only signs in). */
  discoverAtStart?: boolean;
  /** The EMS subscription the form was opened from, kept with the account signed in. */
  subscription?: SubscriptionLink | null;
  /** The sign-in of a seats admin (an OAuth 2.0 sign-in then asks for the Admin API too). */
  admin?: boolean;
}

/** Find the homeserver, show how it signs in, then sign in with a password. */
export function MatrixSignInForm({
  initialHomeserver,
  initialIdentifier,
  accountId,
  onSignedIn,
  onCancel,
  discoverAtStart = false,
  subscription = null,
  admin = false,
}: Props) {
  const [input, setInput] = useState(initialHomeserver);
  const [info, setInfo] = useState<HomeserverInfo | null>(null);
  const [identifier, setIdentifier] = useState(initialIdentifier);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'discover' | 'sign-in' | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [creating, setCreating] = useState(false);

  const discover = (event: Event | null) => {
    event?.preventDefault();
    setBusy('discover');
    setError(null);
    setInfo(null);
    matrixDiscover(input)
      .then(setInfo, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(null));
  };

  useEffect(() => {
    if (discoverAtStart && initialHomeserver !== '') discover(null);
  }, []);

  const signIn = (event: Event) => {
    event.preventDefault();
    if (!info) return;
    setBusy('sign-in');
    setError(null);
    const typed = password;
    // The password goes to Rust once; the field is emptied whatever the outcome.
    setPassword('');
    matrixSignIn(info.homeserver_url, identifier, typed, accountId, subscription)
      .then(onSignedIn, (e: unknown) => setError(toIpcError(e)))
      .finally(() => setBusy(null));
  };

  return (
    <div class="matrix-form" data-testid="matrix-sign-in-form">
      <form onSubmit={discover}>
        <label>
          Homeserver: server name, Matrix ID or address{' '}
          <input
            data-testid="matrix-homeserver"
            value={input}
            placeholder="example.org"
            autocomplete="url"
            onInput={(e) => {
              setInput(e.currentTarget.value);
              setInfo(null);
              setCreating(false);
            }}
          />
        </label>{' '}
        <button
          type="submit"
          data-testid="matrix-discover"
          disabled={busy !== null || input.trim() === ''}
          aria-busy={busy === 'discover'}
        >
          {busy === 'discover' && <Spinner />}
          {busy === 'discover' ? 'Looking for the homeserver…' : 'Continue'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy !== null}>
            Cancel
          </button>
        )}
      </form>
      {info && creating && (
        <MatrixRegisterForm
          homeserver={info.homeserver_url}
          subscription={subscription}
          onCreated={onSignedIn}
          onCancel={() => setCreating(false)}
        />
      )}
      {info && !creating && (
        <div class="matrix-homeserver-found">
          <p>
            Homeserver: <code data-testid="matrix-homeserver-url">{info.homeserver_url}</code>
            {info.via_well_known && <> (named by {info.via_well_known})</>}
          </p>
          <LoginMethodList methods={info.methods} />
          {info.methods.password && (
            <form onSubmit={signIn}>
              <label>
                User name, Matrix ID or email{' '}
                <input
                  data-testid="matrix-username"
                  value={identifier}
                  autocomplete="username"
                  onInput={(e) => setIdentifier(e.currentTarget.value)}
                />
              </label>{' '}
              <label>
                Password{' '}
                <input
                  data-testid="matrix-password"
                  type="password"
                  value={password}
                  autocomplete="current-password"
                  onInput={(e) => setPassword(e.currentTarget.value)}
                />
              </label>{' '}
              <button
                type="submit"
                data-testid="matrix-sign-in"
                disabled={busy !== null || identifier.trim() === '' || password === ''}
                aria-busy={busy === 'sign-in'}
              >
                {busy === 'sign-in' && <Spinner />}
                {busy === 'sign-in' ? 'Signing in…' : 'Sign in'}
              </button>
            </form>
          )}
          {info.methods.oauth && (
            <MatrixOAuthButtons
              homeserver={info.homeserver_url}
              accountId={accountId}
              subscription={subscription}
              admin={admin}
              disabled={busy !== null}
              onSignedIn={onSignedIn}
            />
          )}
          {/* A server that delegates its sign-in creates accounts at its authorization server. */}
          {accountId === null && !info.methods.oauth && (
            <p>
              No account on this homeserver yet?{' '}
              <button
                type="button"
                data-testid="matrix-create-account"
                disabled={busy !== null}
                onClick={() => {
                  setError(null);
                  setCreating(true);
                }}
              >
                Create an account
              </button>
            </p>
          )}
          {info.methods.sso !== null && (
            <MatrixSsoButtons
              homeserver={info.homeserver_url}
              providers={info.methods.sso}
              accountId={accountId}
              subscription={subscription}
              disabled={busy !== null}
              onSignedIn={onSignedIn}
            />
          )}
        </div>
      )}
      {error && <ErrorBanner error={error} />}
    </div>
  );
}
