// Reading a Redis URL into connection settings. A URL that cannot be read is a
// config error (exit 2) naming where it came from, with the URL masked: never
// the "Invalid URL" TypeError, whose `input` carries the password.
import { ConfigError } from '../errors.js';
import { maskUrl } from '../util/mask.js';

export interface RedisAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

const ENCODE_HINT = 'percent-encode the characters / ? # @ : % and spaces in the user name and password (encodeURIComponent), e.g. redis://default:pa%2Fss%2Bw%3Drd@host:6379';

/**
 * Parses `url` strictly. `source` says where it came from ("REDIS_URL",
 * "--redis", "redis.url in ./launch.config.json") and is named in the error.
 */
export function parseRedisUrl(url: string, source = 'redis.url'): RedisAddress {
  const fail = (why: string, hint = ENCODE_HINT): never => {
    throw new ConfigError(`${source}: ${why}: ${maskUrl(url)}`, [hint], { code: 'REDIS_URL' });
  };
  if (!/^rediss?:\/\//i.test(url)) fail('expected a redis:// or rediss:// URL', 'for example redis://127.0.0.1:6379 or rediss://default:<password>@host:6380');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(url.includes('@') ? 'not a valid URL (does the user name or password hold a / ? # @ or % that is not percent-encoded?)' : 'not a valid URL');
  }
  // An "@" the parser did not take as the end of the credentials (a password
  // holding "/", "?" or "#") would send the rest of the password as a path.
  const afterHost = `${u.pathname}${u.search}${u.hash}`;
  if (url.includes('@') && (afterHost.includes('@') || !(u.username || u.password))) fail('the user name or password holds a / ? # or @ that is not percent-encoded');
  if (u.search || u.hash) fail('a Redis URL takes no ?query or #fragment');
  if (!u.hostname) fail('no host');
  const dbText = u.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(dbText)) fail('the database after "/" must be a number', 'for example redis://host:6379/0');
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = u.username ? decodeURIComponent(u.username) : undefined;
    password = u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    fail('a "%" in the user name or password is not followed by two hex digits');
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username,
    password,
    db: dbText ? Number(dbText) : 0,
    tls: u.protocol === 'rediss:',
  };
}
