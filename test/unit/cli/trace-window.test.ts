import { describe, expect, it } from 'vitest';
import {
  sameRootStatement,
  spansOfTracesStatement,
  TRACE_WINDOW_DAYS,
  type Scope,
} from '../../../cli/src/archive/archive-sql';
import { TABLE_NAME } from '../../../span-table/catalog';
import { NAMED_QUERIES, renderQuery } from '../../../span-table/queries';

// A read by trace id on Athena opens a bounded set of day partitions, so that its cost does
// not grow with the retention and the workgroup's bytes-scanned cap never cancels it.

const ID = 'a'.repeat(32);
const athena: Scope = { dialect: 'athena', table: TABLE_NAME, filters: {} };
const today = (): string => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('reads by trace id on Athena', () => {
  it('`hoptrace trace <id> --athena` without --since reads the last days only', () => {
    const { sql, parameters } = spansOfTracesStatement(athena, [ID]);
    expect(sql).toMatch(/WHERE trace_id IN \(\?\) AND .*\bdt >= \?\n/);
    // Today and the days before it: TRACE_WINDOW_DAYS partitions in all.
    expect(parameters).toEqual([ID, daysAgo(TRACE_WINDOW_DAYS - 1)]);
    expect(parameters[1]! <= today()).toBe(true);
  });

  it('--since sets the window', () => {
    expect(spansOfTracesStatement({ ...athena, sinceDay: '2026-01-03' }, [ID]).parameters).toEqual([ID, '2026-01-03']);
  });

  it('`compare <id> --athena` looks for the typical trace in the same days', () => {
    expect(sameRootStatement(athena, ID).parameters).toEqual([daysAgo(TRACE_WINDOW_DAYS - 1), ID]);
    expect(sameRootStatement({ ...athena, sinceDay: '2026-01-03' }, ID).parameters).toEqual(['2026-01-03', ID]);
  });

  it('the local table is read whole: it costs nothing and finds a trace whatever its age', () => {
    expect(spansOfTracesStatement({ dialect: 'duckdb', table: 'otel_traces', filters: {} }, [ID]).parameters).toEqual([
      ID,
    ]);
  });

  it("the named query trace-by-id takes the trace's days", () => {
    const query = NAMED_QUERIES.find((q) => q.name === 'trace-by-id')!;
    expect(renderQuery(query, 'athena', TABLE_NAME)).toMatch(/WHERE trace_id = \? AND dt BETWEEN \? AND \?\n/);
    expect(query.parameters).toHaveLength(3);
  });
});
