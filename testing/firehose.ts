import type { PartitionedRows } from '../cli/src/archive/duckdb-table';
import type { FirehoseTransformationEvent, TransformedRecord } from '../handlers/archive/transform';
import type { SpanRow } from '../span-table/rows';
import type { StoredRecord } from './kinesis';

// Firehose's side of the archive's transformation, as the demo and the bench stand in for it:
// the stream's records handed over in batches, and the rows of what it answers `Ok`.

// As the deployed Firehose processor buffers (infra/archive.yml): about half a megabyte of
// records per invocation of the transformation.
const BATCH_BYTES = 512 * 1024;

/** The transformation's invocations for `records`, grouped as Firehose batches them. */
export function firehoseEvents(records: readonly StoredRecord[]): FirehoseTransformationEvent[] {
  const batches: StoredRecord[][] = [[]];
  let bytes = 0;
  for (const record of records) {
    if (bytes + record.data.length > BATCH_BYTES && batches.at(-1)!.length > 0) {
      batches.push([]);
      bytes = 0;
    }
    batches.at(-1)!.push(record);
    bytes += record.data.length;
  }
  return batches.map((batch) => ({
    records: batch.map((r, i) => ({ recordId: String(i), data: r.data.toString('base64') })),
  }));
}

/** The rows of the records answered `Ok`, each set in the partition the answer names. */
export function answeredRows(answer: readonly TransformedRecord[]): PartitionedRows[] {
  return answer
    .filter((r) => r.result === 'Ok')
    .map((r) => ({
      partition: r.metadata!.partitionKeys.dt!,
      rows: Buffer.from(r.data, 'base64')
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SpanRow),
    }));
}
