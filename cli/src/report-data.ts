import { analyze, type AnalyzeOptions } from './analyze';
import type { Filters } from './analysis/filters';
import { tracesInFull } from './analysis/report-detail';
import { exampleIds, ReportIndexer } from './analysis/report-index';
import type { ViewData } from './model';
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
 * What one HTML report shows: the newest `limit` traces that pass the filters, those that
 * need it in full (failed, slow, sampled, the stats' examples: report-detail.ts) and the others
 * as summaries, with the index from aggregates to examples. Two reads of the source (the first
 * picks the traces, the second keeps their details), so memory holds full spans only for those.
 */
export async function viewData(source: Source, filters: Filters, limit: number, progress?: AnalyzeOptions['progress']): Promise<ViewData> {
  const indexer = new ReportIndexer();
  const first = await analyze(source, { filters, each: (view) => indexer.trace(view), mapCounted: indexer.mapCounted, ...(progress ? { progress } : {}) });
  const shown = first.traces.slice(0, limit);
  const examples = indexer.examples(shown, first.stats);
  const ids = tracesInFull(shown, exampleIds(examples));
  const second = await analyze(source, { filters, detail: (id) => ids.has(id) });
  const { counts } = first;
  return {
    generatedAt: new Date().toISOString(),
    source: source.description,
    traces: shown,
    details: Object.fromEntries([...second.details].filter(([id]) => ids.has(id))),
    stats: first.stats,
    map: first.map,
    skipped: skippedOf(counts),
    duplicates: counts.duplicates,
    index: indexer.index(shown, first.map, examples, ids),
  };
}
