/** One unit read from a source: a record's or file's bytes, or one line of a line-per-request file. */
export type RawRecord = ({ data: Buffer; line?: undefined } | { line: string; data?: undefined }) & {
  /** Where it came from, for the bad-record line: `file PATH`, `file PATH line N`, `stream record SHARD SEQUENCE`. */
  origin?: string;
};

/** Where spans are read from. `records()` may be called again to read the same data once more. */
export interface Source {
  /** For messages and the report's header, e.g. `stream hoptrace-spans`. */
  readonly description: string;
  records(): AsyncIterable<RawRecord>;
}
