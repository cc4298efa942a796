// A latency histogram as bars: one per log-scaled bucket (`leMs` its upper bound), the
// tallest full height, each labelled with its bound and count.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { formatMs } from '../../format-duration';

export function Histogram(props: { buckets: ReadonlyArray<{ leMs: number | null; count: number }> }): VNode {
  const { buckets } = props;
  if (buckets.length === 0) return html`<p class="muted">no spans</p>`;
  const most = Math.max(...buckets.map((b) => b.count));
  return html`<div class="histogram" data-testid="histogram">
    ${buckets.map(
      (
        b,
      ) => html`<div class="histogram-bar" title=${`${b.count} at ${b.leMs === null ? 'more' : `≤ ${formatMs(b.leMs)}`}`}>
        <span class="histogram-count">${b.count}</span>
        <i style=${{ height: `${Math.max(2, (b.count / most) * 70)}px` }}></i>
        <span class="histogram-le">${b.leMs === null ? 'more' : `≤${formatMs(b.leMs)}`}</span>
      </div>`,
    )}
  </div>`;
}
