import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { foreignHostOf, foreignHostOfFast, globToRegExp, parsePathsFile, selectWarmTargets, urlOnOrigin, type WarmTarget } from './paths.js';

const t = (path: string, ttl = 300, source: WarmTarget['source'] = 'sitemap'): WarmTarget => ({ path, ttl, source });

describe('parsePathsFile', () => {
  it('reads one path per line, skipping blanks and comments, accepting full URLs', () => {
    expect(parsePathsFile('/a\n\n# launch pages\n  /b  \r\nhttps://acme.example/c?x=1\n')).toEqual(['/a', '/b', '/c?x=1']);
  });

  it('names the file and line of a bad entry', () => {
    expect(() => parsePathsFile('/a\npricing\n', 'paths.txt')).toThrow(UsageError);
    expect(() => parsePathsFile('/a\npricing\n', 'paths.txt')).toThrow(/paths\.txt:2: expected a path starting with \//);
  });
});

describe('paths that leave site.origin', () => {
  const leaving = ['//other.example/x', '/\\other.example/x', '\\/other.example/x', '/\t/other.example/x', '/\n/other.example:8080/x', '//user@other.example/'];
  const staying = ['/', '/pricing', '/a//b', '/a\\b', '/search?next=//other.example', '/%2F%2Fother.example/x'];

  it('names the host a scheme-relative or backslashed path would reach', () => {
    for (const p of leaving) {
      expect(foreignHostOf(p), JSON.stringify(p)).toMatch(/^other\.example(:8080)?$/);
      expect(foreignHostOfFast(p), JSON.stringify(p)).toBe(foreignHostOf(p));
      expect(urlOnOrigin('https://acme.example', p), JSON.stringify(p)).toBeNull();
    }
    for (const p of staying) {
      expect(foreignHostOf(p), JSON.stringify(p)).toBeNull();
      expect(foreignHostOfFast(p), JSON.stringify(p)).toBeNull();
      expect(new URL(urlOnOrigin('https://acme.example', p)!).host, JSON.stringify(p)).toBe('acme.example');
    }
  });

  it('refuses such a line in a paths file, naming file and line', () => {
    expect(() => parsePathsFile('/a\n//other.example/x\n', 'paths.txt')).toThrow(/paths\.txt:2: "\/\/other\.example\/x" resolves to another host \(other\.example\)/);
  });
});

describe('globToRegExp', () => {
  it('* stays within a segment, ** crosses segments', () => {
    expect(globToRegExp('/blog/*').test('/blog/a')).toBe(true);
    expect(globToRegExp('/blog/*').test('/blog/a/b')).toBe(false);
    expect(globToRegExp('/blog/**').test('/blog/a/b')).toBe(true);
    expect(globToRegExp('/blog/**/draft').test('/blog/draft')).toBe(true);
    expect(globToRegExp('/blog/**/draft').test('/blog/2026/01/draft')).toBe(true);
    expect(globToRegExp('/a.b').test('/axb')).toBe(false);
  });

  it('a pattern without a leading / matches at the end of any folder', () => {
    expect(globToRegExp('*.xml').test('/feeds/rss.xml')).toBe(true);
    expect(globToRegExp('*.xml').test('/feeds/rss.html')).toBe(false);
  });
});

describe('selectWarmTargets', () => {
  it('merges sources in order, the first TTL of a duplicate winning', () => {
    const s = selectWarmTargets([[t('/', 60, 'config'), t('/pricing', 600, 'config')], [t('/'), t('/blog')], [t('/blog', 300, 'file'), t('/docs', 300, 'file')]]);
    expect(s.targets).toEqual([t('/', 60, 'config'), t('/pricing', 600, 'config'), t('/blog'), t('/docs', 300, 'file')]);
    expect(s.duplicates).toBe(2);
  });

  it('drops --exclude matches (ignoring the query string), then applies --limit', () => {
    const s = selectWarmTargets([[t('/'), t('/admin'), t('/admin/users'), t('/blog/a?x=1'), t('/blog/b'), t('/docs')]], { exclude: ['/admin', '/admin/**', '/blog/*'], limit: 1 });
    expect(s.targets.map((x) => x.path)).toEqual(['/']);
    expect(s.excluded).toBe(4);
    expect(s.overLimit).toBe(1);
  });
});
