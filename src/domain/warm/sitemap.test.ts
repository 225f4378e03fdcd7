import { describe, expect, it } from 'vitest';
import { parseSitemap, SitemapError, splitByOrigin } from './sitemap.js';

describe('parseSitemap', () => {
  it('reads the locs of a urlset, with namespaces, CDATA, comments and escaped characters', () => {
    const xml = `<?xml version="1.0"?>
<ns:urlset xmlns:ns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <ns:url><ns:loc>https://acme.example/</ns:loc></ns:url>
  <!-- <url><loc>https://acme.example/hidden</loc></url> -->
  <ns:url><ns:loc> https://acme.example/search?q=a&amp;b=1 </ns:loc><ns:lastmod>2026-01-01</ns:lastmod></ns:url>
  <ns:url><ns:loc><![CDATA[https://acme.example/caf&#233;]]></ns:loc></ns:url>
  <ns:url><ns:loc>https://acme.example/caf&#233;</ns:loc></ns:url>
</ns:urlset>`;
    expect(parseSitemap(xml)).toMatchObject({
      kind: 'urlset',
      locs: ['https://acme.example/', 'https://acme.example/search?q=a&b=1', 'https://acme.example/caf&#233;', 'https://acme.example/café'],
    });
  });

  it('recognises a sitemap index', () => {
    const xml = '<sitemapindex><sitemap><loc>https://acme.example/s1.xml</loc></sitemap><sitemap><loc>https://acme.example/s2.xml.gz</loc></sitemap></sitemapindex>';
    expect(parseSitemap(xml)).toMatchObject({ kind: 'index', locs: ['https://acme.example/s1.xml', 'https://acme.example/s2.xml.gz'] });
  });

  it('keeps each URL’s <priority> (null when absent or out of range)', () => {
    const xml = `<urlset>
      <url><loc>https://acme.example/a</loc></url>
      <url><priority>0.9</priority><loc>https://acme.example/b</loc></url>
      <url><loc>https://acme.example/c</loc><priority>1.7</priority></url>
      <url><loc>https://acme.example/d</loc><priority> 0.2 </priority></url>
    </urlset>`;
    expect(parseSitemap(xml).priorities).toEqual([null, 0.9, null, 0.2]);
  });

  it('refuses entity declarations (billion laughs, external entities) instead of expanding them', () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>https://acme.example/&lol2;</loc></url></urlset>`;
    expect(() => parseSitemap(laughs)).toThrow(SitemapError);
    expect(() => parseSitemap(laughs)).toThrow(/DOCTYPE\/ENTITY/);
    const external = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><urlset><url><loc>&xxe;</loc></url></urlset>';
    expect(() => parseSitemap(external)).toThrow(SitemapError);
  });

  it('does not expand an undeclared entity either', () => {
    expect(() => parseSitemap('<urlset><url><loc>https://acme.example/&xxe;</loc></url></urlset>')).toThrow(/not expanded/);
  });

  it('rejects a document that is not a sitemap', () => {
    expect(() => parseSitemap('<html><body>hello</body></html>')).toThrow(/not a sitemap/);
  });
});

describe('splitByOrigin', () => {
  it('keeps only URLs of the configured origin (scheme, host and port)', () => {
    const split = splitByOrigin(
      ['https://acme.example/a', 'https://acme.example/b?x=1', 'http://acme.example/c', 'https://evil.example/d', 'https://acme.example:8443/e', 'not a url', 'https://ACME.example/f'],
      'https://acme.example',
    );
    expect(split.paths).toEqual(['/a', '/b?x=1', '/f']);
    expect(split.foreign).toEqual(['http://acme.example/c', 'https://evil.example/d', 'https://acme.example:8443/e', 'not a url']);
  });
});
