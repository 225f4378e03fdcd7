// How a warm-up response is read (pure): the cache status a CDN or framework
// reports, and the retry policy (network errors and 5xx only, never 4xx).

/** Cache-status headers in the order they are trusted: the outermost cache first. */
export const CACHE_STATUS_HEADERS = ['cf-cache-status', 'x-vercel-cache', 'x-nextjs-cache', 'x-cache-status', 'x-cache'] as const;

export interface CacheStatus {
  /** "HIT", "MISS", "STALE"... upper-cased, or null when the site reports none. */
  status: string | null;
  /** The header it came from. */
  header: string | null;
  /** The `age` header in seconds, when present. */
  ageS: number | null;
}

/** Reads the cache status from lower-cased response headers. */
export function readCacheStatus(headers: Readonly<Record<string, string>>): CacheStatus {
  const ageText = headers.age;
  const ageS = ageText !== undefined && /^\d+$/.test(ageText.trim()) ? Number(ageText) : null;
  for (const name of CACHE_STATUS_HEADERS) {
    const v = headers[name];
    if (v !== undefined && v.trim() !== '') {
      // Fastly/Varnish chains list one status per cache ("MISS, HIT"): the last is the edge nearest the client.
      const last = v.split(',').pop()!.trim();
      const word = /^[A-Za-z_-]+/.exec(last)?.[0] ?? last;
      return { status: word.toUpperCase(), header: name, ageS };
    }
  }
  return { status: null, header: null, ageS };
}

/** "HIT", "MISS (age 12s)", or "-" when the site reports nothing. */
export function formatCacheStatus(c: CacheStatus): string {
  if (c.status === null) return c.ageS !== null ? `age ${c.ageS}s` : '-';
  return c.ageS !== null && c.ageS > 0 ? `${c.status} (age ${c.ageS}s)` : c.status;
}

export const isRedirect = (status: number) => status >= 300 && status < 400;
/** 5xx is worth another try; 4xx is an answer (a retry gets the same 404). */
export const isRetryableStatus = (status: number) => status >= 500;

