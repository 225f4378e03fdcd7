// The Product Hunt day: it starts at midnight America/Los_Angeles, so it is
// 24 h long except on daylight-saving changes (23 h in March, 25 h in November).
// Hard-coding UTC-8 (as some pollers do) is wrong for most of the year.

export const PH_TIME_ZONE = 'America/Los_Angeles';

export interface PhDay {
  /** Calendar date in Pacific time, YYYY-MM-DD. */
  day: string;
  /** Midnight Pacific that starts the day, epoch ms. */
  startMs: number;
  /** Next midnight Pacific (exclusive end), epoch ms. */
  endMs: number;
}

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: PH_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function pacificParts(ms: number): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of partsFormat.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, min: p.minute!, s: p.second! };
}

/** Offset of Pacific time from UTC at an instant, in ms (-8 h or -7 h). */
export function pacificOffsetMs(ms: number): number {
  const p = pacificParts(ms);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of midnight Pacific on a calendar date (month 1-based; day may overflow). */
function pacificMidnight(y: number, m: number, d: number): number {
  const wallMs = Date.UTC(y, m - 1, d);
  // Two passes: the offset at a first guess, then the offset at the corrected instant.
  let guess = wallMs - pacificOffsetMs(wallMs);
  guess = wallMs - pacificOffsetMs(guess);
  return guess;
}

/** The Product Hunt day containing the instant `ms`. */
export function pacificDay(ms: number): PhDay {
  const p = pacificParts(ms);
  const startMs = pacificMidnight(p.y, p.m, p.d);
  const endMs = pacificMidnight(p.y, p.m, p.d + 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { day: `${p.y}-${pad(p.m)}-${pad(p.d)}`, startMs, endMs };
}
