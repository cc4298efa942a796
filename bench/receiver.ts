import http from 'node:http';

// An OTLP/HTTP receiver in its own process, as an ingest would be: reads each body, counts
// the requests, answers 200. Prints its port, then serves until killed.
let requests = 0;
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`receiver: ${requests} requests\n`);
  process.exit(0);
});
