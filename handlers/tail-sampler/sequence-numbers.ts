// Kinesis sequence numbers are decimal strings of up to 128 digits, rising within a shard.

/** Padded, they sort as numbers (DynamoDB sort keys). */
export const sortable = (sequenceNumber: string): string => sequenceNumber.padStart(128, '0');

export const compareSequence = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** The shard of a record id (Lambda's eventID, `shardId:sequenceNumber`) or of a piece key (`recordId#k`). */
export function shardOf(key: string): string {
  const at = key.lastIndexOf(':');
  return at < 0 ? '' : key.slice(0, at);
}
