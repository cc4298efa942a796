// The HTML report: its size and write time against its data's JSON, and how fast Debian's
// headless Chromium shows it (5,000 traces, one of 10,000 spans) against JSON.parse of the
// same data in the same page.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dataElementId } from '../cli/src/view/data-element';
import { renderReport } from '../cli/src/view/report';
import { median } from './stats';
import { bigTraceId, sampleViewData } from '../testing/view-data';

export interface ViewerFigures {
  spans: number;
  reportBytes: number;
  jsonBytes: number;
  renderMs: number;
  stringifyMs: number;
  /** Navigation start to the list's rows in the page. */
  listMs: number;
  /** Hash change to the 10,000-span waterfall's rows in the page. */
  bigTraceMs: number;
  /** JSON.parse of the report's data, in the page. */
  parseMs: number;
  /** The mean frame while the 10,000-span waterfall scrolls a screenful a frame. */
  scrollFrameMs: number;
  /** The mean frame of the same page left still: the display's own rate, the reference. */
  stillFrameMs: number;
}

// What the timed page code uses of the browser (the bench compiles with Node's types only).
interface Browser {
  location: { hash: string };
  document: {
    querySelector(selector: string): unknown;
    getElementById(id: string): { textContent: string | null } | null;
  };
}

/**
 * In the page: the mean frame over `frames` animation frames, scrolling `selector` by `step`
 * pixels a frame (0: still). Page code as text: tsx would wrap a named inner function in a
 * helper the page does not have.
 */
async function frameMs(page: Page, selector: string, step: number, frames: number): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const box = document.querySelector(${JSON.stringify(selector)});
    let first = 0;
    let count = 0;
    const tick = (now) => {
      if (count === 0) first = now;
      if (count === ${frames}) return resolve((now - first) / ${frames});
      count++;
      box.scrollTop += ${step};
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`);
}

/** Debian's headless Chromium with a profile under `dir`, as the benches open reports in. */
export function launchChromium(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
}

/**
 * Navigation start to the trace list's first row, in the page (ms). From a blank page: going
 * from the report's own `#/trace/…` to `#/traces` is a hash change in the same document, whose
 * clock still runs from the first load (every run after the first measured all the runs before).
 */
export async function firstRowMs(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(`${url}#/traces`);
  await page.waitForSelector('.trace-row');
  return page.evaluate(() => performance.now());
}

export async function viewerReport(runs: number): Promise<ViewerFigures> {
  const data = sampleViewData(5_000);
  const renderTimes: number[] = [];
  const stringifyTimes: number[] = [];
  let html = '';
  let json = '';
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    json = JSON.stringify(data);
    stringifyTimes.push(performance.now() - start);
    start = performance.now();
    html = renderReport(data);
    renderTimes.push(performance.now() - start);
  }

  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-bench-viewer-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const context = await launchChromium(dir);
  const list: number[] = [];
  const big: number[] = [];
  const parse: number[] = [];
  const scroll: number[] = [];
  const still: number[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    for (let i = 0; i < runs; i++) {
      list.push(await firstRowMs(page, pathToFileURL(file).href));
      big.push(
        await page.evaluate(async (id) => {
          const { location, document } = globalThis as unknown as Browser;
          const start = performance.now();
          location.hash = `#/trace/${id}/waterfall`;
          while (!document.querySelector('.wf-row')) await new Promise((resolve) => setTimeout(resolve, 1));
          return performance.now() - start;
        }, bigTraceId),
      );
      // 26 px rows: about a screenful of the 10,000 a frame, each frame a new slice of rows.
      still.push(await frameMs(page, '.wf-rows', 0, 120));
      scroll.push(await frameMs(page, '.wf-rows', 780, 120));
      parse.push(
        await page.evaluate((id) => {
          const { document } = globalThis as unknown as Browser;
          const text = document.getElementById(id)!.textContent!;
          const start = performance.now();
          JSON.parse(text);
          return performance.now() - start;
        }, dataElementId),
      );
    }
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    spans: Object.values(data.details).reduce((n, d) => n + d.spans.length, 0),
    reportBytes: Buffer.byteLength(html),
    jsonBytes: Buffer.byteLength(json),
    renderMs: median(renderTimes),
    stringifyMs: median(stringifyTimes),
    listMs: median(list),
    bigTraceMs: median(big),
    parseMs: median(parse),
    scrollFrameMs: median(scroll),
    stillFrameMs: median(still),
  };
}
