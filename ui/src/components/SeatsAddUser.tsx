import { useId, useState } from 'preact/hooks';
import { seatsAddUser, type SeatsTarget, type SeatUserChange } from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { useAction } from '../useAction';

interface Props {
  target: SeatsTarget;
  serverName: string;
  onAdded: (change: SeatUserChange) => void;
  /** The core refused for want of a free seat: the subscription offers to raise the seats. */
  onNoSeatFree: () => void;
}

/** "Add a user": a new account on the homeserver, with a password the core generates. */
export function SeatsAddUser({ target, serverName, onAdded, onNoSeatFree }: Props) {
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const action = useAction();
  const errorId = useId();

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await action.run(() =>
      seatsAddUser(target, {
        username: username.trim(),
        display_name: displayName.trim() === '' ? null : displayName.trim(),
        email: email.trim() === '' ? null : email.trim(),
      }),
    );
    if (result.ok) {
      setOpen(false);
      setUsername('');
      setDisplayName('');
      setEmail('');
      onAdded(result.value);
    } else if (result.error.code === 'seats_no_seat_free') {
      onNoSeatFree();
    }
  };

  if (!open) {
    return (
      <button
        type="button"
        data-testid="seats-add-user"
        onClick={() => {
          action.clearError();
          setOpen(true);
        }}
      >
        Add a user…
      </button>
    );
  }
  // The homeserver's refusals of the name: tied to the username field for screen readers.
  const nameRefused = action.error?.code === 'seats_user_exists' || action.error?.code === 'seats_invalid_input';
  return (
    <form class="card seats-form" onSubmit={submit} aria-label="Add a user">
      <h4>Add a user</h4>
      <label>
        Username{' '}
        <input
          data-testid="seats-new-username"
          aria-invalid={nameRefused ? 'true' : undefined}
          aria-describedby={nameRefused ? errorId : undefined}
          value={username}
          autocomplete="off"
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <span class="hint"> @{username.trim() || 'name'}:{serverName}</span>
      </label>
      <label>
        Display name (optional){' '}
        <input data-testid="seats-new-display-name" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <label>
        Email (optional){' '}
        <input data-testid="seats-new-email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <p class="hint">The account takes a seat. A password is generated and shown once, for you to pass on.</p>
      {action.error && <ErrorBanner error={action.error} testId="seats-error" id={errorId} />}
      {action.error?.code === 'seats_no_seat_free' && (
        <p class="hint" data-testid="seats-no-seat-hint">
          Raise the seats with “Raise seats” above, or deactivate an account that no longer needs one.
        </p>
      )}
      <div class="actions">
        <button type="submit" data-testid="seats-new-submit" disabled={action.busy || username.trim() === ''} aria-busy={action.busy}>
          {action.busy && <Spinner />}
          Add the user
        </button>
        <button type="button" disabled={action.busy} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
