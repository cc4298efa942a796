import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogResources } from '../../../span-table/catalog';
import { duckdbType } from '../../../cli/src/archive/duckdb-table';
import { NAMED_QUERIES, renderQuery } from '../../../span-table/queries';

describe('the span table catalogue', () => {
  it('is what infra/span-table.json holds (run `npm run render:catalog` after changing the table or a query)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../infra/span-table.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(catalogResources());
  });

  it('renders each query for each engine, differing only in percentiles and map lookups', () => {
    for (const query of NAMED_QUERIES) {
      const athena = renderQuery(query, 'athena', 't');
      const duckdb = renderQuery(query, 'duckdb', 't');
      expect(athena).not.toMatch(/quantile_disc|\['/);
      expect(duckdb).not.toMatch(/approx_percentile|element_at/);
      expect(athena.split('?').length).toBe(query.parameters.length + 1);
      expect(duckdb.split('?').length).toBe(query.parameters.length + 1);
    }
  });

  it('spells the Glue types for DuckDB', () => {
    expect(duckdbType('string')).toBe('VARCHAR');
    expect(duckdbType('map<string,string>')).toBe('MAP(VARCHAR, VARCHAR)');
    expect(duckdbType('array<struct<time:timestamp,name:string,attributes:map<string,string>>>')).toBe(
      'STRUCT("time" TIMESTAMP_NS, "name" VARCHAR, "attributes" MAP(VARCHAR, VARCHAR))[]',
    );
  });
});
