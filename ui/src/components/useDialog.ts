import { useLayoutEffect, useRef } from 'preact/hooks';

const TABBABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
const FIELDS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';

/** The element that last had focus, kept for a dialog whose opener was removed as it appeared. */
let lastFocused: HTMLElement | null = null;
if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (event) => {
    if (event.target instanceof HTMLElement) lastFocused = event.target;
  });
}

function tabbables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(TABBABLE)).filter((el) => !el.closest('[hidden]'));
}

/**
 * A dialog's keyboard behaviour, on the element the returned ref is given to (which should have
 * tabIndex={-1}): when it appears, focus moves into it (its first field, else the dialog itself,
 * so that nothing is confirmed by a stray Enter); Tab and Shift+Tab stay inside it; Escape calls
 * `onEscape` (when given); and when it goes, focus returns to what had it before (the opener, or
 * the element that took its place).
 */
export function useDialog<T extends HTMLElement>(onEscape: (() => void) | null) {
  const ref = useRef<T>(null);
  const escape = useRef(onEscape);
  escape.current = onEscape;

  // Before paint, so that focus is in the dialog as soon as it shows.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    // The opener: what has focus, or had it last when the render that shows the dialog removed it.
    const active = document.activeElement;
    const opener = active instanceof HTMLElement && active !== document.body ? active : lastFocused;
    const field = dialog.querySelector<HTMLElement>(FIELDS);
    (field ?? dialog).focus();

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        if (escape.current && !event.defaultPrevented) {
          event.preventDefault();
          event.stopPropagation();
          escape.current();
        }
        return;
      }
      // A dialog inside this one has handled it already.
      if (event.key !== 'Tab' || event.defaultPrevented) return;
      const items = tabbables(dialog);
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) {
        event.preventDefault();
        dialog.focus();
        return;
      }
      const active = document.activeElement;
      const inside = active instanceof Node && dialog.contains(active);
      if (event.shiftKey && (!inside || active === first || active === dialog)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (!inside || active === last)) {
        event.preventDefault();
        first.focus();
      }
    };
    dialog.addEventListener('keydown', onKeyDown);
    // Where the opener is replaced by the dialog (and comes back when it closes), its successor is
    // found by the same test id.
    const openerId = opener?.dataset.testid;
    const lost = () => {
      const active = document.activeElement;
      return active === null || active === document.body || dialog.contains(active) || !active.isConnected;
    };
    return () => {
      dialog.removeEventListener('keydown', onKeyDown);
      // Back to the opener, unless the user has since put focus somewhere else on purpose.
      if (opener?.isConnected) {
        if (lost()) opener.focus();
      } else if (openerId) {
        setTimeout(() => {
          if (lost()) document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(openerId)}"]`)?.focus();
        }, 0);
      }
    };
  }, []);

  return ref;
}
