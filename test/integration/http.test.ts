/**
 * The HTTP adapter against a local server: status, lower-cased headers,
 * redirects not followed, the body cap, discardBody, the total deadline
 * (headers and body) and refused connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAgent, describeHttpError, httpRequest, isRetryableHttpError } from '../../src/adapters/http.js';
import { findFreePort } from '../../src/adapters/redis-server.js';

const fetchOne = httpRequest;

describe('httpRequest', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') return void res.end('x'.repeat(100_000));
      if (req.url === '/moved') return void res.writeHead(302, { Location: '/target' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/echo') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${body}`));
        return;
      }
      if (req.url === '/trickle') {
        // Headers at once, then one byte every 500 ms for 6 s: never idle long enough for an idle timeout.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
        let sent = 0;
        const tick = setInterval(() => {
          if (res.destroyed || sent === 12) return void clearInterval(tick);
          res.write('x');
          if (++sent === 12) res.end();
        }, 500);
        res.on('close', () => clearInterval(tick));
        return;
      }
      res.writeHead(200, { 'X-Cache': 'HIT', 'Set-Cookie': ['a=1', 'b=2'] }).end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('returns status, lower-cased headers and the body', async () => {
    const res = await fetchOne(`${origin}/`, { timeoutMs: 1000 });
    expect(res.status).toBe(200);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(res.body.toString()).toBe('hello');
    expect(res.truncated).toBe(false);
    expect(res.latencyMs).toBeGreaterThan(0);
  });

  it('reports a redirect instead of following it', async () => {
    const res = await fetchOne(`${origin}/moved`, { timeoutMs: 1000 });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/target');
  });

  it('cuts the body at maxBodyBytes, or keeps none with discardBody', async () => {
    const cut = await fetchOne(`${origin}/big`, { timeoutMs: 1000, maxBodyBytes: 1000 });
    expect(cut.truncated).toBe(true);
    expect(cut.body.length).toBe(1000);
    const none = await fetchOne(`${origin}/big`, { timeoutMs: 1000, discardBody: true });
    expect(none.body.length).toBe(0);
    expect(none.truncated).toBe(false);
    expect(none.status).toBe(200);
  });

  it('times out with a retryable error', async () => {
    const err = await fetchOne(`${origin}/slow`, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(describeHttpError(err)).toBe('timeout');
    expect(isRetryableHttpError(err)).toBe(true);
  });

  it('names a refused connection', async () => {
    const port = await findFreePort();
    const err = await fetchOne(`http://127.0.0.1:${port}/`, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(describeHttpError(err)).toBe('ECONNREFUSED');
    expect(isRetryableHttpError(err)).toBe(true);
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fetchOne(`${origin}/`, { timeoutMs: 1000, signal: controller.signal })).rejects.toThrow();
  });

  it('sends a POST body', async () => {
    const res = await fetchOne(`${origin}/echo`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' }, timeoutMs: 1000 });
    expect(res.body.toString()).toBe('POST {"a":1}');
  });

  it('the deadline covers the body: a body trickling in for 6 s fails at timeoutMs', async () => {
    const started = Date.now();
    const err = await fetchOne(`${origin}/trickle`, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(describeHttpError(err)).toBe('timeout');
    expect(isRetryableHttpError(err)).toBe(true);
    // Generous: the trickle would end after 6 s.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('the deadline also covers the wait for a socket', async () => {
    const agent = createHttpAgent({ connections: 1 });
    try {
      const first = fetchOne(`${origin}/slow`, { timeoutMs: 5000, dispatcher: agent });
      // Queued behind /slow on the one socket: its 300 ms pass before it is ever sent.
      const err = await fetchOne(`${origin}/`, { timeoutMs: 300, dispatcher: agent }).catch((e: unknown) => e);
      expect(describeHttpError(err)).toBe('timeout');
      expect((await first).body.toString()).toBe('late');
    } finally {
      await agent.close();
    }
  });

  it('an abort during the body stops the request at once', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await expect(fetchOne(`${origin}/trickle`, { timeoutMs: 10_000, signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
