// One Lambda cold start in a fresh process: load the handler module, invoke it once.
// Init is read from process start, so work done by --require (as the OpenTelemetry layer
// loads itself) counts too; the same Node bootstrap is in every variant's figure.
const bundle = process.argv[2];
const mod = require(bundle);
const initMs = process.uptime() * 1000;
const start = process.hrtime.bigint();
const context = {
  awsRequestId: 'cold-1',
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/bench',
  logStreamName: '2026/11/21/[$LATEST]bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30000,
};
Promise.resolve(mod.handler({ id: 'a', spans: 3 }, context)).then(() => {
  const firstMs = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ initMs, firstMs, rss: process.memoryUsage().rss }));
});
