import { Spinner } from './Progress';

/** A sign-in handed to the system browser: the address, and why the browser could not be opened. */
export interface Waiting {
  url: string;
  browserError: string | null;
}

interface Props {
  /** The first line: what the user does in the browser. */
  text: string;
  waiting: Waiting;
  /** How the failure to open the browser is introduced. */
  noBrowser?: string;
  className?: string;
  testId: string;
  urlTestId: string;
  cancelTestId: string;
  onCancel: () => void;
}

/**
 * Shown while a sign-in waits for the system browser: the address to copy when no browser could be
 * opened, and a Cancel button.
 */
export function BrowserWaiting({
  text,
  waiting,
  noBrowser = 'The browser could not be opened',
  className,
  testId,
  urlTestId,
  cancelTestId,
  onCancel,
}: Props) {
  return (
    <div class={className} data-testid={testId}>
      <p class="progress" role="status">
        <Spinner />
        <span>{text}</span>
      </p>
      {waiting.browserError && (
        <p>
          {noBrowser} ({waiting.browserError}). Open this address yourself:{' '}
          <code data-testid={urlTestId}>{waiting.url}</code>
        </p>
      )}
      <button type="button" data-testid={cancelTestId} onClick={() => onCancel()}>
        Cancel
      </button>
    </div>
  );
}
