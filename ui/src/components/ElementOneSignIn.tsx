import { useEffect, useRef, useState } from 'preact/hooks';
import {
  elementOneSignInCancel,
  elementOneSignInFinish,
  elementOneSignInStart,
  emsAccounts,
  toIpcError,
  type ElementOneSignedIn,
  type IpcError,
  type SubscriptionLink,
} from '../ipc';
import { BrowserWaiting, type Waiting } from './BrowserWaiting';
import { ErrorBanner } from './ErrorBanner';

/** How often the step shown while waiting is checked. */
const STEP_POLL_MS = 1000;

interface Props {
  /** The EMS server the subscription belongs to. */
  issuer: string;
  /** The Element One homeserver; `null` before EMS is signed in (the subscription names it). */
  homeserverUrl: string | null;
  /** The homeserver's identity provider for this EMS, as the subscription names it. */
  idpId: string | null;
  /** The Matrix ID the subscription names. */
  matrixId: string | null;
  /** The subscription, kept with the Matrix account. */
  link: SubscriptionLink | null;
  testId: string;
  /** Starts at once, without the button being clicked (the user already asked for it elsewhere). */
  autoStart?: boolean;
  onSignedIn: (both: ElementOneSignedIn) => void;
  /**
   * The sign-in ended with EMS signed in but no Element One subscription. The caller says so and
   * offers to create one (this button goes away once EMS is signed in); without, it is shown here.
   */
  onNoElementOne?: (error: IpcError) => void;
  /** Any other outcome changed the accounts (EMS may be signed in even when Matrix failed). */
  onAccountsChanged?: () => void;
}

/**
 * "Sign in with Element One": one sign-in at the EMS identity provider in the system browser
 * covers the EMS account and the Element One Matrix account. The app waits for both legs.
 */
export function ElementOneSignIn({
  issuer,
  homeserverUrl,
  idpId,
  matrixId,
  link,
  testId,
  autoStart = false,
  onSignedIn,
  onNoElementOne,
  onAccountsChanged,
}: Props) {
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  // Which step the browser is at: the EMS account at this issuer is signed in once the first leg
  // is done (or was already), which the accounts list shows.
  const [emsDone, setEmsDone] = useState(false);
  useEffect(() => {
    if (waiting === null) {
      setEmsDone(false);
      return undefined;
    }
    const check = () =>
      emsAccounts().then(
        (list) => setEmsDone(Array.isArray(list) && list.some((a) => a.issuer === issuer && a.status === 'signed_in')),
        () => undefined,
      );
    check();
    const timer = setInterval(check, STEP_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, issuer]);
  // The browser part failed after the start: EMS may be signed in, so offer to finish.
  const [unfinished, setUnfinished] = useState(false);

  const signIn = async () => {
    setError(null);
    setUnfinished(false);
    let started = false;
    try {
      const handoff = await elementOneSignInStart(issuer, homeserverUrl, idpId, matrixId, link);
      started = true;
      setWaiting({ url: handoff.url, browserError: handoff.browser_error });
      onSignedIn(await elementOneSignInFinish());
    } catch (e) {
      const failed = toIpcError(e);
      const noElementOne = failed.code === 'bridge_no_element_one';
      if (noElementOne && onNoElementOne) onNoElementOne(failed);
      else setError(failed);
      setUnfinished(started && !noElementOne);
      onAccountsChanged?.();
    } finally {
      setWaiting(null);
    }
  };

  // Once per mount: the user's click that asked for it happened elsewhere.
  const autoStarted = useRef(false);
  useEffect(() => {
    if (!autoStart || autoStarted.current) return;
    autoStarted.current = true;
    signIn();
  }, [autoStart]);

  return (
    <div class="element-one">
      {waiting ? (
        <BrowserWaiting
          text={
            emsDone
              ? 'EMS is signed in. Waiting for the Element One homeserver to sign you in to Matrix in the browser.'
              : 'Waiting for the browser: sign in to EMS there (if it asks); your Matrix account follows.'
          }
          waiting={waiting}
          noBrowser="No browser could be opened"
          testId="bridge-status"
          urlTestId="bridge-url"
          cancelTestId="bridge-cancel"
          onCancel={elementOneSignInCancel}
        />
      ) : (
        <button type="button" data-testid={testId} onClick={signIn}>
          Sign in with Element One
        </button>
      )}
      {error !== null && <ErrorBanner error={error} />}
      {unfinished && (
        <button type="button" data-testid="bridge-finish" onClick={signIn}>
          Finish Element One sign-in
        </button>
      )}
    </div>
  );
}
