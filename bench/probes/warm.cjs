// Warm invocations in one process: after warm-up, each invocation's wall time, the CPU time
// of them all, and the time tracing adds after the handler's own work (root end + flush). The
// figures are taken of them in bench/warm.ts, by the percentile function the command uses.
const [bundle, warmupArg, countArg, spansArg] = process.argv.slice(2);
const mod = require(bundle);
const warmup = Number(warmupArg);
const count = Number(countArg);
const spans = Number(spansArg);
const context = require('./lambda-context.cjs')('r');

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
      wallMs: wall,
      cpuUs: (cpu.user + cpu.system) / count,
      afterHandlerMs: after,
    }),
  );
})();
