// The report's ways from an aggregate to its examples, in a real headless Chromium, on a report
// the command's own code builds from OTLP records: the response-time chart's brush selects
// traces, a map node lists its traces and shows its latency and its failures by class, stats
// rows open their slowest and failed traces and each function its cold starts, an operation
// shows its timeline, and a trace held as a summary says so.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inBrush, type Brush } from '../../cli/src/view/client/brush';
import type { ViewData } from '../../cli/src/model';
import { renderReport } from '../../cli/src/view/report';
import { openReport, type ReportPage } from '../helpers/report-page';
import { callsTable, durationOf, isColdTrace, reportData, reportTraceId, SLOW_TRACE } from '../helpers/report-traces';

let data: ViewData;
let report: ReportPage;
let page: Page;

beforeAll(async () => {
  data = await reportData();
  report = await openReport(renderReport(data), 'hoptrace-report-views-');
  page = report.page;
});

afterAll(async () => {
  await report?.close();
});

const count = () => page.getByTestId('trace-count').textContent();
const total = () => data.traces.length;
const openTrace = () => new URL(page.url()).hash;
// Trace i of the helper has the id i + 1.
const nth = (traceId: string): number => Number.parseInt(traceId, 16) - 1;

describe('the report’s views from aggregates to examples, in Chromium', { timeout: 120_000 }, () => {
  it('selects the traces in a brushed time and duration range, and resets', async () => {
    await expect.poll(count).toBe(`${total()} of ${total()} traces`);
    const plot = (await page.locator('.chart-plot').boundingBox())!;
    // From a quarter to three quarters of the width, from the top to the middle of the height.
    await page.mouse.move(plot.x + plot.width * 0.25, plot.y + 2);
    await page.mouse.down();
    await page.mouse.move(plot.x + plot.width * 0.5, plot.y + plot.height * 0.3, { steps: 4 });
    await page.mouse.move(plot.x + plot.width * 0.75, plot.y + plot.height * 0.55, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('duration-chart').getAttribute('data-brush')).not.toBe('');
    const brush = JSON.parse((await page.getByTestId('duration-chart').getAttribute('data-brush'))!) as Brush;
    const selected = data.traces.filter((t) => inBrush(brush, t, Date.parse(t.startTime))).length;
    // The brush covers part of the range: some traces in, some out.
    expect(selected).toBeGreaterThan(0);
    expect(selected).toBeLessThan(total());
    await expect.poll(count).toBe(`${selected} of ${total()} traces`);
    for (const id of await page
      .locator('.trace-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')))) {
      const trace = data.traces.find((t) => t.traceId === id)!;
      expect(inBrush(brush, trace, Date.parse(trace.startTime))).toBe(true);
    }
    await page.getByRole('button', { name: 'Reset selection' }).click();
    await expect.poll(count).toBe(`${total()} of ${total()} traces`);
  });

  it('a map node shows its failures by class and latency, and lists its traces', async () => {
    await page.getByRole('button', { name: 'Service map' }).click();
    const table = data.map.nodes.find((n) => n.service === 'database:stock')!;
    await page.locator('.map-node[data-service="database:stock"]').click();
    const details = page.getByTestId('map-details');
    await expect.poll(() => details.locator('h3').textContent()).toBe('database stock');
    expect(await details.locator('p').first().textContent()).toContain(
      `${table.errors} errors (${table.errors} throttled)`,
    );
    const bars = await details.locator('.histogram-count').allTextContents();
    expect(bars.map(Number).reduce((a, b) => a + b, 0)).toBe(table.count);
    expect(await page.locator('.map-node[data-service="inventory"] .node-split').textContent()).toBe('6 4xx · 6 5xx');
    await details.getByTestId('list-traces').click();
    const through = data.traces.filter((t) => callsTable(nth(t.traceId))).length;
    await expect.poll(count).toBe(`${through} of ${total()} traces`);
    expect(await page.getByTestId('map-pick').textContent()).toContain('traces through database stock');
    await page.getByTestId('map-pick').getByRole('button').click();
    await expect.poll(count).toBe(`${total()} of ${total()} traces`);

    // An edge likewise: the calls from inventory to the table.
    await page.getByRole('button', { name: 'Service map' }).click();
    const call = data.map.edges.find((e) => e.from === 'inventory' && e.to === 'database:stock')!;
    await page.locator('.map-edge[data-from="inventory"][data-to="database:stock"] .edge-label').click();
    await expect.poll(() => details.locator('h3').textContent()).toBe('inventory → database stock (sync)');
    expect(await details.locator('p').first().textContent()).toContain(
      `${call.count} calls · ${call.errors} errors (${call.errors} throttled)`,
    );
    await details.getByTestId('list-traces').click();
    await expect.poll(count).toBe(`${through} of ${total()} traces`);
    await page.getByTestId('map-pick').getByRole('button').click();
  });

  it('opens an operation’s slowest and failed traces, a function’s cold starts, and an operation’s timeline', async () => {
    await page.getByRole('button', { name: 'Stats' }).click();
    const row = page.getByTestId('operations').locator('tr', { hasText: 'POST /orders' });
    await row.getByRole('button', { name: 'slowest' }).click();
    await expect.poll(openTrace).toBe(`#/trace/${reportTraceId(SLOW_TRACE)}/waterfall`);
    await expect.poll(() => page.locator('.wf-row').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Stats' }).click();
    const failed = data.index!.operations.find((o) => o.name === 'GET /stock')!.failed[0]!;
    await page
      .getByTestId('operations')
      .locator('tr', { hasText: 'GET /stock' })
      .getByRole('button', { name: 'failed' })
      .click();
    await expect.poll(openTrace).toBe(`#/trace/${failed}/waterfall`);
    await expect.poll(() => page.locator('.wf-row .badge.err').count()).toBe(1);

    await page.getByRole('button', { name: 'Stats' }).click();
    await page.getByTestId('functions').getByRole('button', { name: 'cold starts' }).click();
    const cold = data.index!.functions[0]!.coldStarts[0]!;
    expect(isColdTrace(nth(cold))).toBe(true);
    await expect.poll(openTrace).toBe(`#/trace/${cold}/waterfall`);
    // The init span ran before its invocation: on the critical path, as X-Ray draws it.
    await expect.poll(() => page.locator('.wf-row.critical', { hasText: 'init' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Stats' }).click();
    await page.getByTestId('operations').locator('tr', { hasText: 'POST /orders' }).locator('td').first().click();
    const buckets = data.stats.timeline.filter((b) => b.name === 'POST /orders');
    await expect.poll(() => page.getByTestId('timeline').locator('tbody tr').count()).toBe(buckets.length);
    expect(await page.getByTestId('timeline').locator('h2').textContent()).toContain('per minute');
    const first = await page.getByTestId('timeline').locator('tbody tr').first().locator('td').allTextContents();
    expect(first.filter((c) => c !== '')).toEqual([
      buckets[0]!.start.replace('T', ' ').replace('Z', ''),
      String(buckets[0]!.count),
      String(buckets[0]!.errors),
      expect.stringMatching(/ms$/),
    ]);
  });

  it('says so when a trace is held as its summary only', async () => {
    const summary = data.traces.find((t) => !Object.hasOwn(data.details, t.traceId))!;
    await page.evaluate(
      (id) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/trace/${id}/waterfall`),
      summary.traceId,
    );
    await expect
      .poll(() => page.getByTestId('summary-only').textContent())
      .toContain(`hoptrace trace ${summary.traceId}`);
    // Its span names still serve the list's span-name filter.
    await page.getByRole('button', { name: 'Traces' }).click();
    await page.getByLabel('Span name').fill('DynamoDB');
    await expect
      .poll(count)
      .toBe(`${data.traces.filter((t) => callsTable(nth(t.traceId))).length} of ${total()} traces`);
    await page.getByLabel('Span name').fill('');
  });

  it("filters on a span's duration, as the command's --min-duration: a cold start's init does not stretch its trace into the list", async () => {
    // The longest span of trace i: its root, or the 400 ms init span of a cold start, which starts
    // before the root and so makes the trace's extent the sum of both.
    const longest = (i: number): number => Math.max(durationOf(i), isColdTrace(i) ? 400 : 0);
    const slow = data.traces.filter((t) => longest(nth(t.traceId)) >= 420);
    // Cold traces whose extent passes 420 ms while none of their spans does: the filter tells them apart.
    expect(data.traces.filter((t) => t.durationMs >= 420).length).toBeGreaterThan(slow.length);
    // Traces held in full and summaries alike.
    expect(slow.some((t) => Object.hasOwn(data.details, t.traceId))).toBe(true);
    expect(slow.some((t) => !Object.hasOwn(data.details, t.traceId))).toBe(true);
    await page.getByRole('button', { name: 'Traces' }).click();
    await page.getByLabel('Min span duration (ms)').fill('420');
    await expect.poll(count).toBe(`${slow.length} of ${total()} traces`);
    await page.getByLabel('Min span duration (ms)').fill('');
    await expect.poll(count).toBe(`${total()} of ${total()} traces`);
  });

  it('logged no console error and made no request', () => {
    expect(report.problems).toEqual([]);
  });
});
