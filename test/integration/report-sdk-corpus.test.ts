// The report's list search on the OpenTelemetry SDK corpus (test/helpers/sdk-corpus.ts), in a
// real headless Chromium, on the report the command builds from the corpus's stream records:
// an error message that only an exception event carries finds exactly its traces, also those
// whose first failure said something else; the service, span-name, minimum-duration, errors and
// cold-starts filters ask one span for all they are given, as the command's flags do; a trace's
// statistics per service and operation; its comparison with another trace and with its
// operation's typical one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatMs } from '../../cli/src/format-duration';
import type { ViewData } from '../../cli/src/model';
import { viewData } from '../../cli/src/report-data';
import { fileSource } from '../../cli/src/sources/files';
import { renderReport } from '../../cli/src/view/report';
import { openReport, type ReportPage } from '../helpers/report-page';
import { type PlannedSpan, type PlannedTrace, planCorpus, recordCorpus, writeCorpus } from '../helpers/sdk-corpus';

const TRACES = 5000;
const plan: PlannedTrace[] = planCorpus(TRACES, 20);
let dir: string;
let data: ViewData;
let report: ReportPage;
let page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-report-sdk-corpus-'));
  const records = join(dir, 'records');
  await writeCorpus(await recordCorpus(plan), { records, lines: join(dir, 'spans.jsonl'), table: join(dir, 'table') });
  data = await viewData(await fileSource([], [records]), {}, TRACES);
  report = await openReport(renderReport(data), 'hoptrace-report-sdk-corpus-');
  page = report.page;
}, 120_000);

afterAll(async () => {
  await report?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Every test starts from the full list, also after one that failed half way.
afterEach(async () => {
  await page.evaluate("location.hash = '#/traces'");
  await page.getByLabel('Search').fill('');
  await page.getByLabel('Service').selectOption('');
  await page.getByLabel('Span name').fill('');
  await page.getByLabel('Min span duration (ms)').fill('');
  await page.getByLabel('errors').uncheck();
  await page.getByLabel('cold starts').uncheck();
  await expect.poll(() => page.getByTestId('trace-count').textContent()).toBe(`${TRACES} of ${TRACES} traces`);
});

const count = () => page.getByTestId('trace-count').textContent();
const declined = plan.filter((t) => t.spans.some((s) => s.failure?.exception?.message === 'card_declined'));
const ms = (s: PlannedSpan): number => s.endMs - s.startMs;
// The list's span name is "contains, any case".
const slowInventoryUpdate = (s: PlannedSpan): boolean =>
  s.service === 'inventory' && s.name.toLowerCase().includes('updateitem') && ms(s) >= 500;
const slowUpdates = plan.filter((t) => t.spans.some(slowInventoryUpdate));
// The three met by different spans of a trace: what the filters must not count.
const splitOnly = plan.filter(
  (t) =>
    !t.spans.some(slowInventoryUpdate) &&
    t.spans.some((s) => s.service === 'inventory') &&
    t.spans.some((s) => s.name.toLowerCase().includes('updateitem')) &&
    t.spans.some((s) => ms(s) >= 500),
);
const drawnIds = () =>
  page.locator('.trace-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')));
// What --cold compiles to: `span.faas.coldstart = true`.
const cold = (s: PlannedSpan): boolean => s.attributes['faas.coldstart'] === true;
/** The traces with one span meeting `test`, and those that meet its parts only with different spans. */
function oneSpan(test: (s: PlannedSpan) => boolean, parts: Array<(s: PlannedSpan) => boolean>) {
  const met = plan.filter((t) => t.spans.some(test));
  const split = plan.filter((t) => !t.spans.some(test) && parts.every((part) => t.spans.some(part)));
  return { met, split };
}
const inventory = (s: PlannedSpan): boolean => s.service === 'inventory';

/**
 * A trace's statistics from its plan: per service and operation, the count, the durations
 * added up, and the self times (a span's duration less the union of its children's time
 * inside it), by self time then service and name.
 */
function knownStatistics(t: PlannedTrace) {
  const rows = new Map<string, { service: string; name: string; count: number; totalMs: number; selfMs: number }>();
  for (const span of t.spans) {
    const inside = t.spans
      .filter((c) => c.parentSpanId === span.spanId)
      .map((c) => [Math.max(c.startMs, span.startMs), Math.min(c.endMs, span.endMs)] as const)
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    let covered = 0;
    let reach = span.startMs;
    for (const [a, b] of inside) {
      if (b > reach) covered += b - Math.max(a, reach);
      reach = Math.max(reach, b);
    }
    const key = `${span.service} ${span.name}`;
    const row = rows.get(key) ?? { service: span.service, name: span.name, count: 0, totalMs: 0, selfMs: 0 };
    row.count++;
    row.totalMs += ms(span);
    row.selfMs += ms(span) - covered;
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.selfMs - a.selfMs || a.service.localeCompare(b.service) || a.name.localeCompare(b.name),
  );
}

/**
 * Two traces compared from their plans: spans matched by service, name and their ancestors'
 * names, in start order; what is left over is in one only, and the matched pairs whose
 * durations differ are listed by the difference's size.
 */
function knownComparison(a: PlannedTrace, b: PlannedTrace) {
  const keyed = (t: PlannedTrace) => {
    const byId = new Map(t.spans.map((s) => [s.spanId, s]));
    const path = (s: PlannedSpan): string[] => {
      const parent = s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
      return parent ? [...path(parent), parent.name] : [];
    };
    const groups = new Map<string, PlannedSpan[]>();
    for (const s of [...t.spans].sort((x, y) => x.startMs - y.startMs)) {
      const key = JSON.stringify([s.service, s.name, path(s)]);
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    return groups;
  };
  const left = keyed(a);
  const right = keyed(b);
  const onlyInA: string[] = [];
  const onlyInB: string[] = [];
  const changed: Array<{ a: string; b: string; deltaMs: number }> = [];
  let matched = 0;
  for (const key of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(key) ?? [];
    const y = right.get(key) ?? [];
    const pairs = Math.min(x.length, y.length);
    matched += pairs;
    for (let i = 0; i < pairs; i++)
      if (ms(y[i]!) !== ms(x[i]!)) changed.push({ a: x[i]!.spanId, b: y[i]!.spanId, deltaMs: ms(y[i]!) - ms(x[i]!) });
    onlyInA.push(...x.slice(pairs).map((s) => s.spanId));
    onlyInB.push(...y.slice(pairs).map((s) => s.spanId));
  }
  changed.sort((p, q) => Math.abs(q.deltaMs) - Math.abs(p.deltaMs) || p.a.localeCompare(q.a));
  return { matched, onlyInA, onlyInB, changed };
}

/** Shows exactly `expected` (the rows drawn, the list may draw only the first screenful, among them). */
async function expectListed(expected: readonly PlannedTrace[]): Promise<void> {
  await expect.poll(count).toBe(`${expected.length} of ${TRACES} traces`);
  const shown = await drawnIds();
  const ids = new Set(expected.map((t) => t.traceId));
  expect(shown.length).toBeGreaterThan(0);
  for (const id of shown) expect(ids.has(id!)).toBe(true);
}

describe('the report’s list search on the SDK corpus, in Chromium', { timeout: 120_000 }, () => {
  it('finds card_declined in every failed-payment trace, from its exception event', async () => {
    expect(data.traces.length).toBe(TRACES);
    // Traces whose first failure is another (a throttled UpdateItem before the charge): found by their events.
    const hidden = declined.filter((t) => {
      const summary = data.traces.find((s) => s.traceId === t.traceId)!;
      return summary.error?.message !== 'card_declined';
    });
    expect(hidden.length).toBeGreaterThan(0);
    expect(declined.length).toBeGreaterThan(50);
    await expect.poll(count).toBe(`${TRACES} of ${TRACES} traces`);
    await page.getByLabel('Search').fill('card_declined');
    await expect.poll(count).toBe(`${declined.length} of ${TRACES} traces`);
    const shown = await drawnIds();
    // The rows drawn (the list may draw only the first screenful) are all failed payments.
    const ids = new Set(declined.map((t) => t.traceId));
    expect(shown.length).toBeGreaterThan(0);
    for (const id of shown) expect(ids.has(id!)).toBe(true);
    await page.getByLabel('Search').fill('');
    await expect.poll(count).toBe(`${TRACES} of ${TRACES} traces`);
  });

  it('Service inventory, Span name UpdateItem, Min 500 ms: the traces with one such span', async () => {
    expect(slowUpdates.length).toBeGreaterThan(50);
    expect(splitOnly.length).toBeGreaterThan(50);
    // Some are held as summaries only: the index answers for them.
    expect(slowUpdates.filter((t) => !Object.hasOwn(data.details, t.traceId)).length).toBeGreaterThan(10);
    await page.getByLabel('Service').selectOption('inventory');
    await page.getByLabel('Span name').fill('UpdateItem');
    await page.getByLabel('Min span duration (ms)').fill('500');
    await expect.poll(count).toBe(`${slowUpdates.length} of ${TRACES} traces`);
    const shown = await drawnIds();
    const ids = new Set(slowUpdates.map((t) => t.traceId));
    expect(shown.length).toBeGreaterThan(0);
    for (const id of shown) expect(ids.has(id!)).toBe(true);
    await page.getByLabel('Service').selectOption('');
    await page.getByLabel('Span name').fill('');
    await page.getByLabel('Min span duration (ms)').fill('');
    await expect.poll(count).toBe(`${TRACES} of ${TRACES} traces`);
  });

  it('Service inventory and errors: the traces where an inventory span failed, as --service inventory --errors', async () => {
    const { met, split } = oneSpan((s) => inventory(s) && s.failure !== undefined, [inventory, (s) => !!s.failure]);
    expect(met.length).toBeGreaterThan(50);
    // An inventory span, and a failure elsewhere (a declined card): not counted.
    expect(split.length).toBeGreaterThan(50);
    await page.getByLabel('Service').selectOption('inventory');
    await page.getByLabel('errors').check();
    await expectListed(met);
  });

  it('Service inventory and cold starts: the traces where an inventory invocation was cold, as --service inventory --cold', async () => {
    const { met, split } = oneSpan((s) => inventory(s) && cold(s), [inventory, cold]);
    expect(met.length).toBeGreaterThan(50);
    // An inventory span, and a cold start of another function: not counted.
    expect(split.length).toBeGreaterThan(50);
    // Some are held as summaries only: the index answers for them.
    expect(met.filter((t) => !Object.hasOwn(data.details, t.traceId)).length).toBeGreaterThan(10);
    await page.getByLabel('Service').selectOption('inventory');
    await page.getByLabel('cold starts').check();
    await expectListed(met);
  });

  it('cold starts and Min 300 ms: the traces with a cold span of 300 ms or more, as --cold --min-duration 300ms', async () => {
    const { met, split } = oneSpan((s) => cold(s) && ms(s) >= 300, [cold, (s) => ms(s) >= 300]);
    expect(met.length).toBeGreaterThan(50);
    expect(split.length).toBeGreaterThan(50);
    expect(met.filter((t) => !Object.hasOwn(data.details, t.traceId)).length).toBeGreaterThan(10);
    await page.getByLabel('cold starts').check();
    await page.getByLabel('Min span duration (ms)').fill('300');
    await expectListed(met);
  });

  it('Statistics: count, total and self time per service and operation of the open trace, sortable', async () => {
    // A POST with the ledger write and the fulfilment tail: every operation, and a consumer
    // running after its parent (none of its time is taken from the send's self time).
    const known = plan.find(
      (t) =>
        !t.rootWithheld &&
        Object.hasOwn(data.details, t.traceId) &&
        t.spans.some((s) => s.service === 'fulfilment') &&
        t.spans.some((s) => s.service === 'payments' && s.name === 'DynamoDB.UpdateItem'),
    )!;
    expect(known).toBeDefined();
    const expected = knownStatistics(known);
    expect(expected.length).toBe(12);
    await page.evaluate(`location.hash = '#/trace/${known.traceId}/waterfall'`);
    await page.getByRole('button', { name: 'Statistics' }).click();
    const rows = page.getByTestId('trace-stats').locator('.stats-row');
    const read = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          service: tr.getAttribute('data-service'),
          name: tr.getAttribute('data-name'),
          count: Number(tr.getAttribute('data-count')),
          totalMs: Number(tr.getAttribute('data-total-ms')),
          selfMs: Number(tr.getAttribute('data-self-ms')),
        })),
      );
    await expect.poll(read).toEqual(expected);
    // As the waterfall writes durations.
    expect(await rows.first().locator(':scope > span').nth(5).textContent()).toBe(formatMs(expected[0]!.selfMs));
    // Sorted by self time, largest first, until a column is picked.
    await page.getByTestId('trace-stats').getByRole('button', { name: 'Total' }).click();
    const totals = (await read()).map((r) => r.totalMs);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    await page.getByTestId('trace-stats').getByRole('button', { name: 'Total' }).click();
    expect((await read()).map((r) => r.totalMs)).toEqual([...totals].sort((a, b) => a - b));
    expect(new URL(page.url()).hash).toBe(`#/trace/${known.traceId}/stats`);
  });

  it('Compare: the open trace against another by its id, and against its operation’s typical trace', async () => {
    const inFull = (t: PlannedTrace): boolean => Object.hasOwn(data.details, t.traceId);
    const has = (t: PlannedTrace, service: string, name: string): boolean =>
      t.spans.some((s) => s.service === service && s.name === name);
    const posts = plan.filter((t) => !t.rootWithheld && t.root.name === 'POST /orders');
    // a has the ledger write and the fulfilment tail, b neither: spans in a only.
    const a = posts.find(
      (t) => inFull(t) && has(t, 'fulfilment', 'order-events process') && has(t, 'payments', 'DynamoDB.UpdateItem'),
    )!;
    const b = posts.find(
      (t) => inFull(t) && !has(t, 'fulfilment', 'order-events process') && !has(t, 'payments', 'DynamoDB.UpdateItem'),
    )!;
    const expected = knownComparison(a, b);
    expect(expected.onlyInA.length).toBe(3);
    expect(expected.changed.length).toBeGreaterThan(3);
    await page.evaluate(`location.hash = '#/trace/${a.traceId}/waterfall'`);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByLabel('Compare with trace').fill(b.traceId);
    await page.getByRole('button', { name: 'Show differences' }).click();
    const comparison = page.getByTestId('comparison');
    await expect
      .poll(() => comparison.getByTestId('compare-summary').textContent())
      .toBe(
        `${expected.matched} spans matched by service, name and ancestors' names; ${expected.changed.length} of them took a different time.`,
      );
    const ids = (testid: string) =>
      comparison
        .getByTestId(testid)
        .locator('tr[data-span-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span-id')));
    expect(await ids('only-in-a')).toEqual(
      expected.onlyInA.sort((x, y) => {
        const start = (id: string) => a.spans.find((s) => s.spanId === id)!.startMs;
        return start(x) - start(y) || x.localeCompare(y);
      }),
    );
    expect(await comparison.getByTestId('only-in-b').count()).toBe(0);
    const changed = await comparison
      .getByTestId('changed')
      .locator('.changed-row')
      .evaluateAll((rows) =>
        rows.map((r) => ({
          a: r.getAttribute('data-a-span'),
          b: r.getAttribute('data-b-span'),
          deltaMs: Number(r.getAttribute('data-delta-ms')),
        })),
      );
    expect(changed).toEqual(expected.changed);
    expect(new URL(page.url()).hash).toBe(`#/trace/${a.traceId}/compare/${b.traceId}`);

    // The typical POST /orders: nearest the median root duration of all the listed ones, among those held in full.
    const durations = posts.map((t) => ms(t.root)).sort((x, y) => x - y);
    const median = durations[Math.ceil(durations.length / 2) - 1]!;
    const typical = posts
      .filter((t) => t !== a && inFull(t))
      .sort(
        (x, y) => Math.abs(ms(x.root) - median) - Math.abs(ms(y.root) - median) || (x.traceId < y.traceId ? -1 : 1),
      )[0]!;
    await page.getByTestId('compare-typical').click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/trace/${a.traceId}/compare/${typical.traceId}`);
    const known = knownComparison(a, typical);
    await expect
      .poll(() => comparison.getByTestId('compare-summary').textContent())
      .toBe(
        `${known.matched} spans matched by service, name and ancestors' names; ${known.changed.length} of them took a different time.`,
      );

    // A trace held as its summary only cannot be compared here, and the page says how to.
    const summaryOnly = plan.find((t) => !inFull(t))!;
    await page.getByLabel('Compare with trace').fill(summaryOnly.traceId);
    await page.getByRole('button', { name: 'Show differences' }).click();
    await expect
      .poll(() => page.getByTestId('compare-problem').textContent())
      .toContain(`hoptrace compare ${a.traceId} ${summaryOnly.traceId}`);
  });

  it('logged no console error and made no request', () => {
    expect(report.problems).toEqual([]);
  });
});
