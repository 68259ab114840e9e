import { useState } from 'preact/hooks';
import { matrixOauthCancel, matrixOauthFinish, matrixOauthStart, type MatrixAccountView, type SubscriptionLink } from '../ipc';
import { useAction } from '../useAction';
import { BrowserWaiting, type Waiting } from './BrowserWaiting';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  /** The homeserver URL, as discovery resolved it. */
  homeserver: string;
  /** The account being signed in again, or null for a new one (which may also be created). */
  accountId: string | null;
  /** Whether another sign-in of the form is running. */
  disabled: boolean;
  onSignedIn: (account: MatrixAccountView) => void;
  /** The EMS subscription the sign-in was opened from, kept with the account. */
  subscription?: SubscriptionLink | null;
  /** The sign-in of a seats admin: it asks for the homeserver's Admin API too. */
  admin?: boolean;
}

/**
 * OAuth 2.0 sign-in, for a homeserver that delegates its sign-in to an authorization server: the
 * browser signs in (or creates the account) there; the app waits for it to come back (the user
 * can cancel, or copy the address), then shows the account.
 */
export function MatrixOAuthButtons({ homeserver, accountId, subscription = null, admin = false, disabled, onSignedIn }: Props) {
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  const { busy, error, run } = useAction();

  const start = (createAccount: boolean) =>
    run(async () => {
      try {
        const started = await matrixOauthStart(homeserver, createAccount, accountId, subscription, admin);
        setWaiting({ url: started.url, browserError: started.browser_error });
        onSignedIn(await matrixOauthFinish());
      } finally {
        setWaiting(null);
      }
    });

  return (
    <div class="matrix-oauth" data-testid="matrix-oauth">
      {waiting ? (
        <BrowserWaiting
          text="Finish signing in in your browser. This page continues by itself once you are done."
          waiting={waiting}
          className="card"
          testId="matrix-oauth-waiting"
          urlTestId="matrix-oauth-url"
          cancelTestId="matrix-oauth-cancel"
          onCancel={matrixOauthCancel}
        />
      ) : (
        <p class="actions">
          <button type="button" data-testid="matrix-oauth-sign-in" disabled={disabled || busy} onClick={() => start(false)}>
            Sign in with OAuth 2.0
          </button>
          {accountId === null && (
            <>
              {' '}
              <button type="button" data-testid="matrix-oauth-create" disabled={disabled || busy} onClick={() => start(true)}>
                Create account
              </button>
            </>
          )}
        </p>
      )}
      {error && <ErrorBanner error={error} />}
    </div>
  );
}
