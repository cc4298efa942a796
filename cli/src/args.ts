import { parseArgs } from 'node:util';
import type { Filters, TimeWindow } from './analysis/filters';
import type { Focus } from './analysis/trace-focus';
import { CliError } from './errors';
import { compile } from './query/evaluate';
import { parseQuery, QuerySyntaxError } from './query/parse';
import { shorthandQuery, type Shorthands } from './query/shorthands';

const USAGE = `usage: hoptrace <command> [source] [filters] [--json]

commands:
  traces               recent traces, newest first (--limit N, default 20)
  trace <id>           one trace as a waterfall, critical path marked; its time per service and operation
                       (count, total, self: a span's time less its children's); Logs Insights queries and
                       console links for the trace and each invocation
      --critical         only the critical path (and the spans above it)
      --errors           only the failed spans and their ancestors (here not a filter)
      --depth N          the top N levels; the last one says how many spans it hides
  stats [--bucket 1m]  per operation count, errors, p50/p95/p99, histogram, timeline, example traces (slowest,
                       failed); per function cold starts, init and example cold starts
      --by ATTR          every figure split by the attribute's value (a trace is in the group of each value
                         its spans have: the span's attribute, else its resource's)
  compare <a> <b>      two traces: spans matched by service, name and their ancestors' names; spans in one
                       only, and matched spans whose durations differ (b - a, and b / a)
  compare <trace>      the trace against its operation's typical one: of the traces with the same root
                       service and name, the one nearest the median root duration
  compare --by ATTR <a> <b>
                       the traces with ATTR = a against those with ATTR = b (as stats --by splits them): per
                       operation p50/p95/p99 and error rate, b - a; and per side the key=value attributes
                       over-represented in its slow traces (above the p95 of their root operation) and its
                       failed ones: lift = (share among slow or failed) / (share among all the side's traces),
                       listed when above 1 on at least 2 traces, with the counts
  map                  the service map: sync calls and async hops between services
  view [--out FILE]    one self-contained HTML report (default hoptrace-report.html; --limit N traces, default 5000;
                       --bucket 1m: its timeline's step, as stats)

source (one of):
  --stream NAME [--endpoint URL] [--region R]   a Kinesis stream, every shard
  --file PATH, --dir PATH (repeatable)          ingest records (gzipped OTLP JSON) or OTLP JSON,
                                                one request per file or one per line
  --archive PATH                                the span table's Parquet folder (dt=YYYY-MM-DD/…), on DuckDB
  --athena --workgroup W --database D [--region R] [--endpoint URL]
                                                the deployed span table, queried on Athena
time window (every source): a trace is in it when its first span starts in it
  --since 15m|2h|7d|2026-12-01T10:00:00Z   --until (the same forms)
filters (every command):
  --query '{ duration > 500ms && resource.service.name = "inventory" } && { status = error }'
      spansets of conditions on name, status (ok error unset), kind (server client producer
      consumer internal), duration, resource.service.name, span.<attr>, resource.<attr>,
      .<attr> (span, then resource), event:name and event.<attr> (one of the span's events:
      '{ event.exception.message =~ ".*card_declined.*" }'), with = != > >= < <= =~ !~
      (regular expressions match the whole value), && || and parentheses; a trace matches a
      spanset when one of its spans satisfies all of it
  --service S  --name TEXT  --min-duration 250ms  --errors  --cold  --attr key=value
      shorthands for one spanset: one span has all that is given
`;

export type Command = 'traces' | 'trace' | 'stats' | 'map' | 'view' | 'compare';

const COMMANDS: readonly string[] = ['traces', 'trace', 'stats', 'map', 'view', 'compare'];

/** What `compare` compares: two traces, a trace with its operation's typical one, or two values of an attribute. */
export type Comparison = { traces: [string, string] } | { trace: string } | { by: string; values: [string, string] };

export interface SourceArgs {
  stream?: string;
  endpoint?: string;
  region?: string;
  files: string[];
  dirs: string[];
  archive?: string;
  athena?: { workgroup: string; database: string };
}

export interface CommandLine {
  command: Command;
  traceId?: string;
  source: SourceArgs;
  filters: Filters;
  limit?: number;
  /** `--bucket 1m`: the step of `stats`' timeline. */
  bucketMs?: number;
  /** `trace <id> --critical / --errors / --depth N`. */
  focus?: Focus;
  /** `stats --by <attribute>`. */
  by?: string;
  comparison?: Comparison;
  json: boolean;
  out?: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `250ms`, `1.5s`, `10m`, `1h`, `2d` as milliseconds. */
function parseDuration(text: string, flag: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new CliError(`${flag} ${text}: expected a number and a unit (ms, s, m, h, d), e.g. 250ms or 1h`, 2);
  return Number(match[1]) * UNITS[match[2]!]!;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** `--since` / `--until`: a duration ago, or an ISO 8601 time (UTC unless it says otherwise), as epoch microseconds. */
function parseTime(text: string, flag: string, nowMs: number): number {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) return Math.round((nowMs - parseDuration(trimmed, flag)) * 1000);
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) || !trimmed.includes(':') ? trimmed : `${trimmed}Z`;
  const ms = ISO_8601.test(trimmed) ? Date.parse(zoned.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms))
    throw new CliError(
      `${flag} ${text}: expected a duration ago (15m, 2h, 7d) or an ISO 8601 time (2026-12-01T10:00:00Z)`,
      2,
    );
  return ms * 1000;
}

function windowOf(since: string | undefined, until: string | undefined, nowMs: number): TimeWindow | undefined {
  if (since === undefined && until === undefined) return undefined;
  const window: TimeWindow = {
    ...(since !== undefined ? { fromUs: parseTime(since, '--since', nowMs) } : {}),
    ...(until !== undefined ? { toUs: parseTime(until, '--until', nowMs) } : {}),
  };
  if (window.fromUs !== undefined && window.toUs !== undefined && window.fromUs >= window.toUs)
    throw new CliError(`--since ${since} is not before --until ${until}`, 2);
  return window;
}

function parsed(text: string, flag: string): ReturnType<typeof parseQuery> {
  try {
    return parseQuery(text);
  } catch (error) {
    if (!(error instanceof QuerySyntaxError)) throw error;
    const pointer = `  ${text}\n  ${' '.repeat(error.column - 1)}^`;
    throw new CliError(`${flag} does not parse at column ${error.column}: ${error.reason}\n${pointer}`, 2, {
      cause: error,
    });
  }
}

/** The query the command runs: the shorthand flags' spanset and `--query`, both required. */
function queryOf(shorthands: Shorthands, query: string | undefined): Filters['query'] {
  const fromFlags = shorthandQuery(shorthands);
  if (fromFlags !== undefined) parsed(fromFlags, 'the filter flags');
  if (query !== undefined) parsed(query, '--query');
  const text = fromFlags !== undefined && query !== undefined ? `${fromFlags} && (${query})` : (fromFlags ?? query);
  return text === undefined ? undefined : compile(parsed(text, '--query'));
}

function traceIdOf(text: string): string {
  const id = text.toLowerCase();
  if (!/^(?!0{32})[0-9a-f]{32}$/.test(id))
    throw new CliError(`"${text}" is not a trace id (32 hex digits, not all zeros)`, 2);
  return id;
}

function comparisonOf(by: string | undefined, rest: readonly string[]): Comparison {
  if (by !== undefined) {
    const [a, b] = rest as [string, string];
    if (a === b)
      throw new CliError(`compare --by ${by} ${a} ${b}: the two values are the same; give two different values`, 2);
    return { by, values: [a, b] };
  }
  if (rest.length === 1) return { trace: traceIdOf(rest[0]!) };
  const a = traceIdOf(rest[0]!);
  const b = traceIdOf(rest[1]!);
  if (a === b)
    throw new CliError(
      `compare ${rest[0]} ${rest[1]}: the same trace twice; give two traces, or one to compare with its operation's typical trace`,
      2,
    );
  return { traces: [a, b] };
}

/** The arguments as `parseArgs` reads them; what it refuses is a usage error. */
function readArgv(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stream: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        query: { type: 'string' },
        bucket: { type: 'string' },
        file: { type: 'string', multiple: true },
        dir: { type: 'string', multiple: true },
        archive: { type: 'string' },
        athena: { type: 'boolean' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
        service: { type: 'string' },
        name: { type: 'string' },
        'min-duration': { type: 'string' },
        errors: { type: 'boolean' },
        cold: { type: 'boolean' },
        attr: { type: 'string' },
        limit: { type: 'string' },
        by: { type: 'string' },
        critical: { type: 'boolean' },
        depth: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2, { cause: error });
  }
}

export function parseCommandLine(argv: string[], nowMs = Date.now()): CommandLine {
  const { values, positionals } = readArgv(argv);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) throw new CliError(USAGE, values.help ? 0 : 2);
  if (!COMMANDS.includes(command)) throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  if (command === 'trace' && rest.length !== 1) throw new CliError('usage: hoptrace trace <trace id> [source]', 2);
  if (command === 'compare' && (rest.length < 1 || rest.length > 2 || (values.by !== undefined && rest.length !== 2))) {
    throw new CliError(
      'usage: hoptrace compare <trace id> [<trace id>] [source], or hoptrace compare --by <attribute> <value a> <value b> [source]',
      2,
    );
  }
  if (command !== 'trace' && command !== 'compare' && rest.length > 0)
    throw new CliError(`unexpected argument "${rest[0]}"\n\n${USAGE}`, 2);
  if (values.by !== undefined && command !== 'stats' && command !== 'compare')
    throw new CliError('--by goes with stats and compare', 2);
  if (values.by !== undefined && values.by.trim() === '')
    throw new CliError('--by needs an attribute name, e.g. --by faas.version', 2);
  if (values.bucket !== undefined && command !== 'stats' && command !== 'view')
    throw new CliError("--bucket goes with stats and view (the timeline's step)", 2);
  if ((values.critical || values.depth !== undefined) && command !== 'trace')
    throw new CliError('--critical and --depth go with trace <id>', 2);
  let depth: number | undefined;
  if (values.depth !== undefined) {
    depth = Number(values.depth);
    if (!/^\d+$/.test(values.depth) || depth < 1)
      throw new CliError(`--depth ${values.depth}: expected a whole number of levels, at least 1`, 2);
  }
  const files = values.file ?? [];
  const dirs = values.dir ?? [];
  const sources = [
    values.stream !== undefined,
    files.length + dirs.length > 0,
    values.archive !== undefined,
    values.athena === true,
  ].filter(Boolean).length;
  if (sources !== 1)
    throw new CliError(`give one source: --stream NAME, --file/--dir PATH, --archive PATH or --athena\n\n${USAGE}`, 2);
  const { workgroup, database } = values;
  if (values.athena && (workgroup === undefined || database === undefined))
    throw new CliError(
      "--athena needs --workgroup W and --database D (the span archive's workgroup and Glue database)",
      2,
    );
  if (!values.athena && (workgroup !== undefined || database !== undefined))
    throw new CliError('--workgroup and --database go with --athena', 2);
  let attr: Shorthands['attr'];
  if (values.attr !== undefined) {
    const eq = values.attr.indexOf('=');
    if (eq <= 0) throw new CliError(`--attr ${values.attr}: expected key=value`, 2);
    attr = { key: values.attr.slice(0, eq), value: values.attr.slice(eq + 1) };
  }
  const shorthands: Shorthands = {
    ...(values.service !== undefined ? { service: values.service } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values['min-duration'] !== undefined
      ? { minDurationMs: parseDuration(values['min-duration'], '--min-duration') }
      : {}),
    // On `trace <id>`, --errors narrows the waterfall to the failed spans instead.
    ...(values.errors && command !== 'trace' ? { errors: true } : {}),
    ...(values.cold ? { cold: true } : {}),
    ...(attr ? { attr } : {}),
  };
  const query = queryOf(shorthands, values.query);
  const window = windowOf(values.since, values.until, nowMs);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new CliError(`--limit ${values.limit}: expected a whole number of at least 1`, 2);
  }
  const traceId = command === 'trace' ? traceIdOf(rest[0]!) : undefined;
  let comparison: Comparison | undefined;
  if (command === 'compare') comparison = comparisonOf(values.by, rest);
  return {
    command: command as Command,
    ...(traceId ? { traceId } : {}),
    source: {
      ...(values.stream !== undefined ? { stream: values.stream } : {}),
      ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
      files,
      dirs,
      ...(values.archive !== undefined ? { archive: values.archive } : {}),
      ...(values.athena ? { athena: { workgroup: workgroup!, database: database! } } : {}),
    },
    filters: {
      ...(query ? { query } : {}),
      ...(window ? { window } : {}),
    },
    ...(limit !== undefined ? { limit } : {}),
    ...(values.bucket !== undefined ? { bucketMs: parseDuration(values.bucket, '--bucket') } : {}),
    ...(command === 'trace' && (values.critical || values.errors || depth !== undefined)
      ? {
          focus: {
            ...(values.critical ? { critical: true } : {}),
            ...(values.errors ? { errors: true } : {}),
            ...(depth !== undefined ? { depth } : {}),
          },
        }
      : {}),
    ...(command === 'stats' && values.by !== undefined ? { by: values.by } : {}),
    ...(comparison ? { comparison } : {}),
    json: values.json ?? false,
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}
