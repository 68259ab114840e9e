import { useRef } from 'preact/hooks';

export type PaneId = 'ems' | 'matrix' | 'seats';

export const PANES: readonly { id: PaneId; label: string }[] = [
  { id: 'ems', label: 'EMS' },
  { id: 'matrix', label: 'Matrix' },
  { id: 'seats', label: 'Seats' },
];

export const tabId = (id: PaneId) => `tab-${id}`;
export const panelId = (id: PaneId) => `panel-${id}`;

interface Props {
  current: PaneId;
  onSelect: (id: PaneId) => void;
}

/**
 * The pane tabs, as a tablist: one tab stop (the selected tab), the arrow keys move between
 * tabs and select them, Home and End go to the first and the last.
 */
export function PaneTabs({ current, onSelect }: Props) {
  const list = useRef<HTMLElement>(null);
  const move = (to: PaneId) => {
    onSelect(to);
    list.current?.querySelector<HTMLElement>(`#${tabId(to)}`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const at = PANES.findIndex((p) => p.id === current);
    const last = PANES.length - 1;
    let next: number;
    switch (event.key) {
      case 'ArrowRight':
        next = at === last ? 0 : at + 1;
        break;
      case 'ArrowLeft':
        next = at === 0 ? last : at - 1;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      default:
        return;
    }
    event.preventDefault();
    const pane = PANES[next];
    if (pane) move(pane.id);
  };
  return (
    <nav class="tabs" role="tablist" aria-label="Panes" ref={list} onKeyDown={onKeyDown}>
      {PANES.map(({ id, label }) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={tabId(id)}
          data-testid={`nav-${id}`}
          aria-selected={current === id}
          aria-controls={panelId(id)}
          tabIndex={current === id ? 0 : -1}
          onClick={() => onSelect(id)}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}
