import { useState } from 'preact/hooks';
import {
  matrixSsoCancel,
  matrixSsoFinish,
  matrixSsoStart,
  type IdentityProvider,
  type MatrixAccountView,
  type SubscriptionLink,
} from '../ipc';
import { useAction } from '../useAction';
import { BrowserWaiting, type Waiting } from './BrowserWaiting';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  /** The homeserver URL, as discovery resolved it. */
  homeserver: string;
  /** The identity providers the homeserver named (empty: it chooses itself). */
  providers: IdentityProvider[];
  /** The account being signed in again, or null for a new one. */
  accountId: string | null;
  /** Whether another sign-in of the form is running. */
  disabled: boolean;
  onSignedIn: (account: MatrixAccountView) => void;
  /** The EMS subscription the sign-in was opened from, kept with the account. */
  subscription?: SubscriptionLink | null;
}

/** The generic button's id, for a homeserver that offers SSO without naming its providers. */
const SERVER_CHOICE = 'default';

/**
 * Single sign-on: one button per identity provider. The browser does the sign-in; the app waits
 * for it to come back (the user can cancel), then shows the account.
 */
export function MatrixSsoButtons({ homeserver, providers, accountId, subscription = null, disabled, onSignedIn }: Props) {
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  const { busy, error, run } = useAction();
  const choices: (IdentityProvider | null)[] = providers.length > 0 ? providers : [null];

  const signIn = (idp: IdentityProvider | null) =>
    run(async () => {
      try {
        const started = await matrixSsoStart(homeserver, idp?.id ?? null, accountId, subscription);
        setWaiting({ url: started.url, browserError: started.browser_error });
        onSignedIn(await matrixSsoFinish());
      } finally {
        setWaiting(null);
      }
    });

  return (
    <div class="matrix-sso" data-testid="matrix-sso">
      {waiting ? (
        <BrowserWaiting
          text="Finish signing in in your browser. This page continues by itself once you are done."
          waiting={waiting}
          className="card"
          testId="matrix-sso-waiting"
          urlTestId="matrix-sso-url"
          cancelTestId="matrix-sso-cancel"
          onCancel={matrixSsoCancel}
        />
      ) : (
        <p class="actions">
          {choices.map((idp) => (
            <button
              type="button"
              key={idp?.id ?? SERVER_CHOICE}
              data-testid={`matrix-sso-${idp?.id ?? SERVER_CHOICE}`}
              disabled={disabled || busy}
              onClick={() => signIn(idp)}
            >
              {idp ? `Sign in with ${idp.name}` : 'Sign in with single sign-on'}
            </button>
          ))}
        </p>
      )}
      {error && <ErrorBanner error={error} />}
    </div>
  );
}
