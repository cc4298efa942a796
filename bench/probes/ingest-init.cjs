// One cold start of the packaged ingest in a fresh process: load the bundle (as Lambda's
// init does, the SSM read starting there), then answer one request stamped with the time
// the process started, as API Gateway stamps the request that caused the cold start.
// Prints JSON: load (wall ms, CPU ms), and the first answer's status and time from start.
const { performance } = require('node:perf_hooks');
const startedAt = Date.now() - performance.now();
const c0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = require(process.argv[2]);
const loadMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const event = {
  httpMethod: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': process.env.PROBE_KEY },
  body: Buffer.from(process.env.PROBE_BODY).toString('base64'),
  isBase64Encoded: true,
  requestContext: { requestTimeEpoch: startedAt },
};
handler(event, { getRemainingTimeInMillis: () => 3000 }).then((answer) => {
  const firstAnswerMs = Date.now() - startedAt;
  process.stdout.write(
    `${JSON.stringify({ bootMs: t0, loadMs, loadCpuMs: (cpu.user + cpu.system) / 1000, status: answer.statusCode, firstAnswerMs })}\n`,
  );
  process.exit(0);
});
