// A minimal fast origin for bench/warm.mjs: one small HTML page for any path,
// keep-alive, on 127.0.0.1. Runs in its own process so it does not share an
// event loop with the client being measured. Prints its port on stdout.
import { createServer } from 'node:http';

const body = Buffer.from(`<!doctype html><html><body>${'<p>launch</p>'.repeat(80)}</body></html>`);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length, 'x-cache': 'HIT' });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
