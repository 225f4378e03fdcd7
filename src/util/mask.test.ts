import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUrl } from './mask.js';

describe('maskUrl', () => {
  it.each([
    ['redis://user:secret@host:6379/0', 'redis://user:****@host:6379/0'],
    ['redis://:secret@host:6379', 'redis://:****@host:6379'],
    // A password in the user slot is masked whole.
    ['redis://secret@host:6379', 'redis://****@host:6379'],
    // The case: a base64 key holding "/" and "+" and "=".
    ['rediss://:Ab3/xYz9+Secret=@cache.example.net:6380', 'rediss://:****@cache.example.net:6380'],
    // Up to the LAST "@": a password holding "@", "#", "?" or "/" never shows.
    ['redis://user:p@ss#w?o/rd@host:1', 'redis://user:****@host:1'],
    ['redis://us/er:pw@host', 'redis://****@host'],
    ['redis://user:@host', 'redis://****@host'],
    ['redis://host:6379', 'redis://host:6379'],
    ['https://acme.example/pricing', 'https://acme.example/pricing'],
    ['secret@host', '****@host'],
    ['redis:secret@host', 'redis:****@host'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});

describe('maskSecrets', () => {
  it('replaces each secret and its URL-encoded form, leaves short ones alone', () => {
    expect(maskSecrets('token a/b+c= sent as a%2Fb%2Bc%3D; x', ['a/b+c=', 'x'])).toBe('token **** sent as ****; x');
  });
});
