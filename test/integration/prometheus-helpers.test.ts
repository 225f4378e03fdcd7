// The exposition as Prometheus and the Pushgateway really read it: a real
// Prometheus scrapes a local HTTP server serving renderExposition, and a real
// Pushgateway takes a PUT of it. Also proves the helpers the verb's end-to-end
// tests reuse. Everything on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../../src/domain/metrics/exposition.js';
import type { MetricsSnapshot } from '../../src/domain/metrics/snapshot.js';
import { fullSnapshot } from '../fixtures/metrics-snapshots.js';
import { parseExposition, valueOf } from '../helpers/exposition.js';
import { missingBinaries, startPrometheus, startPushgateway, type PrometheusHandle, type PushgatewayHandle } from '../helpers/prometheus.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A tiny stand-in for `launchctl metrics`: /metrics answers the exposition of `snapshot`. */
async function serveExposition(snapshot: () => MetricsSnapshot): Promise<string> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    renderExposition(snapshot()).then(
      (text) => res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.skipIf(missingBinaries('prometheus'))('a real Prometheus scraping the exposition', () => {
  it('stores launchctl_up 1 and the snapshot\'s stream lag; Redis going down shows as launchctl_up 0 on a target still up', async () => {
    let snapshot = fullSnapshot();
    const target = await serveExposition(() => snapshot);
    const prom: PrometheusHandle = await startPrometheus({ targets: [target] });
    cleanups.push(prom.stop);

    const up = await prom.waitFor('launchctl_up', (s) => s.length === 1);
    expect(up[0]).toEqual({ metric: { __name__: 'launchctl_up', instance: target, job: 'launchctl' }, value: 1 });
    const lag = await prom.query('launchctl_stream_group_lag{stream="stream:engagement:2026-12-08",group="conversion"}');
    expect(lag.map((s) => s.value)).toEqual([321]);

    // One instance is started per test file (two cores): the Redis-down case
    // reuses it. The next scrapes serve a snapshot whose Redis did not answer.
    snapshot = { ...snapshot, up: false };
    await prom.waitFor('launchctl_up', (s) => s[0]?.value === 0);
    // The scrape itself still succeeded: Prometheus' own view of the target.
    expect((await prom.query(`up{instance="${target}"}`)).map((s) => s.value)).toEqual([1]);
    // And the Redis-derived series went stale with that scrape.
    await prom.waitFor('launchctl_stream_group_lag', (s) => s.length === 0);
  });
});

describe.skipIf(missingBinaries('pushgateway'))('a real Pushgateway', () => {
  it('takes a PUT of the exposition under job launchctl, grouped by launch, and gives it back', async () => {
    const gateway: PushgatewayHandle = await startPushgateway();
    cleanups.push(gateway.stop);
    const body = await renderExposition(fullSnapshot());
    const res = await fetch(`${gateway.url}/metrics/job/launchctl/launch/${encodeURIComponent('Acme')}`, {
      method: 'PUT',
      headers: { 'Content-Type': EXPOSITION_CONTENT_TYPE },
      body,
    });
    expect(res.status).toBe(200);

    const back = parseExposition(await gateway.metrics());
    const group = { job: 'launchctl', launch: 'Acme' };
    expect(valueOf(back, 'launchctl_up', group)).toBe(1);
    expect(valueOf(back, 'launchctl_stream_group_lag', { ...group, stream: 'stream:engagement:2026-12-08' })).toBe(321);
    expect(valueOf(back, 'launchctl_conversion_confidence_bucket', { ...group, le: '+Inf' })).toBe(1225);
    // The Pushgateway records when the group was last pushed successfully.
    expect(valueOf(back, 'push_time_seconds', group)).toBeGreaterThan(0);
    expect(valueOf(back, 'push_failure_time_seconds', group)).toBe(0);
  });
});
