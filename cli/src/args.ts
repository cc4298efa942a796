import { parseArgs } from 'node:util';
import type { Filters, TimeWindow } from './analysis/filters';
import { CliError } from './errors';
import { compile } from './query/evaluate';
import { parseQuery, QuerySyntaxError } from './query/parse';
import { shorthandQuery, type Shorthands } from './query/shorthands';

const USAGE = `usage: hoptrace <command> [source] [filters] [--json]

commands:
  traces               recent traces, newest first (--limit N, default 20)
  trace <id>           one trace as a waterfall, critical path marked
  stats [--bucket 1m]  per operation count, errors, p50/p95/p99, histogram and timeline; per function cold starts and init
  map                  the service map: sync calls and async hops between services
  view [--out FILE]    one self-contained HTML report (default hoptrace-report.html; --limit N traces, default 5000)

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
      .<attr> (span, then resource), with = != > >= < <= =~ !~ (regular expressions match
      the whole value), && || and parentheses; a trace matches a spanset when one of its
      spans satisfies all of it
  --service S  --name TEXT  --min-duration 250ms  --errors  --cold  --attr key=value
      shorthands for one spanset: one span has all that is given
`;

export type Command = 'traces' | 'trace' | 'stats' | 'map' | 'view';

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
  if (Number.isNaN(ms)) throw new CliError(`${flag} ${text}: expected a duration ago (15m, 2h, 7d) or an ISO 8601 time (2026-12-01T10:00:00Z)`, 2);
  return ms * 1000;
}

function windowOf(since: string | undefined, until: string | undefined, nowMs: number): TimeWindow | undefined {
  if (since === undefined && until === undefined) return undefined;
  const window: TimeWindow = {
    ...(since !== undefined ? { fromUs: parseTime(since, '--since', nowMs) } : {}),
    ...(until !== undefined ? { toUs: parseTime(until, '--until', nowMs) } : {}),
  };
  if (window.fromUs !== undefined && window.toUs !== undefined && window.fromUs >= window.toUs) throw new CliError(`--since ${since} is not before --until ${until}`, 2);
  return window;
}

function parsed(text: string, flag: string): ReturnType<typeof parseQuery> {
  try {
    return parseQuery(text);
  } catch (error) {
    if (!(error instanceof QuerySyntaxError)) throw error;
    throw new CliError(`${flag} does not parse at column ${error.column}: ${error.reason}\n  ${text}\n  ${' '.repeat(error.column - 1)}^`, 2);
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

export function parseCommandLine(argv: string[], nowMs = Date.now()): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
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
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) throw new CliError(USAGE, values.help ? 0 : 2);
  if (!['traces', 'trace', 'stats', 'map', 'view'].includes(command)) throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  if (command === 'trace' && rest.length !== 1) throw new CliError('usage: hoptrace trace <trace id> [source]', 2);
  if (command !== 'trace' && rest.length > 0) throw new CliError(`unexpected argument "${rest[0]}"\n\n${USAGE}`, 2);
  const files = values.file ?? [];
  const dirs = values.dir ?? [];
  const sources = [values.stream !== undefined, files.length + dirs.length > 0, values.archive !== undefined, values.athena === true].filter(Boolean).length;
  if (sources !== 1) throw new CliError(`give one source: --stream NAME, --file/--dir PATH, --archive PATH or --athena\n\n${USAGE}`, 2);
  const { workgroup, database } = values;
  if (values.athena && (workgroup === undefined || database === undefined)) throw new CliError('--athena needs --workgroup W and --database D (the span archive\'s workgroup and Glue database)', 2);
  if (!values.athena && (workgroup !== undefined || database !== undefined)) throw new CliError('--workgroup and --database go with --athena', 2);
  let attr: Shorthands['attr'];
  if (values.attr !== undefined) {
    const eq = values.attr.indexOf('=');
    if (eq <= 0) throw new CliError(`--attr ${values.attr}: expected key=value`, 2);
    attr = { key: values.attr.slice(0, eq), value: values.attr.slice(eq + 1) };
  }
  const shorthands: Shorthands = {
    ...(values.service !== undefined ? { service: values.service } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values['min-duration'] !== undefined ? { minDurationMs: parseDuration(values['min-duration'], '--min-duration') } : {}),
    ...(values.errors ? { errors: true } : {}),
    ...(values.cold ? { cold: true } : {}),
    ...(attr ? { attr } : {}),
  };
  const query = queryOf(shorthands, values.query);
  const window = windowOf(values.since, values.until, nowMs);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit ${values.limit}: expected a whole number of at least 1`, 2);
  }
  let traceId: string | undefined;
  if (command === 'trace') {
    traceId = rest[0]!.toLowerCase();
    if (!/^(?!0{32})[0-9a-f]{32}$/.test(traceId)) throw new CliError(`"${rest[0]}" is not a trace id (32 hex digits, not all zeros)`, 2);
  }
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
    json: values.json ?? false,
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}
