// The open trace (a) against another (b), as `hoptrace compare <a> <b>` and `compare <a>`:
// b is picked by its id or as the root operation's typical trace (typicalTrace, the median
// root duration among the listed traces, nearest to it among those held in full), and the
// spans are matched and told apart by compareTraces, the command's own code: those in one
// trace only, and the matched ones whose durations differ, the largest difference first.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { compareTraces, type ComparedSpan, type RootOf, typicalTrace } from '../../analysis/compare-traces';
import { formatMs } from '../../format-duration';
import type { TraceDetail, ViewData } from '../../model';
import { signed, where } from '../../render/compare';

/** Rows drawn per list: a 10,000-span trace against another may differ in thousands. */
const ROWS_SHOWN = 200;

type Report = Pick<ViewData, 'traces' | 'details' | 'index'>;

/** The open trace's root operation and its typical trace in the report, when it has a root. */
function typicalOf(report: Report, traceId: string): { root: RootOf; typical: string | undefined } | undefined {
  const { traces, index, details } = report;
  if (!index) return undefined;
  const roots: RootOf[] = [];
  traces.forEach((t, i) => {
    const at = index.roots[i]!;
    if (at < 0 || t.rootDurationMs === null) return;
    const { service, name } = index.operations[at]!;
    roots.push({ traceId: t.traceId, service, name, durationMs: t.rootDurationMs });
  });
  const root = roots.find((r) => r.traceId === traceId);
  return root && { root, typical: typicalTrace(roots, traceId, (id) => Object.hasOwn(details, id)) };
}

/** Why `against` cannot be compared with the open trace, or undefined when it can. */
function unreadable(report: Report, own: string, against: string): string | undefined {
  if (against === own) return 'That is the open trace: give another.';
  if (Object.hasOwn(report.details, against)) return undefined;
  return report.traces.some((t) => t.traceId === against)
    ? `Trace ${against} is held as its summary only: compare them with hoptrace compare ${own} ${against} on the same source.`
    : `Trace ${against} is not in this report.`;
}

function Only(props: { label: string; spans: readonly ComparedSpan[]; testid: string }): VNode {
  const { label, spans } = props;
  return html`<h3>Only in ${label} (${spans.length})</h3>
    ${
      spans.length === 0
        ? html`<p class="muted">none</p>`
        : html`<table class="table" data-testid=${props.testid}>
          <thead><tr><th>Span</th><th class="num">Start</th><th class="num">Duration</th></tr></thead>
          <tbody>
            ${spans.slice(0, ROWS_SHOWN).map(
              (s) => html`<tr class="only-row" data-span-id=${s.spanId}>
                <td>${where(s)}</td><td class="num">+${formatMs(s.startMs)}</td><td class="num">${formatMs(s.durationMs)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${spans.length > ROWS_SHOWN ? html`<p class="muted">and ${spans.length - ROWS_SHOWN} more</p>` : null}`
    }`;
}

export function TraceCompare(props: {
  detail: TraceDetail;
  /** The trace to compare with (b), from the page's address. */
  against: string | undefined;
  report: Report;
  onAgainst: (traceId: string) => void;
  onOpenTrace: (traceId: string) => void;
}): VNode {
  const { detail, against, report } = props;
  const [typed, setTyped] = useState(against ?? '');
  const typical = useMemo(() => typicalOf(report, detail.traceId), [report, detail.traceId]);
  const problem = against === undefined ? undefined : unreadable(report, detail.traceId, against);
  const other = against !== undefined && problem === undefined ? report.details[against] : undefined;
  const result = useMemo(() => (other ? compareTraces(detail, other) : undefined), [detail, other]);

  return html`<section class="trace-compare">
    <form class="filters" onSubmit=${(event: Event) => {
      event.preventDefault();
      if (typed.trim() !== '') props.onAgainst(typed.trim().toLowerCase());
    }}>
      <label>Compare with trace <input type="search" class="mono" value=${typed} onInput=${(event: Event) => setTyped((event.currentTarget as HTMLInputElement).value)} placeholder="trace id" size="34" /></label>
      <button type="submit">Show differences</button>
      ${
        typical
          ? html`<button
            type="button"
            data-testid="compare-typical"
            disabled=${typical.typical === undefined}
            title=${`the trace held in full whose root response time is nearest the median of the listed ${typical.root.service}: ${typical.root.name} traces, as hoptrace compare ${detail.traceId} picks`}
            onClick=${() => {
              setTyped(typical.typical!);
              props.onAgainst(typical.typical!);
            }}
          >${typical.typical === undefined ? `No other ${typical.root.name} trace in full` : `Typical ${typical.root.service}: ${typical.root.name}`}</button>`
          : html`<span class="muted">no root span, so no operation to find a typical trace of</span>`
      }
    </form>
    ${problem ? html`<p class="bad" data-testid="compare-problem">${problem}</p>` : null}
    ${
      result
        ? html`<div data-testid="comparison">
          <p>
            <b>a</b> <span class="mono">${result.a.traceId}</span> ${result.a.spans} spans, ${formatMs(result.a.durationMs)} ·
            <b>b</b> <button type="button" class="linkish mono" title="open trace b" onClick=${() => props.onOpenTrace(result.b.traceId)}>${result.b.traceId}</button> ${result.b.spans} spans, ${formatMs(result.b.durationMs)}
          </p>
          <p data-testid="compare-summary">${result.matched} spans matched by service, name and ancestors' names; ${result.changed.length} of them took a different time.</p>
          <${Only} label="a" spans=${result.onlyInA} testid="only-in-a" />
          <${Only} label="b" spans=${result.onlyInB} testid="only-in-b" />
          <h3>Durations that differ (b − a), the largest first</h3>
          ${
            result.changed.length === 0
              ? html`<p class="muted">Every matched span took the same time.</p>`
              : html`<table class="table" data-testid="changed">
                <thead><tr><th>Span</th><th class="num">a</th><th class="num">b</th><th class="num">b − a</th><th class="num">b / a</th></tr></thead>
                <tbody>
                  ${result.changed.slice(0, ROWS_SHOWN).map(
                    (
                      c,
                    ) => html`<tr class="changed-row" data-a-span=${c.aSpanId} data-b-span=${c.bSpanId} data-delta-ms=${c.deltaMs}>
                      <td>${where(c)}</td>
                      <td class="num">${formatMs(c.aMs)}</td>
                      <td class="num">${formatMs(c.bMs)}</td>
                      <td class=${`num ${c.deltaMs > 0 ? 'bad' : ''}`}>${signed(c.deltaMs)}</td>
                      <td class="num">${c.ratio === null ? '–' : `×${c.ratio}`}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
              ${result.changed.length > ROWS_SHOWN ? html`<p class="muted">and ${result.changed.length - ROWS_SHOWN} more</p>` : null}`
          }
        </div>`
        : null
    }
  </section>`;
}
