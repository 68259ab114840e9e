import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { emsDeleteAccount, emsDeletionPreview, type DeletionView } from '../ipc';
import { useAction } from '../useAction';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { useDialog } from './useDialog';

interface Props {
  accountId: string;
  onDeleted: () => void;
}

/** Deletes the EMS account: the server's preview first, then the typed email. */
export function EmsDeleteAccount({ accountId, onDeleted }: Props) {
  const [preview, setPreview] = useState<DeletionView | null>(null);
  const [typed, setTyped] = useState('');
  const { busy, error, run } = useAction();

  const review = () => run(() => emsDeletionPreview(accountId), { done: setPreview });

  const confirm = (event: Event) => {
    event.preventDefault();
    run(() => emsDeleteAccount(accountId, typed), {
      done: onDeleted,
      failed: (failure) => {
        // An expired or outdated preview must be looked at again.
        if (failure.code === 'ems_confirmation_stale') setPreview(null);
      },
    });
  };

  const titleId = useId();
  return (
    <div class="card danger" data-testid="ems-delete-account">
      <h3 id={titleId}>Delete the EMS account</h3>
      {error && preview === null && <ErrorBanner error={error} />}
      {preview === null ? (
        <button type="button" data-testid="ems-delete-preview" disabled={busy} aria-busy={busy} onClick={review}>
          {busy && <Spinner />}
          Delete the EMS account…
        </button>
      ) : (
        <DeleteConfirmation titleId={titleId} busy={busy} onSubmit={confirm} onKeep={() => setPreview(null)}>
          {error && <ErrorBanner error={error} />}
          <p>Deleting the account removes for good:</p>
          <ul data-testid="ems-delete-what">
            {preview.subscriptions.map((s) => (
              <li key={s.id}>
                Subscription {s.id} ({s.kind.replace('_', ' ')}, {s.status})
              </li>
            ))}
            {preview.hosts.map((h) => (
              <li key={h.server_name}>The homeserver {h.server_name} and every account on it</li>
            ))}
            {preview.matrix_accounts.map((m) => (
              <li key={m}>The Matrix account {m}, signed in on this computer</li>
            ))}
            <li>The EMS account {preview.email}</li>
          </ul>
          <label>
            Type the account's email ({preview.email}) to confirm{' '}
            <input data-testid="ems-delete-confirm" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
          </label>
          <div class="actions">
            <button
              type="submit"
              class="danger"
              data-testid="ems-delete-submit"
              disabled={busy || typed.trim().toLowerCase() !== preview.email.toLowerCase()}
              aria-busy={busy}
            >
              {busy && <Spinner />}
              Delete everything listed
            </button>
            <button type="button" onClick={() => setPreview(null)}>
              Keep the account
            </button>
          </div>
        </DeleteConfirmation>
      )}
    </div>
  );
}

interface ConfirmationProps {
  titleId: string;
  busy: boolean;
  onSubmit: (event: Event) => void;
  onKeep: () => void;
  children: ComponentChildren;
}

/** The confirmation, as a dialog: focus moves to the email field, and Escape keeps the account. */
function DeleteConfirmation({ titleId, busy, onSubmit, onKeep, children }: ConfirmationProps) {
  const dialog = useDialog<HTMLFormElement>(busy ? null : onKeep);
  return (
    <form role="dialog" aria-labelledby={titleId} data-testid="ems-delete-dialog" ref={dialog} tabIndex={-1} onSubmit={onSubmit}>
      {children}
    </form>
  );
}
