// Run in a process of its own by bench/read-side.ts: reads a directory of record files with
// the hoptrace command's `stats` analysis and prints the peak resident memory, in bytes.
import { analyze } from '../cli/src/analyze';
import { fileSource } from '../cli/src/sources/files';

const before = process.memoryUsage().rss;
const analysis = await analyze(await fileSource([], [process.argv[2]!]));
console.log(
  JSON.stringify({
    spans: analysis.counts.spans,
    traces: analysis.stats.traces.count,
    baselineRss: before,
    peakRss: process.resourceUsage().maxRSS * 1024,
  }),
);
