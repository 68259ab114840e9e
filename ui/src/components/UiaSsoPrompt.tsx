import { useEffect } from 'preact/hooks';
import { Spinner } from './Progress';
import { useDialog } from './useDialog';
import { toIpcError, uiaSsoCancel, uiaSsoDone, uiaSsoFinish, type IpcError } from '../ipc';

interface Props {
  /** The homeserver's confirmation page, opened in the browser (shown when that failed). */
  url: string;
  /** Why the browser could not be opened, if it could not. */
  browserError: string | null;
  /** The homeserver accepted the request. */
  onFinished: () => void;
  /** Cancelled, timed out or refused: nothing was changed. */
  onFailed: (error: IpcError) => void;
}

/**
 * "Finish in your browser, then continue": shown while a request of an account without a
 * password waits for the user to confirm through single sign-on. The homeserver's page never
 * comes back to the app, so the app retries on its own and at once when the user says so.
 */
export function UiaSsoPrompt({ url, browserError, onFinished, onFailed }: Props) {
  useEffect(() => {
    uiaSsoFinish().then(onFinished, (e: unknown) => onFailed(toIpcError(e)));
  }, []);

  // Escape cancels, as the Cancel button does (the wait then ends as cancelled).
  const dialog = useDialog<HTMLDivElement>(() => {
    uiaSsoCancel().catch(() => undefined);
  });

  return (
    <div class="card" data-testid="uia-sso" role="dialog" aria-label="Confirm it's you" ref={dialog} tabIndex={-1}>
      <p class="progress">
        <Spinner />
        Confirm it's you: finish in your browser, then continue. This also continues by itself a few seconds after you
        have finished.
      </p>
      {browserError && (
        <p>
          The browser could not be opened ({browserError}). Open this address yourself:{' '}
          <code data-testid="uia-sso-url">{url}</code>
        </p>
      )}
      <button type="button" data-testid="uia-sso-done" onClick={() => uiaSsoDone()}>
        Continue
      </button>{' '}
      <button type="button" data-testid="uia-sso-cancel" onClick={() => uiaSsoCancel()}>
        Cancel
      </button>
    </div>
  );
}
