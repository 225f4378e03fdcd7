/**
 * The HTTP adapter against a local server: httpRequest and httpDispatch (the
 * lean path warm uses) agree on status, lower-cased headers, redirects not
 * followed, the body cap, discardBody, timeouts and refused connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeHttpError, httpDispatch, httpRequest, isRetryableHttpError } from '../../src/adapters/http.js';
import { findFreePort } from '../../src/adapters/redis-server.js';

describe.each([
  ['httpRequest', httpRequest],
  ['httpDispatch', httpDispatch],
])('%s', (_name, fetchOne) => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') return void res.end('x'.repeat(100_000));
      if (req.url === '/moved') return void res.writeHead(302, { Location: '/target' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
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
});
