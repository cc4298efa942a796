import { costRun } from './lambda-cost';
for (const interval of ['250', '500', '1000', '2000']) {
  for (const rate of [5, 20, 50]) {
    const r = await costRun('hoptrace', rate, rate * 10, 20, { HOPTRACE_EXPORT_INTERVAL_MS: interval });
    console.log(JSON.stringify({ interval, rate, req: r.requestsPerInvocation.toFixed(3), billed: r.billedMs.toFixed(2), after: r.afterResponseMs.toFixed(2), cpu: r.cpuMsPerInvocation.toFixed(2), p50: r.latencyP50Ms.toFixed(0), max: r.latencyMaxMs.toFixed(0), lost: r.spansLost }));
  }
}
