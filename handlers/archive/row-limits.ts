import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import type { SpanRow, TextMap } from '../../span-table/rows';

interface Limits {
  /** Characters kept of each text: names, attribute keys and values. */
  chars: number;
  /** Attributes kept per map, events and links kept per span. */
  entries: number;
}

// As OpenTelemetry's attribute limits (value length, attribute, event and link counts), tried
// from the mildest: the first that makes the row fit is used. The last fits any budget of a
// kilobyte or more, so every span gets a row.
const LEVELS: readonly Limits[] = [
  { chars: 8192, entries: 128 },
  { chars: 1024, entries: 64 },
  { chars: 128, entries: 16 },
  { chars: 16, entries: 0 },
];

/** A row as the answer carries it: one JSON document a line. */
export interface RowLine {
  row: SpanRow;
  /** The row's JSON line, newline included. */
  line: string;
}

const lineOf = (row: SpanRow): RowLine => ({ row, line: `${JSON.stringify(row)}\n` });

// UTF-8 takes at most 3 bytes per UTF-16 unit: most rows are known to fit without counting.
const fits = (line: string, maxBytes: number): boolean =>
  line.length * 3 <= maxBytes || Buffer.byteLength(line) <= maxBytes;

class Cutter {
  cutValues = 0;
  droppedAttributes = 0;

  constructor(readonly limits: Limits) {}

  text(value: string): string {
    if (value.length <= this.limits.chars) return value;
    this.cutValues++;
    const cut = value.slice(0, this.limits.chars);
    // Half a surrogate pair is not text.
    return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
  }

  map(map: TextMap): TextMap {
    const out = Object.create(null) as TextMap;
    const keys = Object.keys(map);
    this.droppedAttributes += Math.max(0, keys.length - this.limits.entries);
    for (const key of keys.slice(0, this.limits.entries)) out[this.text(key)] = this.text(map[key]!);
    return out;
  }
}

function applyLimits(row: SpanRow, limits: Limits): SpanRow {
  const cut = new Cutter(limits);
  const events = row.events
    .slice(0, limits.entries)
    .map((e) => ({ time: e.time, name: cut.text(e.name), attributes: cut.map(e.attributes) }));
  const links = row.links
    .slice(0, limits.entries)
    .map((l) => ({ ...l, trace_state: cut.text(l.trace_state), attributes: cut.map(l.attributes) }));
  const capped: SpanRow = {
    ...row,
    trace_state: cut.text(row.trace_state),
    span_name: cut.text(row.span_name),
    service_name: cut.text(row.service_name),
    resource_attributes: cut.map(row.resource_attributes),
    scope_name: cut.text(row.scope_name),
    scope_version: cut.text(row.scope_version),
    span_attributes: cut.map(row.span_attributes),
    status_message: cut.text(row.status_message),
    events,
    links,
  };
  capped.span_attributes[HoptraceAttribute.Truncated] =
    `texts cut at ${limits.chars} characters: ${cut.cutValues}; dropped: ${cut.droppedAttributes} attributes, ` +
    `${row.events.length - events.length} events, ${row.links.length - links.length} links`;
  return capped;
}

/**
 * The row's line within `maxBytes`: the row unchanged when it fits, else cut with the
 * mildest limits that make it fit, and marked with `hoptrace.truncated`.
 */
export function capRow(row: SpanRow, maxBytes: number): RowLine {
  let out = lineOf(row);
  for (const limits of LEVELS) {
    if (fits(out.line, maxBytes)) break;
    out = lineOf(applyLimits(row, limits));
  }
  return out;
}
