// Writes docs/environment-variables.md from the variables' definitions. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { ENV_DOCS_PATH, renderEnvDocs } from './env-docs';

writeFileSync(ENV_DOCS_PATH, await renderEnvDocs());
