// The rehearsal's last step: `launchctl metrics` as Prometheus would meet it.
// Starts the exporter on a free port of 127.0.0.1, scrapes /metrics once over
// HTTP, and reports the families it saw with a few values.
import { httpRequest } from '../adapters/http.js';
import { openMetricsExporter, serveMetrics } from '../domain/metrics/run.js';
import type { RehearsalStep } from './step.js';

/** The samples of the exposition text, as `name{labels}` → value. */
function readSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

export const metricsStep: RehearsalStep = {
  id: 'metrics',
  title: 'metrics (one Prometheus scrape)',
  async run(env) {
    const exporter = await openMetricsExporter({ config: env.config, env: env.env, probe: true });
    try {
      const server = await serveMetrics(exporter, env.config, { host: '127.0.0.1', port: 0 });
      try {
        const res = await httpRequest(`${server.url}/metrics`, { timeoutMs: 10_000, signal: env.signal });
        const text = res.body.toString('utf8');
        const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]!);
        const s = readSamples(text);
        const value = (name: string) => s.get(name);
        const sumOf = (prefix: string) => [...s].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
        const up = value('launchctl_up');
        // On a cluster the Redis families carry one `node` label per node the exporter read.
        const nodes = [...new Set([...s.keys()].filter((k) => k.startsWith('launchctl_redis_memory_used_bytes{')).flatMap((k) => /node="([^"]*)"/.exec(k)?.[1] ?? []))].sort();
        const lines = [
          `GET ${server.url}/metrics → HTTP ${res.status}, ${families.length} families, ${s.size} samples${nodes.length > 0 ? ` · Redis nodes ${nodes.join(', ')}` : ''}`,
          `launchctl_up ${up} · conversion users ${sumOf('launchctl_conversion_users{')} · events applied ${value('launchctl_engagement_events_applied_total') ?? '-'} · warm success ratio ${value('launchctl_warm_success_ratio') ?? '-'}`,
          `probes: ${[...s].filter(([k]) => k.startsWith('launchctl_probe_success{')).map(([k, v]) => `${/path="([^"]*)"/.exec(k)?.[1]} ${v ? 'ok' : 'failed'}`).join(', ') || 'none'} · Product Hunt votes ${value('launchctl_producthunt_votes') ?? '-'}`,
          `families: ${families.map((f) => f.replace(/^launchctl_/, '')).join(', ')}`,
        ];
        return { id: this.id, title: this.title, ok: res.status === 200 && up === 1, lines, data: { status: res.status, families, samples: s.size, up, redisNodes: nodes } };
      } finally {
        await server.close();
      }
    } finally {
      await exporter.close();
    }
  },
};
