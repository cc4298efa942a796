// One Lambda cold start in a fresh process: load the handler module, invoke it once (with
// the handler making `garbage` short-lived objects of its own, when given).
// `preloadMs` is the time from process start to this script (Node's start-up, plus any
// --require, as the OpenTelemetry layer loads itself); `requireMs` the handler's loading,
// timed precisely.
const preloadMs = process.uptime() * 1000;
const bundle = process.argv[2];
const garbage = Number(process.argv[3] ?? 0);
const t0 = process.hrtime.bigint();
const mod = require(bundle);
const requireMs = Number(process.hrtime.bigint() - t0) / 1e6;
const start = process.hrtime.bigint();
const context = require('./lambda-context.cjs')('cold-1');
Promise.resolve(mod.handler({ id: 'a', spans: 3, garbage }, context)).then(() => {
  const firstMs = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ preloadMs, requireMs, firstMs, rss: process.memoryUsage().rss }));
});
