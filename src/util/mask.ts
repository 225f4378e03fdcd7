// The one secret-masking rule (SPEC: no secret in any output). No imports: the
// entry point masks URLs on its error path, and `--help` must stay light.

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** A user name worth keeping: letters, digits and the unreserved marks, nothing a password hides in. */
const PLAIN_USER = /^[A-Za-z0-9._~-]+$/;

/**
 * Masks the credentials of a URL, whatever its shape: everything between "//"
 * and the LAST "@" becomes ****, so a password holding "/", "?", "#" or "@"
 * never shows. The user name is kept only when it is plain and a password
 * follows it (`redis://user:****@host:6379`, `redis://:****@host`); a lone
 * user slot may be a password (`redis://secret@host`) and is masked whole.
 */
export function maskUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const slashes = url.indexOf('//');
  // No authority marker ("secret@host", "redis:secret@host"): hide everything before the "@" but the scheme.
  const start = slashes >= 0 && slashes < at ? slashes + 2 : (SCHEME.exec(url)?.[0].length ?? 0);
  const userinfo = url.slice(start, at);
  const colon = userinfo.indexOf(':');
  const user = colon > 0 ? userinfo.slice(0, colon) : '';
  // "user:" survives when plain and a password follows; so does the ":" of a password without a user.
  const kept = colon === 0 ? ':' : user && PLAIN_USER.test(user) && colon < userinfo.length - 1 ? `${user}:` : '';
  return `${url.slice(0, start)}${kept}****${url.slice(at)}`;
}

/**
 * Replaces every occurrence of each secret (and its URL-encoded form) in a
 * text with ****: for messages from a peer that may echo what it was sent
 * (a header, a token, a revalidation secret). Secrets under 4 characters are
 * left alone, or every "a" would vanish.
 */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('****');
  }
  return out;
}
