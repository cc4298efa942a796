import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats, TraceSummary } from '../../cli/src/model';
import { createStream, startKinesalite, type LocalKinesis } from '../../testing/kinesis';
import { writeBothWays } from '../unit/cli/archive-fixture';
import { hoptraceJson as json } from '../unit/cli/run-cli';

// `--query` on the stream source: the archive fixture's ingest records put into a stream
// (kinesalite) and read back by the command in the test's process, with the answers known in
// advance (the same ones test/unit/cli/query.test.ts expects from files and the archive).

const STREAM = 'query-fixture';
let dir: string;
let kinesis: LocalKinesis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-stream-query-'));
  const records = join(dir, 'records');
  await writeBothWays(records, join(dir, 'span-table'));
  kinesis = await startKinesalite();
  await createStream(kinesis.client, STREAM, 2);
  await kinesis.client.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: readdirSync(records).map((file, i) => ({
        PartitionKey: String(i),
        Data: readFileSync(join(records, file)),
      })),
    }),
  );
});

afterAll(async () => {
  await kinesis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fromStream = (): string[] => ['--stream', STREAM, '--endpoint', kinesis.endpoint];
const gets = Array.from({ length: 23 }, (_, i) => 10 + i);

describe('--query on the stream', () => {
  it.each([
    ['{ resource.service.name = "inventory" && status = error }', [1]],
    // Regular expressions match the whole value: GET /stock and the GET /x calls, not GET stock.
    ['{ name =~ "GET /.*" && kind = server }', [1, ...gets]],
    ['{ name =~ "GET" }', []],
    ['{ status = error && name !~ "GET.*" }', [1, 41]],
    ['{ resource.service.name = "inventory" && name = "query" && duration >= 38ms }', []],
    ['{ resource.service.name = "inventory" } && { name = "query" } && { duration >= 38ms }', [1]],
    ['{ kind = consumer } || { duration > 800ms }', [1, 2, 40]],
    ['{ span.http.response.status_code = 429 && status = error }', [41]],
  ])('traces --query %s', async (query, expected) => {
    const rows = (await json('traces', '--limit', '1000', '--query', query, ...fromStream())) as TraceSummary[];
    expect(rows.map((t) => parseInt(t.traceId, 16)).sort((a, b) => a - b)).toEqual(expected);
  });

  it('stats counts the traces the query selects', async () => {
    const stats = (await json('stats', '--query', '{ kind = consumer }', ...fromStream())) as Stats;
    expect(stats.traces.count).toBe(2);
  });
});
