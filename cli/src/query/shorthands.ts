// The command's older flags as the query they stand for: together they are one spanset, so
// `--service inventory --name UpdateItem --min-duration 500ms` asks for one span with all three.

export interface Shorthands {
  service?: string;
  /** A span whose name contains this. */
  name?: string;
  minDurationMs?: number;
  errors?: boolean;
  cold?: boolean;
  /** `--attr key=value`: the span's attribute, else its resource's. */
  attr?: { key: string; value: string };
}

const quoted = (text: string): string => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const regexEscaped = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);

/** The spanset the flags stand for, as query text; undefined when no flag is given. */
export function shorthandQuery(flags: Shorthands): string | undefined {
  const conditions = [
    ...(flags.service !== undefined ? [`resource.service.name = ${quoted(flags.service)}`] : []),
    ...(flags.name !== undefined ? [`name =~ ${quoted(`.*${regexEscaped(flags.name)}.*`)}`] : []),
    ...(flags.minDurationMs !== undefined ? [`duration >= ${flags.minDurationMs}ms`] : []),
    ...(flags.errors ? ['status = error'] : []),
    ...(flags.cold ? ['span.faas.coldstart = true'] : []),
    ...(flags.attr ? [`.${flags.attr.key} = ${quoted(flags.attr.value)}`] : []),
  ];
  return conditions.length > 0 ? `{ ${conditions.join(' && ')} }` : undefined;
}
