import { createContext, type ComponentChildren } from 'preact';
import { useContext, useId } from 'preact/hooks';
import type { IpcError } from '../ipc';
import { ErrorBanner } from './ErrorBanner';
import { Spinner } from './Progress';
import { useDialog } from './useDialog';

/**
 * Which confirmation is open in the Seats pane. One at a time, so that `seats-confirm` and
 * `seats-cancel` always name a single pair of buttons (for people and for WebDriver alike).
 */
export interface SeatsDialogSlot {
  open: string | null;
  setOpen: (update: (current: string | null) => string | null) => void;
}

export const SeatsDialogContext = createContext<SeatsDialogSlot | null>(null);

/** Opens and closes the confirmation named `id`; opening it closes any other. */
export function useSeatsDialog(id: string) {
  const slot = useContext(SeatsDialogContext);
  if (!slot) throw new Error('useSeatsDialog is used outside the Seats pane');
  return {
    isOpen: slot.open === id,
    open: () => slot.setOpen(() => id),
    close: () => slot.setOpen((current) => (current === id ? null : current)),
  };
}

interface Props {
  title: string;
  confirmLabel: string;
  /** The action cannot be undone or takes something away: the confirm button says so in red. */
  danger?: boolean;
  busy: boolean;
  /** False while the dialog's own fields are not valid yet. */
  canConfirm?: boolean;
  error: IpcError | null;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}

/** A confirmation: what will happen, any fields it needs, and the two buttons. */
export function SeatsConfirm({ title, confirmLabel, danger = false, busy, canConfirm = true, error, onConfirm, onCancel, children }: Props) {
  const titleId = useId();
  // Escape cancels, as the Cancel button does (not while the action runs).
  const dialog = useDialog<HTMLFormElement>(busy ? null : onCancel);
  return (
    <form
      class="card seats-dialog"
      role="dialog"
      aria-labelledby={titleId}
      ref={dialog}
      tabIndex={-1}
      data-testid="seats-dialog"
      onSubmit={(event) => {
        event.preventDefault();
        if (!busy && canConfirm) onConfirm();
      }}
    >
      <h4 id={titleId}>{title}</h4>
      {children}
      {error && <ErrorBanner error={error} testId="seats-error" />}
      <div class="actions">
        <button type="submit" data-testid="seats-confirm" class={danger ? 'danger' : undefined} disabled={busy || !canConfirm} aria-busy={busy}>
          {busy && <Spinner />}
          {confirmLabel}
        </button>
        <button type="button" data-testid="seats-cancel" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
