// Run in a process of its own by bench/read-side.ts: `hoptrace stats --archive DIR` (the
// answer computed in DuckDB) and, for reference, `hoptrace stats --dir DIR` on the same spans
// as record files; prints the wall time and the peak resident memory, in bytes.
import { run } from '../cli/src/commands';
import type { Stats } from '../cli/src/model';

const [flag, dir] = process.argv.slice(2) as ['--archive' | '--dir', string];
const before = process.memoryUsage().rss;
const start = performance.now();
let out = '';
await run(['stats', flag, dir, '--json'], { out: (text) => (out += text), note: () => undefined });
const wallMs = performance.now() - start;
const stats = JSON.parse(out) as Stats;
const spans = stats.operations.reduce((sum, o) => sum + o.count, 0);
console.log(
  JSON.stringify({
    spans,
    traces: stats.traces.count,
    wallMs,
    baselineRss: before,
    peakRss: process.resourceUsage().maxRSS * 1024,
  }),
);
