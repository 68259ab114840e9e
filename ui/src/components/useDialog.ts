import { useLayoutEffect, useRef } from 'preact/hooks';

const TABBABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
const FIELDS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';

function tabbables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(TABBABLE)).filter((el) => !el.closest('[hidden]'));
}

/**
 * A dialog's keyboard behaviour, on the element the returned ref is given to (which should have
 * tabIndex={-1}): when it appears, focus moves into it (its first field, else the dialog itself,
 * so that nothing is confirmed by a stray Enter); Tab and Shift+Tab stay inside it; Escape calls
 * `onEscape` (when given); and when it goes, focus returns to what had it before (the opener).
 */
export function useDialog<T extends HTMLElement>(onEscape: (() => void) | null) {
  const ref = useRef<T>(null);
  const escape = useRef(onEscape);
  escape.current = onEscape;

  // Before paint, so that focus is in the dialog as soon as it shows.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
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
    return () => {
      dialog.removeEventListener('keydown', onKeyDown);
      // Back to the opener, unless the user has since put focus somewhere else on purpose.
      const active = document.activeElement;
      const lost = active === null || active === document.body || dialog.contains(active) || !active.isConnected;
      if (opener && opener.isConnected && lost) opener.focus();
    };
  }, []);

  return ref;
}
