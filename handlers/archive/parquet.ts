import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { splitTopLevel } from '../../span-table/hive-type';
import { SPAN_COLUMNS, type SpanRow } from '../../span-table/rows';

// The span table's rows as one Parquet file, in the layout DuckDB's COPY writes and Athena's
// Parquet reader takes: standard 3-level lists (`list`/`element`), maps as `key_value` with a
// required key, every column optional, Snappy pages. The schema comes from the Glue types in
// SPAN_COLUMNS, so the file and the table cannot drift apart.

type SchemaElement = NonNullable<Parameters<typeof parquetWrite>[0]['schema']>[number];

type HiveType =
  | { kind: 'string' | 'bigint' | 'timestamp' }
  | { kind: 'map'; value: HiveType }
  | { kind: 'array'; element: HiveType }
  | { kind: 'struct'; fields: Array<[string, HiveType]> };

function parseHive(type: string): HiveType {
  if (type === 'string' || type === 'bigint' || type === 'timestamp') return { kind: type };
  const generic = /^(map|array|struct)<(.*)>$/.exec(type);
  if (!generic) throw new Error(`no Parquet type for the Glue type ${type}`);
  const [, kind, inner] = generic as unknown as [string, 'map' | 'array' | 'struct', string];
  if (kind === 'array') return { kind, element: parseHive(inner) };
  if (kind === 'map') {
    const [key, value] = splitTopLevel(inner);
    if (key !== 'string' || value === undefined) throw new Error(`only string-keyed maps: ${type}`);
    return { kind, value: parseHive(value) };
  }
  return {
    kind,
    fields: splitTopLevel(inner).map((field) => {
      const colon = field.indexOf(':');
      return [field.slice(0, colon), parseHive(field.slice(colon + 1))] as [string, HiveType];
    }),
  };
}

// As Athena's `timestamp` and DuckDB's TIMESTAMP_NS: local (not UTC-adjusted), nine digits kept.
const TIMESTAMP_NANOS = { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' } as const;

function schemaOf(name: string, type: HiveType, repetition: 'OPTIONAL' | 'REQUIRED' = 'OPTIONAL'): SchemaElement[] {
  switch (type.kind) {
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition }];
    case 'bigint':
      return [{ name, type: 'INT64', repetition_type: repetition }];
    case 'timestamp':
      return [{ name, type: 'INT64', logical_type: TIMESTAMP_NANOS, repetition_type: repetition }];
    case 'map':
      return [
        { name, converted_type: 'MAP', repetition_type: repetition, num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        ...schemaOf('key', { kind: 'string' }, 'REQUIRED'),
        ...schemaOf('value', type.value),
      ];
    case 'array':
      return [
        { name, converted_type: 'LIST', repetition_type: repetition, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...schemaOf('element', type.element),
      ];
    case 'struct':
      return [
        { name, repetition_type: repetition, num_children: type.fields.length },
        ...type.fields.flatMap(([field, fieldType]) => schemaOf(field, fieldType)),
      ];
  }
}

/** ISO 8601 UTC with up to nine fraction digits (as the rows carry times) as nanoseconds since the epoch. */
export function isoToNanos(iso: string): bigint {
  const dot = iso.indexOf('.', 19);
  const seconds = BigInt(Date.parse(`${iso.slice(0, 19)}Z`) / 1000);
  const fraction = dot === -1 ? '' : iso.slice(dot + 1, iso.length - 1);
  return seconds * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/** A row's value as the writer takes it: times and bigints as BigInt, the rest as they are. */
function writerValue(type: HiveType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'string':
      return value;
    case 'bigint':
      return BigInt(value as number);
    case 'timestamp':
      return isoToNanos(value as string);
    case 'map':
      return value;
    case 'array':
      return (value as unknown[]).map((e) => writerValue(type.element, e));
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [field, fieldType] of type.fields)
        out[field] = writerValue(fieldType, (value as Record<string, unknown>)[field]);
      return out;
    }
  }
}

const COLUMNS = SPAN_COLUMNS.map(([name, hive]) => ({ name, type: parseHive(hive) }));
const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: COLUMNS.length },
  ...COLUMNS.flatMap(({ name, type }) => schemaOf(name, type)),
];

/** The rows as one Parquet file (the partition column is the object's folder, not a column). */
export function spanTableParquet(rows: readonly SpanRow[]): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: SCHEMA,
    columnData: COLUMNS.map(({ name, type }) => ({
      name,
      data: rows.map((row) => writerValue(type, row[name])),
    })),
    createdBy: 'hoptrace archive',
    // One row group a file: a batch's partition is at most a few MB.
    rowGroupSize: Math.max(1, rows.length),
  });
  return new Uint8Array(writer.getBuffer());
}
