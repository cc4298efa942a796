import { analyze, type Analysis, type AnalyzeOptions } from './analyze';
import type { Filters } from './analysis/filters';
import { tracesInFull } from './analysis/report-detail';
import { exampleIds, ReportIndexer } from './analysis/report-index';
import type { TraceDetail, ViewData } from './model';
import type { ReadCounts } from './read/span-store';
import type { Source } from './sources/source';

/** What a read could not use, as the report and the notes show it. */
export function skippedOf(counts: ReadCounts): ViewData['skipped'] {
  return {
    records: counts.skippedRecords,
    spans: counts.skippedSpans,
    ...(counts.firstReason !== undefined ? { firstReason: counts.firstReason } : {}),
    ...(counts.firstOrigin !== undefined ? { firstOrigin: counts.firstOrigin } : {}),
  };
}

/**
 * What a report is read from: every trace that passes the filters (summarised, aggregated and
 * fed to the report's index), then the chosen ones in full. Record sources and the span table
 * each say how; `reportData` builds the same report from either.
 */
export interface ReportReader {
  /** For the page's header. */
  description: string;
  analyze(options: Pick<AnalyzeOptions, 'each' | 'mapCounted'>): Promise<Analysis>;
  /** The traces `ids` names, in full. */
  details(ids: ReadonlySet<string>): Promise<Map<string, TraceDetail>>;
}

/** The read's own options a report passes on: progress, and `--bucket` for the stats' timeline. */
export type ReadOptions = Pick<AnalyzeOptions, 'progress' | 'bucketMs'>;

/** A record source as a report's reader: two reads, so memory holds full spans only for the traces chosen. */
export function sourceReader(source: Source, filters: Filters, read: ReadOptions = {}): ReportReader {
  return {
    description: source.description,
    analyze: (options) => analyze(source, { filters, ...options, ...read }),
    details: async (ids) => (await analyze(source, { filters, detail: (id) => ids.has(id) })).details,
  };
}

/**
 * What one HTML report shows: the newest `limit` traces that pass the filters, those that
 * need it in full (failed, slow, sampled, the stats' examples: report-detail.ts) and the others
 * as summaries, with the index from aggregates to examples. `stats` and `map` count every
 * trace that passes the filters, listed or not.
 */
export async function reportData(reader: ReportReader, limit: number): Promise<ViewData> {
  const indexer = new ReportIndexer();
  const first = await reader.analyze({ each: (view) => indexer.trace(view), mapCounted: indexer.mapCounted });
  const shown = first.traces.slice(0, limit);
  const examples = indexer.examples(shown, first.stats);
  const ids = tracesInFull(shown, exampleIds(examples));
  const details = await reader.details(ids);
  const { counts } = first;
  return {
    generatedAt: new Date().toISOString(),
    source: reader.description,
    traces: shown,
    details: Object.fromEntries([...details].filter(([id]) => ids.has(id))),
    stats: first.stats,
    map: first.map,
    skipped: skippedOf(counts),
    duplicates: counts.duplicates,
    index: indexer.index(shown, first.map, examples, ids),
  };
}

/** A record source's report. */
export const viewData = (source: Source, filters: Filters, limit: number, read: ReadOptions = {}): Promise<ViewData> =>
  reportData(sourceReader(source, filters, read), limit);
