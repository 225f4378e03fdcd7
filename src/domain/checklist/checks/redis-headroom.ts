import { formatBytes, formatCount, formatPercent } from '../../../output/format.js';
import { withFact, type CheckDefinition, type StreamsFacts } from '../types.js';

/** Bytes per stream entry when none can be measured (4 short fields and a small JSON payload). */
export const ESTIMATED_STREAM_ENTRY_BYTES = 200;
/** Bytes per conv:state key: a ~50-byte key, a ~120-byte JSON value, dict and expire entries. */
export const ESTIMATED_STATE_BYTES = 250;

/** Measured bytes per entry of the largest stream (MEMORY USAGE / length), or null. */
export function measuredEntryBytes(streams: StreamsFacts | undefined): number | null {
  const measured = (streams?.streams ?? []).filter((s) => s.bytes !== null && s.length >= 100).sort((a, b) => b.length - a.length)[0];
  return measured ? Math.round(measured.bytes! / measured.length) : null;
}

export const redisHeadroom: CheckDefinition = {
  id: 'redis.headroom',
  title: 'Memory for the launch',
  phases: ['t-1', 't0'],
  guards: 'the streams and state of the launch outgrowing maxmemory mid-spike (OOM rejections or evictions)',
  needs: ['redis', 'streams'],
  evaluate({ redis, streams, config }, t) {
    const expected = `projected ≤ ${formatPercent(1 - t.memoryMargin)} of maxmemory`;
    return withFact(redis, expected, ({ nodes }) => {
      const streamFacts = streams?.ok ? streams.value : undefined;
      const measured = measuredEntryBytes(streamFacts);
      const entryBytes = measured ?? ESTIMATED_STREAM_ENTRY_BYTES;
      const currentStreamBytes = (streamFacts?.streams ?? []).reduce((sum, s) => sum + (s.bytes ?? s.length * entryBytes), 0);
      const streamGrowth = Math.max(0, config.streams.retentionDays * config.streams.maxLen * entryBytes - currentStreamBytes);
      const stateGrowth = t.expectedUsers * ESTIMATED_STATE_BYTES;
      // Conservative for a cluster: the whole growth is put on each master (a day stream lives on one).
      const worst = nodes
        .map((n) => ({ node: n, limit: n.maxmemory || n.totalSystemMemory || 0, projected: n.usedMemory + streamGrowth + stateGrowth }))
        .filter((x) => x.limit > 0)
        .sort((a, b) => b.projected / b.limit - a.projected / a.limit)[0];
      if (!worst) return { status: 'skip', expected, found: 'no maxmemory and no total_system_memory to compare with', hint: 'see redis.maxmemory' };
      const limitName = worst.node.maxmemory ? 'maxmemory' : 'system memory (no maxmemory)';
      const found =
        `used ${formatBytes(worst.node.usedMemory)} + streams ${config.streams.retentionDays} d × ${formatCount(config.streams.maxLen)} × ` +
        `${measured === null ? '≈' : ''}${entryBytes} B + state ${formatCount(t.expectedUsers)} users × ≈${ESTIMATED_STATE_BYTES} B` +
        ` → ${formatBytes(worst.projected)} of ${formatBytes(worst.limit)} ${limitName} (${formatPercent(worst.projected / worst.limit)})`;
      const hint = 'raise maxmemory, lower streams.maxLen or streams.retentionDays (launchctl trim), or shorten conversion.stateTtl';
      if (worst.projected > worst.limit) return { status: 'fail', expected, found, hint };
      if (worst.projected > worst.limit * (1 - t.memoryMargin)) return { status: 'warn', expected, found, hint };
      return { status: 'pass', expected, found };
    });
  },
};
