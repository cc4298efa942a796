import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TABLE_NAME } from '../../span-table/catalog';
import { analyze, type Analysis, type AnalyzeOptions } from './analyze';
import {
  archiveMap,
  archiveSameRoot,
  archiveSideTraces,
  archiveStats,
  archiveStatsBy,
  archiveTrace,
  archiveTraces,
  archiveViewData,
  type ArchiveEngine,
} from './archive/archive-read';
import { TRACE_WINDOW_DAYS, traceScope, type Scope } from './archive/archive-sql';
import { athenaArchive } from './archive/athena';
import { LOCAL_TABLE, localArchive } from './archive/local-archive';
import { breakdownOf } from './analysis/breakdown';
import { hasFilters, type TimeWindow } from './analysis/filters';
import { logsQueries } from './analysis/logs-link';
import { focusOn } from './analysis/trace-focus';
import { parseCommandLine, type CommandLine, type SourceArgs } from './args';
import { executeCompare, memorySources } from './compare-command';
import { CliError } from './errors';
import type { Stats, TraceDetail, ViewData } from './model';
import { renderMap, renderStats, renderStatsBy, renderTraces } from './render/tables';
import { renderTraceReading } from './render/waterfall';
import { skippedOf, viewData } from './report-data';
import { fileSource } from './sources/files';
import { streamSource } from './sources/kinesis';
import type { Source } from './sources/source';
import { renderReport } from './view/report';

const DEFAULT_LIMIT = { traces: 20, view: 5000 };

export interface Output {
  /** The command's result (text or JSON). */
  out(text: string): void;
  /** What the user should know about the read (records skipped). */
  note(text: string): void;
}

async function openSource(args: SourceArgs, window: TimeWindow | undefined): Promise<Source> {
  if (args.stream !== undefined) {
    return streamSource({
      stream: args.stream,
      ...(args.endpoint !== undefined ? { endpoint: args.endpoint } : {}),
      ...(args.region !== undefined ? { region: args.region } : {}),
      ...(window?.fromUs !== undefined ? { fromMs: window.fromUs / 1000 } : {}),
      ...(window?.toUs !== undefined ? { untilMs: window.toUs / 1000 } : {}),
    });
  }
  return fileSource(args.files, args.dirs);
}

/** The one line that reports what could not be read, or nothing when all was read. */
export function skippedNote(skipped: ViewData['skipped']): string | undefined {
  const spans = skipped.spans ?? 0;
  if (skipped.records === 0 && spans === 0) return undefined;
  return `skipped ${skipped.records} record(s) and ${spans} span(s) that could not be read; the first${skipped.firstOrigin !== undefined ? ` (${skipped.firstOrigin})` : ''}: ${skipped.firstReason}`;
}

/** Prints a result: as JSON with `--json`, else as the text `text` renders. */
export type Print = (json: unknown, text: () => string) => void;

/** Past this a report is too big to mail or attach to an incident, as docs/read-side/report.md says it can be. */
export const MAILABLE_REPORT_BYTES = 20 * 1024 * 1024;

/** The line that says a report is too big to mail, with what makes it smaller; nothing when it is not. */
export function reportSizeNote(bytes: number, traces: number): string | undefined {
  if (bytes <= MAILABLE_REPORT_BYTES) return undefined;
  return `the report is ${(bytes / 1024 / 1024).toFixed(1)} MB (${traces} traces), past the 20 MB a mail or an incident attachment takes: narrow it with --limit, --since/--until or --query`;
}

async function writeView(line: CommandLine, data: ViewData, io: Output, print: Print): Promise<void> {
  const out = resolve(line.out ?? 'hoptrace-report.html');
  const html = renderReport(data);
  await writeFile(out, html);
  const note = skippedNote(data.skipped);
  if (note) io.note(note);
  const size = reportSizeNote(Buffer.byteLength(html), data.traces.length);
  if (size) io.note(size);
  print({ out, traces: data.traces.length }, () => `wrote ${out} (${data.traces.length} trace(s))`);
}

/** `trace <id>` as printed: the waterfall narrowed by the focus flags, the whole trace's breakdown, its Logs Insights queries. */
function printTrace(line: CommandLine, detail: TraceDetail, print: Print): void {
  const reading = { ...focusOn(detail, line.focus ?? {}), breakdown: breakdownOf(detail), logs: logsQueries(detail) };
  print(reading, () => renderTraceReading(reading));
}

/** `stats --by` as printed: one `Stats` per value. */
function printStatsBy(by: string, groups: { byValue: Map<string, Stats>; without: number }, print: Print): void {
  const json = { by, groups: Object.fromEntries(groups.byValue), without: groups.without };
  print(json, () => renderStatsBy(json));
}

/** The commands on the span table: the engine answers, Node only shapes the rows. */
async function executeOnArchive(
  line: CommandLine,
  engine: ArchiveEngine,
  scope: Scope,
  print: Print,
  io: Output,
): Promise<void> {
  switch (line.command) {
    case 'view':
      return writeView(line, await archiveViewData(engine, scope, line.limit ?? DEFAULT_LIMIT.view), io, print);
    case 'traces': {
      const rows = await archiveTraces(engine, scope, line.limit ?? DEFAULT_LIMIT.traces);
      print(rows, () => renderTraces(rows));
      return;
    }
    case 'trace': {
      const [detail] = (await readFromArchive(engine, scope, line, [line.traceId!])).values();
      printTrace(line, detail!, print);
      return;
    }
    case 'compare':
      return executeCompare(
        line.comparison!,
        {
          read: (ids) => readFromArchive(engine, scope, line, ids),
          sameRoot: (id) => archiveSameRoot(engine, scope, id),
          sides: (by, values) => archiveSideTraces(engine, scope, by, values),
        },
        print,
      );
    case 'stats': {
      if (line.by !== undefined) return printStatsBy(line.by, await archiveStatsBy(engine, scope, line.by), print);
      const stats = await archiveStats(engine, scope);
      print(stats, () => renderStats(stats));
      return;
    }
    case 'map': {
      const map = await archiveMap(engine, scope);
      print(map, () => renderMap(map));
    }
  }
}

/** Traces by id from the span table, each found or a clear error. */
async function readFromArchive(
  engine: ArchiveEngine,
  scope: Scope,
  line: CommandLine,
  ids: readonly string[],
): Promise<Map<string, TraceDetail>> {
  const out = new Map<string, TraceDetail>();
  for (const id of ids) {
    const detail = await archiveTrace(engine, scope, id);
    if (!detail) {
      const window =
        traceScope(scope).sinceDay !== scope.sinceDay
          ? ` in the last ${TRACE_WINDOW_DAYS} days (a read by id opens only those; --since reads further back)`
          : '';
      throw new CliError(
        `trace ${id} not found in ${engine.description}${window}${hasFilters(line.filters) ? ' among the traces that pass the filters' : ''}`,
      );
    }
    out.set(id, detail);
  }
  return out;
}

/** The UTC day (`YYYY-MM-DD`, a partition of the span table) of a time in epoch microseconds. */
const dayOf = (us: number): string => new Date(us / 1000).toISOString().slice(0, 10);

// How long after a trace's first span its last one may start: an invocation lasts up to 15
// minutes, and a queue's wait comes on top. The span table keeps each span in the day it
// started, so a trace begun before midnight has spans in the next day's folder.
const TRACE_SPREAD_US = 20 * 60_000_000;

/**
 * The days of the span table a window reads: those it covers, and a day more where it ends
 * within TRACE_SPREAD of midnight. Before the window, to see that a trace whose later spans are
 * in its first day began the day before (and so is not in the window); after it, to read whole
 * a trace that began in it and went on past midnight.
 */
function archiveDays(window: TimeWindow | undefined): Pick<Scope, 'sinceDay' | 'untilDay'> {
  return {
    ...(window?.fromUs !== undefined ? { sinceDay: dayOf(window.fromUs - TRACE_SPREAD_US) } : {}),
    // The window's end is exclusive: one ending TRACE_SPREAD before midnight does not open the next day.
    ...(window?.toUs !== undefined ? { untilDay: dayOf(window.toUs - 1 + TRACE_SPREAD_US) } : {}),
  };
}

/** What the questions on `--archive` or `--athena` read: the table, the days of the window, the filters. */
export function archiveScope(line: CommandLine): Scope {
  const athena = line.source.athena !== undefined;
  return {
    dialect: athena ? 'athena' : 'duckdb',
    table: athena ? TABLE_NAME : LOCAL_TABLE,
    filters: line.filters,
    ...(line.bucketMs !== undefined ? { bucketMs: line.bucketMs } : {}),
    ...archiveDays(line.filters.window),
  };
}

/** Why a trace asked for by id is not among those read. */
function notFound(id: string, source: Source, line: CommandLine, analysis: Analysis): CliError {
  return new CliError(
    `trace ${id} not found in ${source.description} (${analysis.traces.length} trace(s) read${hasFilters(line.filters) ? ' that pass the filters' : ''})`,
  );
}

/** `compare` on a source read in memory: each question is one read of it. */
function compareInMemory(line: CommandLine, source: Source, io: Output, print: Print): Promise<void> {
  const read = async (options: AnalyzeOptions): Promise<Analysis> => {
    const analysis = await analyze(source, { filters: line.filters, ...options });
    const note = skippedNote(skippedOf(analysis.counts));
    if (note) io.note(note);
    return analysis;
  };
  return executeCompare(
    line.comparison!,
    memorySources(read, (id, analysis) => notFound(id, source, line, analysis)),
    print,
  );
}

async function execute(line: CommandLine, source: Source, io: Output, print: Print): Promise<void> {
  if (line.command === 'view') {
    const read = line.bucketMs !== undefined ? { bucketMs: line.bucketMs } : {};
    return writeView(line, await viewData(source, line.filters, line.limit ?? DEFAULT_LIMIT.view, read), io, print);
  }
  if (line.command === 'compare') return compareInMemory(line, source, io, print);
  const traceId = line.traceId;
  const analysis = await analyze(source, {
    filters: line.filters,
    ...(traceId ? { detail: (id: string) => id === traceId } : {}),
    ...(line.bucketMs !== undefined ? { bucketMs: line.bucketMs } : {}),
    ...(line.by !== undefined ? { by: line.by } : {}),
  });
  const note = skippedNote(skippedOf(analysis.counts));
  if (note) io.note(note);
  switch (line.command) {
    case 'traces': {
      const rows = analysis.traces.slice(0, line.limit ?? DEFAULT_LIMIT.traces);
      print(rows, () => renderTraces(rows));
      return;
    }
    case 'trace': {
      const detail = analysis.details.get(traceId!);
      if (!detail) throw notFound(traceId!, source, line, analysis);
      printTrace(line, detail, print);
      return;
    }
    case 'stats':
      if (analysis.groups && line.by !== undefined) return printStatsBy(line.by, analysis.groups, print);
      print(analysis.stats, () => renderStats(analysis.stats));
      return;
    case 'map':
      print(analysis.map, () => renderMap(analysis.map));
  }
}

/** Runs `hoptrace …` with these arguments (without `node` and the script). */
export async function run(argv: string[], io: Output): Promise<void> {
  const line = parseCommandLine(argv);
  const print: Print = (json, text) => io.out(line.json ? JSON.stringify(json, null, 2) : text());
  const { archive, athena, endpoint, region } = line.source;
  const { window } = line.filters;
  if (archive === undefined && athena === undefined)
    return execute(line, await openSource(line.source, window), io, print);
  const engine = athena
    ? athenaArchive({
        ...athena,
        ...(endpoint !== undefined ? { endpoint } : {}),
        ...(region !== undefined ? { region } : {}),
      })
    : await localArchive(archive!);
  const scope = archiveScope(line);
  try {
    await executeOnArchive(line, engine, scope, print, io);
  } finally {
    engine.close();
  }
}
