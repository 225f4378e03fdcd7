import { formatBytes, formatCount, formatPercent } from '../../../output/format.js';
import { createKeys } from '../../../keys.js';
import { launchWindowStreamKeys, projectHeadroom, worstProjection } from '../headroom.js';
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
  needs: ['redis', 'streams', 'cluster'],
  evaluate({ redis, streams, cluster, config, nowMs }, t) {
    const expected = `projected ≤ ${formatPercent(1 - t.memoryMargin)} of maxmemory${redis?.ok && redis.value.nodes.length > 1 ? ' on every master' : ''}`;
    return withFact(redis, expected, ({ nodes }) => {
      const streamFacts = streams?.ok ? streams.value : undefined;
      const measured = measuredEntryBytes(streamFacts);
      const entryBytes = measured ?? ESTIMATED_STREAM_ENTRY_BYTES;
      const keys = createKeys(config.redis.keyPrefix);
      const retentionDays = config.streams.retentionDays;
      // Without the cluster layout every master is given the whole growth (conservative).
      const layout = cluster?.ok && cluster.value.enabled ? cluster.value.nodes : null;
      const projections = projectHeadroom({
        masters: nodes.map((n) => ({ address: n.address, usedMemory: n.usedMemory, limit: n.maxmemory || n.totalSystemMemory || 0 })),
        layout,
        streamKeys: launchWindowStreamKeys(keys, config.launch.t0 ? Date.parse(config.launch.t0) : null, nowMs, retentionDays),
        bytesPerStream: config.streams.maxLen * entryBytes,
        currentStreams: (streamFacts?.streams ?? []).map((s) => ({ key: s.key, bytes: s.bytes ?? s.length * entryBytes })),
        stateBytes: t.expectedUsers * ESTIMATED_STATE_BYTES,
        sampleStateKey: keys.convState('0'),
      });
      const worst = worstProjection(projections);
      if (!worst) return { status: 'skip', expected, found: 'no maxmemory and no total_system_memory to compare with', hint: 'see redis.maxmemory' };
      const node = nodes.find((n) => n.address === worst.address)!;
      const limitName = node.maxmemory ? 'maxmemory' : 'system memory (no maxmemory)';
      const perMaster = nodes.length > 1 && layout !== null;
      const streamsText = perMaster ? `${worst.streams} of ${retentionDays} day streams` : `${retentionDays} d`;
      const stateText = perMaster && worst.stateShare < 1 ? `${formatPercent(worst.stateShare)} of ${formatCount(t.expectedUsers)} users` : `${formatCount(t.expectedUsers)} users`;
      const where = nodes.length > 1 ? (perMaster ? `fullest master ${worst.address}: ` : `${worst.address}, whole growth on each master (no cluster layout): `) : '';
      const found =
        `${where}used ${formatBytes(worst.usedMemory)} + streams ${streamsText} × ${formatCount(config.streams.maxLen)} × ` +
        `${measured === null ? '≈' : ''}${entryBytes} B + state ${stateText} × ≈${ESTIMATED_STATE_BYTES} B` +
        ` → ${formatBytes(worst.projected)} of ${formatBytes(worst.limit)} ${limitName} (${formatPercent(worst.projected / worst.limit)})`;
      const hint = perMaster
        ? 'raise maxmemory on that master (or move slots off it: redis-cli --cluster rebalance), lower streams.maxLen or streams.retentionDays (launchctl trim), or shorten conversion.stateTtl'
        : 'raise maxmemory, lower streams.maxLen or streams.retentionDays (launchctl trim), or shorten conversion.stateTtl';
      if (worst.projected > worst.limit) return { status: 'fail', expected, found, hint };
      if (worst.projected > worst.limit * (1 - t.memoryMargin)) return { status: 'warn', expected, found, hint };
      return { status: 'pass', expected, found };
    });
  },
};
