// Writes docs/dashboards/{on-call,debug}.{json,svg,png}: the dashboards' bodies for the example
// SLOs, a picture of each layout, and that picture rasterised by headless Chromium for
// docs/operations/dashboards.md. A test fails when the JSON or the SVG is stale.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { dashboardDocuments, DOCS_DIR } from '../infra/observability/dashboard-docs';

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  const page = await browser.newPage();
  for (const doc of dashboardDocuments()) {
    writeFileSync(new URL(`${doc.name}.json`, DOCS_DIR), doc.json);
    writeFileSync(new URL(`${doc.name}.svg`, DOCS_DIR), doc.svg);
    await page.setContent(`<!doctype html><body style="margin:0">${doc.svg}</body>`);
    await page.locator('svg').screenshot({ path: new URL(`${doc.name}.png`, DOCS_DIR).pathname });
  }
} finally {
  await browser.close();
}
