// What every consumer of the span stream (the tail sampler, the archive) needs of a batch the
// event source mapping hands it: which shard a record is from, and where a batch starts and ends.

/** A batch's records of one shard: the first and last sequence numbers. */
export interface ShardRange {
  first: string;
  last: string;
}

/** The shard of a record id (Lambda's eventID, `shardId:sequenceNumber`) or of a piece key (`recordId#k`). */
export function shardOf(key: string): string {
  const at = key.lastIndexOf(':');
  return at < 0 ? '' : key.slice(0, at);
}

/** Sequence numbers are decimal strings of up to 128 digits: compared as numbers, without BigInt. */
export const compareSequence = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Per shard, the first and last sequence numbers of these records. */
export function rangesOf(
  records: ReadonlyArray<{ recordId: string; sequenceNumber: string }>,
): Map<string, ShardRange> {
  const ranges = new Map<string, ShardRange>();
  for (const { recordId, sequenceNumber } of records) {
    const shard = shardOf(recordId);
    const range = ranges.get(shard);
    if (!range) ranges.set(shard, { first: sequenceNumber, last: sequenceNumber });
    else if (compareSequence(sequenceNumber, range.first) < 0) range.first = sequenceNumber;
    else if (compareSequence(sequenceNumber, range.last) > 0) range.last = sequenceNumber;
  }
  return ranges;
}
