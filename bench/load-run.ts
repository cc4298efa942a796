// `npm run load`: 100,000 spans (2,000 invocations of 50 spans, 8 at a time) through the
// ingest into kinesalite, every span id read back. Exits 1 if any span was lost.
import { runLoad } from './load';

const invocations = Number(process.env.LOAD_INVOCATIONS ?? 2000);
const spansPerInvocation = Number(process.env.LOAD_SPANS ?? 50);
const concurrency = Number(process.env.LOAD_CONCURRENCY ?? 8);

console.log(`hoptrace load: ${invocations} invocations × ${spansPerInvocation} spans, ${concurrency} in flight\n`);
const result = await runLoad({ invocations, spansPerInvocation, concurrency, log: (m) => console.log(`  ${m}`) });
console.log(`
  spans in          ${result.spansIn}
  spans out         ${result.spansOut} (${result.duplicates} duplicate deliveries)
  lost              ${result.lost}
  throughput        ${result.spansPerSecond.toFixed(0)} spans/s over ${result.seconds.toFixed(1)} s
  flush p50 / p99   ${result.flushP50Ms.toFixed(1)} ms / ${result.flushP99Ms.toFixed(1)} ms`);
if (result.lost > 0) process.exitCode = 1;
