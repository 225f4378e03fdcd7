// Every Redis key launchctl reads or writes is named here (SPEC.md, "Data
// contract"). `prefix` is redis.keyPrefix. Commands never build key strings.

export const ENGAGEMENT_STREAM_BASE = 'stream:engagement:';

export interface Keys {
  readonly prefix: string;
  warmMarker(path: string): string;
  warmMarkerPattern(): string;
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
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function createKeys(prefix = ''): Keys {
  const streamBase = `${prefix}${ENGAGEMENT_STREAM_BASE}`;
  const stateBase = `${prefix}conv:state:`;
  return {
    prefix,
    warmMarker: (path) => `${prefix}cache:${path}`,
    warmMarkerPattern: () => `${escapeGlob(prefix)}cache:*`,
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
  };
}

/** The UTC day (YYYY-MM-DD) of an instant, as used in day stream keys. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Escapes SCAN MATCH glob characters in a literal prefix. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
