import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_DOCS_PATH, renderEnvDocs } from '../../../../scripts/env-docs';

describe('docs/environment-variables.md', () => {
  it("is what the variables' definitions render (run `npm run render:env` after changing a variable)", async () => {
    expect(readFileSync(ENV_DOCS_PATH, 'utf8')).toBe(await renderEnvDocs());
  });

  it('has a section with a stable anchor per component', async () => {
    const headings = (await renderEnvDocs()).match(/^## .+$/gm);
    expect(headings).toEqual(['## Library', '## Ingest', '## Archive', '## Tail sampler', '## Forwarder']);
  });
});
