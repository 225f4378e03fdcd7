import { describe, expect, it } from 'vitest';
import { commandLabel, parseCommandStats, parseErrorStats } from './info.js';

// As `INFO commandstats` / `INFO errorstats` answer on Redis 7 (CRLF lines).
const COMMANDSTATS = [
  '# Commandstats',
  'cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0',
  'cmdstat_xadd:calls=1500,usec=9000,usec_per_call=6.00,rejected_calls=2,failed_calls=0',
  'cmdstat_client|id:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  'cmdstat_config|get:calls=4,usec=40,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
  '',
].join('\r\n');

const ERRORSTATS = ['# Errorstats', 'errorstat_ERR:count=5', 'errorstat_OOM:count=2', 'errorstat_NOSCRIPT:count=1', ''].join('\r\n');

describe('parseCommandStats', () => {
  it('reads calls per command, subcommands with _ instead of |', () => {
    expect(parseCommandStats(COMMANDSTATS)).toEqual({ get: 3, xadd: 1500, client_id: 1, config_get: 4 });
  });

  it('lowercases command names (Redis 6 wrote some in capitals) and adds up duplicates', () => {
    expect(parseCommandStats('cmdstat_GET:calls=2,usec=1\ncmdstat_get:calls=1,usec=1')).toEqual({ get: 3 });
    expect(commandLabel('CLIENT|ID')).toBe('client_id');
  });

  it('ignores other sections and lines without a calls count', () => {
    const all = `# Server\r\nredis_version:7.2.4\r\n${COMMANDSTATS}\r\n# Errorstats\r\nerrorstat_OOM:count=2\r\ncmdstat_broken:usec=3\r\ncmdstat_nan:calls=x`;
    expect(parseCommandStats(all)).toEqual({ get: 3, xadd: 1500, client_id: 1, config_get: 4 });
    expect(parseCommandStats('')).toEqual({});
  });
});

describe('parseErrorStats', () => {
  it('reads the count per error code, keeping the code as Redis writes it', () => {
    expect(parseErrorStats(ERRORSTATS)).toEqual({ ERR: 5, OOM: 2, NOSCRIPT: 1 });
  });

  it('ignores commandstats lines and malformed counts', () => {
    expect(parseErrorStats(`${COMMANDSTATS}errorstat_WRONGTYPE:count=oops\nerrorstat_OOM:count=7`)).toEqual({ OOM: 7 });
  });
});
