import { useState } from 'preact/hooks';

/** What an action on a user did, and the password the core generated for it, if any. */
export interface SeatsResultView {
  message: string;
  userId: string;
  password: string | null;
}

/**
 * The result of the last action. A generated password is shown only here, once (the contract
 * returns it once), so the admin copies it before dismissing this.
 */
export function SeatsResult({ result, onDismiss }: { result: SeatsResultView; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);
  const password = result.password;
  const copy = (text: string) => {
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (!clipboard) {
      setCopied('failed');
      return;
    }
    clipboard.writeText(text).then(
      () => setCopied('copied'),
      () => setCopied('failed'),
    );
  };
  return (
    <div class="card seats-result" role="status" data-testid="seats-result">
      <p>{result.message}</p>
      {password !== null && (
        <p>
          The password for {result.userId}, shown only now: <code data-testid="seats-new-password">{password}</code>{' '}
          <button type="button" data-testid="seats-copy-password" onClick={() => copy(password)}>
            Copy
          </button>{' '}
          {copied === 'copied' && <span class="hint">Copied.</span>}
          {copied === 'failed' && <span class="hint">Could not copy: select the password and copy it yourself.</span>}
        </p>
      )}
      <button type="button" data-testid="seats-result-dismiss" onClick={onDismiss}>
        {password !== null ? 'Done, hide the password' : 'OK'}
      </button>
    </div>
  );
}
