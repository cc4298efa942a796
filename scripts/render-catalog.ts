// Writes infra/span-table.json (the Glue table and the Athena named queries) from the
// definitions the transformation and the local engine use. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { catalogResources } from '../span-table/catalog';

writeFileSync(new URL('../infra/span-table.json', import.meta.url), `${JSON.stringify(catalogResources(), null, 2)}\n`);
