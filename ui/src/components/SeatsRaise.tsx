import { useState } from 'preact/hooks';
import { emsRaiseSeats } from '../ipc';
import { useAction } from '../useAction';
import { SeatsConfirm, useSeatsDialog } from './SeatsConfirm';

interface Props {
  emsAccount: string;
  subscriptionId: string;
  /** Seats paid now. */
  seats: number;
  /** Accounts now, when known: the proposed number frees one seat beyond them. */
  accounts: number | null;
  /** EMS took the new number. */
  onRaised: () => void;
}

/** "Raise seats": more seats on the subscription, through the EMS API. */
export function SeatsRaise({ emsAccount, subscriptionId, seats, accounts, onRaised }: Props) {
  const [value, setValue] = useState('');
  const action = useAction();
  const dialog = useSeatsDialog(`raise ${emsAccount} ${subscriptionId}`);
  const wanted = Number(value);
  const valid = value.trim() !== '' && Number.isInteger(wanted) && wanted > seats;

  const confirm = async () => {
    const result = await action.run(() => emsRaiseSeats(emsAccount, subscriptionId, wanted));
    if (result.ok) {
      dialog.close();
      onRaised();
    }
  };

  return (
    <div class="seats-raise">
      <button
        type="button"
        data-testid="seats-raise"
        onClick={() => {
          action.clearError();
          setValue(String(Math.max(seats, accounts ?? 0) + 1));
          dialog.open();
        }}
      >
        Raise seats…
      </button>
      {dialog.isOpen && (
        <SeatsConfirm
          title="Raise seats"
          confirmLabel={valid ? `Raise to ${wanted} seats` : 'Raise seats'}
          busy={action.busy}
          canConfirm={valid}
          error={action.error}
          onConfirm={confirm}
          onCancel={dialog.close}
        >
          <label>
            New number of seats{' '}
            <input
              type="number"
              min={seats + 1}
              step={1}
              data-testid="seats-raise-value"
              value={value}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          </label>
          <p>
            The subscription pays for {seats} seats now. The new number must be greater, and seats cannot be lowered later.
          </p>
        </SeatsConfirm>
      )}
    </div>
  );
}
