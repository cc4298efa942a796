// A scrolling list that only puts the rows in view into the page, so 5,000 traces or a
// 10,000-span waterfall stay as quick as ten.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useElementSize } from './element-size';

const overscan = 4;

export function VirtualRows<T>(props: {
  items: readonly T[];
  rowHeight: number;
  row: (item: T, index: number) => VNode;
  /** Scrolled into view when it changes. */
  revealIndex?: number;
  class?: string;
  /** One listener for every row's clicks and keys (a row's own would be renewed each frame). */
  onClick?: (event: MouseEvent) => void;
  onKeyDown?: (event: KeyboardEvent) => void;
}): VNode {
  const { items, rowHeight, row, revealIndex } = props;
  const [box, { height }] = useElementSize<HTMLDivElement>({ width: 0, height: 600 });
  const [scrollTop, setScrollTop] = useState(0);

  useEffect(() => {
    const element = box.current;
    if (!element || revealIndex === undefined || revealIndex < 0) return;
    const top = revealIndex * rowHeight;
    if (top < element.scrollTop || top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, top - element.clientHeight / 3);
      setScrollTop(element.scrollTop);
    }
  }, [revealIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const shown: VNode[] = [];
  for (let i = first; i < last; i++) shown.push(row(items[i]!, i));

  return html`<div
    class=${`vrows ${props.class ?? ''}`}
    ref=${box}
    onClick=${props.onClick}
    onKeyDown=${props.onKeyDown}
    onScroll=${(event: Event) => setScrollTop((event.currentTarget as HTMLElement).scrollTop)}
  >
    <div class="vrows-space" style=${{ height: `${items.length * rowHeight}px` }}>
      <div class="vrows-slice" style=${{ transform: `translateY(${first * rowHeight}px)` }}>${shown}</div>
    </div>
  </div>`;
}
