// Warm invocations in one process: after warm-up, each invocation's wall time, the CPU time
// of them all, and the time tracing adds after the handler's own work (root end + flush).
const [bundle, warmupArg, countArg, spansArg] = process.argv.slice(2);
const mod = require(bundle);
const warmup = Number(warmupArg);
const count = Number(countArg);
const spans = Number(spansArg);
const context = require('./lambda-context.cjs')('r');
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const percentile = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * p))];

(async () => {
  for (let i = 0; i < warmup; i++) await mod.handler({ id: `w${i}`, spans }, { ...context, awsRequestId: `w${i}` });
  const wall = [];
  const after = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await mod.handler({ id: `m${i}`, spans }, { ...context, awsRequestId: `m${i}` });
    const t1 = process.hrtime.bigint();
    wall.push(Number(t1 - t0) / 1e6);
    after.push(Number(t1 - globalThis.__benchHandlerEnd) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      wallMs: median(wall),
      wallP99Ms: percentile(wall, 0.99),
      cpuUs: (cpu.user + cpu.system) / count,
      afterHandlerMs: median(after),
    }),
  );
})();
