// Every Redis key launchctl reads or writes is named here (SPEC.md, "Data
// contract"). `prefix` is redis.keyPrefix. Commands never build key strings.

export const ENGAGEMENT_STREAM_BASE = 'stream:engagement:';

export interface Keys {
  readonly prefix: string;
  warmMarker(path: string): string;
  warmMarkerPattern(): string;
  /** Hash: the last `warm` run's finishedAt (epoch ms), warmed, skipped, failed, total, successRate (read by `metrics`). */
  warmLastRun(): string;
  /** stream:engagement:<YYYY-MM-DD> for a UTC day. */
  engagementStream(day: string): string;
  /** SCAN pattern matching the day streams (and the dead-letter stream: filter with parseStreamDay). */
  engagementStreamPattern(): string;
  deadLetters(): string;
  convState(userId: string): string;
  convStatePattern(): string;
  /** Strips the prefix and the stream base; returns the day or null for a non-day stream. */
  parseStreamDay(key: string): string | null;
  /** Strips prefix and `conv:state:`; returns the user id. */
  parseConvStateUser(key: string): string | null;
  /**
   * Conversion counters (a hash): events, users, variant:<v>, hist:0..hist:9,
   * deadLettered, updatedAt. Written by consume, read by state --summary and watch.
   */
  convStats(): string;
  /** Product Hunt: cached answer of one query. */
  phCache(queryId: string): string;
  phLock(queryId: string): string;
  /** Product Hunt: shared rate-limit budget (one per API application). */
  phRateLimit(): string;
  phHistory(post: string): string;
  /** Product Hunt: client-credentials token exchanged from a client id (hashed in the key name). */
  phClientToken(clientIdHash: string): string;
  /**
   * `ingest`'s progress hash for one day stream (field: the input's source id,
   * value: "<runId> <lastLine>"). It is written in the same MULTI as the XADDs,
   * so on Redis Cluster it must hash to the stream's slot:
   * - a prefix without braces: `<prefix>ingest:progress:{<stream key>}`, whose
   *   hash tag is the whole stream key, i.e. the stream's own slot;
   * - a prefix with a hash tag (`{app}:`): `<prefix>ingest:progress:<stream
   *   key without the prefix>`; both keys take the prefix's tag (the rest of a
   *   key name has no braces, so Redis' first `{...}` is the prefix's);
   * - a prefix with braces but no tag (`{}:`, `a{b:`, `a}:`): Redis hashes each whole
   *   key, and no other key name shares the stream's slot for sure. The first
   *   form is used; on a cluster the MULTI then fails with CROSSSLOT
   *   (`progressSharesSlot` says so beforehand).
   */
  ingestProgress(streamKey: string): string;
  /**
   * `consume` on a cluster: a write in the day stream's slot, after the batch's
   * acks, that WAIT then confirms on a replica before the watermark moves (see
   * consumer.ts). Same slot rule as ingestProgress; PX 60 s.
   */
  consumeFence(streamKey: string): string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function createKeys(prefix = ''): Keys {
  const streamBase = `${prefix}${ENGAGEMENT_STREAM_BASE}`;
  const stateBase = `${prefix}conv:state:`;
  return {
    prefix,
    warmMarker: (path) => `${prefix}cache:${path}`,
    warmMarkerPattern: () => `${escapeGlob(prefix)}cache:*`,
    warmLastRun: () => `${prefix}warm:last-run`,
    engagementStream: (day) => `${streamBase}${day}`,
    engagementStreamPattern: () => `${escapeGlob(streamBase)}*`,
    deadLetters: () => `${streamBase}dead`,
    convState: (userId) => `${stateBase}${userId}`,
    convStatePattern: () => `${escapeGlob(stateBase)}*`,
    parseStreamDay(key) {
      if (!key.startsWith(streamBase)) return null;
      const day = key.slice(streamBase.length);
      return DAY_RE.test(day) ? day : null;
    },
    parseConvStateUser: (key) => (key.startsWith(stateBase) ? key.slice(stateBase.length) : null),
    convStats: () => `${prefix}conv:stats`,
    phCache: (queryId) => `${prefix}ph:cache:${queryId}`,
    phLock: (queryId) => `${prefix}ph:lock:${queryId}`,
    phRateLimit: () => `${prefix}ph:ratelimit`,
    phHistory: (post) => `${prefix}ph:history:${post}`,
    phClientToken: (clientIdHash) => `${prefix}ph:client-token:${clientIdHash}`,
    ingestProgress: (streamKey) =>
      hashTag(prefix) !== null ? `${prefix}ingest:progress:${streamKey.slice(prefix.length)}` : `${prefix}ingest:progress:{${streamKey}}`,
    consumeFence: (streamKey) =>
      hashTag(prefix) !== null ? `${prefix}consume:fence:${streamKey.slice(prefix.length)}` : `${prefix}consume:fence:{${streamKey}}`,
  };
}

/**
 * The hash tag Redis Cluster hashes a key by (the text between the first `{`
 * and the first `}` after it, when not empty), or null when it hashes the whole key.
 */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/** Whether ingestProgress(stream) hashes to the stream's slot (false only for a prefix with braces but no tag). */
export function progressSharesSlot(prefix: string): boolean {
  return !/[{}]/.test(prefix) || hashTag(prefix) !== null;
}

/** The UTC day (YYYY-MM-DD) of an instant, as used in day stream keys. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Escapes SCAN MATCH glob characters in a literal prefix. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
