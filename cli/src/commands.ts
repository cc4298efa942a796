import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TABLE_NAME } from '../../handlers/archive/catalog';
import { analyze } from './analyze';
import { archiveMap, archiveStats, archiveTrace, archiveTraces, archiveViewData, type ArchiveEngine } from './archive/archive-read';
import { TRACE_WINDOW_DAYS, traceScope, type Scope } from './archive/archive-sql';
import { athenaArchive } from './archive/athena';
import { LOCAL_TABLE, localArchive } from './archive/local-archive';
import { hasFilters, type TimeWindow } from './analysis/filters';
import { parseCommandLine, type CommandLine, type SourceArgs } from './args';
import { CliError } from './errors';
import type { ViewData } from './model';
import { renderMap, renderStats, renderTraces } from './render/tables';
import { renderWaterfall } from './render/waterfall';
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

type Print = (json: unknown, text: () => string) => void;

/** Past this a report is too big to mail or attach to an incident, as the README says it can be. */
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

/** The commands on the span table: the engine answers, Node only shapes the rows. */
async function executeOnArchive(line: CommandLine, engine: ArchiveEngine, scope: Scope, print: Print, io: Output): Promise<void> {
  switch (line.command) {
    case 'view':
      return writeView(line, await archiveViewData(engine, scope, line.limit ?? DEFAULT_LIMIT.view), io, print);
    case 'traces': {
      const rows = await archiveTraces(engine, scope, line.limit ?? DEFAULT_LIMIT.traces);
      print(rows, () => renderTraces(rows));
      return;
    }
    case 'trace': {
      const detail = await archiveTrace(engine, scope, line.traceId!);
      if (!detail) {
        const window = traceScope(scope).sinceDay !== scope.sinceDay ? ` in the last ${TRACE_WINDOW_DAYS} days (a read by id opens only those; --since reads further back)` : '';
        throw new CliError(`trace ${line.traceId} not found in ${engine.description}${window}${hasFilters(line.filters) ? ' among the traces that pass the filters' : ''}`);
      }
      print(detail, () => renderWaterfall(detail));
      return;
    }
    case 'stats': {
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

/** The UTC day (`YYYY-MM-DD`, a partition of the span table) of a time in epoch microseconds. */
const dayOf = (us: number): string => new Date(us / 1000).toISOString().slice(0, 10);

async function execute(line: CommandLine, source: Source, io: Output, print: Print): Promise<void> {
  if (line.command === 'view') return writeView(line, await viewData(source, line.filters, line.limit ?? DEFAULT_LIMIT.view), io, print);
  const traceId = line.traceId;
  const analysis = await analyze(source, {
    filters: line.filters,
    ...(traceId ? { detail: (id: string) => id === traceId } : {}),
    ...(line.bucketMs !== undefined ? { bucketMs: line.bucketMs } : {}),
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
      if (!detail) throw new CliError(`trace ${traceId} not found in ${source.description} (${analysis.traces.length} trace(s) read${hasFilters(line.filters) ? ' that pass the filters' : ''})`);
      print(detail, () => renderWaterfall(detail));
      return;
    }
    case 'stats':
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
  if (archive === undefined && athena === undefined) return execute(line, await openSource(line.source, window), io, print);
  const engine = athena ? athenaArchive({ ...athena, ...(endpoint !== undefined ? { endpoint } : {}), ...(region !== undefined ? { region } : {}) }) : await localArchive(archive!);
  const scope: Scope = { dialect: athena ? 'athena' : 'duckdb', table: athena ? TABLE_NAME : LOCAL_TABLE, filters: line.filters,
    ...(line.bucketMs !== undefined ? { bucketMs: line.bucketMs } : {}),
    ...(window?.fromUs !== undefined ? { sinceDay: dayOf(window.fromUs) } : {}),
    // The window's end is exclusive: a window ending at midnight does not open that day.
    ...(window?.toUs !== undefined ? { untilDay: dayOf(window.toUs - 1) } : {}),
  };
  try {
    await executeOnArchive(line, engine, scope, print, io);
  } finally {
    engine.close();
  }
}
