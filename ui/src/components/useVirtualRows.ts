import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';

/**
 * Preact's binding of `@tanstack/virtual-core` (the library ships React, Vue, Solid and others,
 * not Preact): which of `count` fixed-height rows are in or near view of the scroll element.
 * It follows what `@tanstack/react-virtual` does: options on every render, mount and update
 * hooks in layout effects, a re-render whenever the virtualizer reports a change.
 */
export function useVirtualRows(count: number, rowPx: number, viewportPx: number) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, setTick] = useState(0);
  const options: VirtualizerOptions<HTMLDivElement, HTMLDivElement> = {
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowPx,
    overscan: 10,
    initialRect: { width: 0, height: viewportPx },
    // An element without layout (a DOM without a renderer, as in unit tests, or a hidden
    // pane) measures 0 high and would render no row at all; its CSS height is fixed, so use that.
    observeElementRect: (instance, onRect) =>
      observeElementRect(instance, (rect) => onRect(rect.height > 0 ? rect : { width: rect.width, height: viewportPx })),
    observeElementOffset,
    scrollToFn: elementScroll,
    onChange: () => setTick((n) => n + 1),
  };
  const [virtualizer] = useState(() => new Virtualizer(options));
  virtualizer.setOptions(options);
  useLayoutEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => virtualizer._willUpdate());
  return { scrollRef, virtualizer };
}
