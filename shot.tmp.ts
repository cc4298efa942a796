import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { renderReport } from '/work/wt/read-report/cli/src/view/report';
import { reportData } from '/work/wt/read-report/test/helpers/report-traces';
import { sampleViewData } from '/work/wt/read-report/test/helpers/view-data';

async function main() {
const which = process.argv[2] ?? 'real';
const data = which === 'real' ? await reportData() : sampleViewData(500);
writeFileSync('/tmp/rr/report.html', renderReport(data));
const context = await chromium.launchPersistentContext('/tmp/rr/profile', { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], viewport: { width: 1400, height: 900 } });
const page = context.pages()[0] ?? (await context.newPage());
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto('file:///tmp/rr/report.html#/traces');
await page.waitForSelector('.trace-row');
await page.screenshot({ path: `/tmp/rr/${which}-list.png` });
await page.goto('file:///tmp/rr/report.html#/map');
await page.waitForSelector('.map-node');
await page.locator('.map-node').nth(1).click();
await page.screenshot({ path: `/tmp/rr/${which}-map.png`, fullPage: true });
await page.goto('file:///tmp/rr/report.html#/stats');
await page.locator('tr.operation').first().click();
await page.screenshot({ path: `/tmp/rr/${which}-stats.png`, fullPage: true });
await context.close();
}
void main();
