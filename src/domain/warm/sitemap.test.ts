import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../errors.js';
import { parseSitemap, SitemapError, splitByOrigin } from './sitemap.js';

describe('parseSitemap', () => {
  it('reads the locs of a urlset, with namespaces, CDATA, comments and escaped characters', async () => {
    const xml = `<?xml version="1.0"?>
<ns:urlset xmlns:ns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <ns:url><ns:loc>https://acme.example/</ns:loc></ns:url>
  <!-- <url><loc>https://acme.example/hidden</loc></url> -->
  <ns:url><ns:loc> https://acme.example/search?q=a&amp;b=1 </ns:loc><ns:lastmod>2026-01-01</ns:lastmod></ns:url>
  <ns:url><ns:loc><![CDATA[https://acme.example/caf&#233;]]></ns:loc></ns:url>
  <ns:url><ns:loc>https://acme.example/caf&#233;</ns:loc></ns:url>
</ns:urlset>`;
    expect(await parseSitemap(xml)).toMatchObject({
      kind: 'urlset',
      locs: ['https://acme.example/', 'https://acme.example/search?q=a&b=1', 'https://acme.example/caf&#233;', 'https://acme.example/café'],
    });
  });

  it('recognises a sitemap index', async () => {
    const xml = '<sitemapindex><sitemap><loc>https://acme.example/s1.xml</loc></sitemap><sitemap><loc>https://acme.example/s2.xml.gz</loc></sitemap></sitemapindex>';
    expect(await parseSitemap(xml)).toMatchObject({ kind: 'index', locs: ['https://acme.example/s1.xml', 'https://acme.example/s2.xml.gz'] });
  });

  it('keeps each URL’s <priority> (null when absent or out of range)', async () => {
    const xml = `<urlset>
      <url><loc>https://acme.example/a</loc></url>
      <url><priority>0.9</priority><loc>https://acme.example/b</loc></url>
      <url><loc>https://acme.example/c</loc><priority>1.7</priority></url>
      <url><loc>https://acme.example/d</loc><priority> 0.2 </priority></url>
    </urlset>`;
    expect((await parseSitemap(xml)).priorities).toEqual([null, 0.9, null, 0.2]);
  });

  it('refuses entity declarations (billion laughs, external entities) instead of expanding them', async () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>https://acme.example/&lol2;</loc></url></urlset>`;
    await expect(parseSitemap(laughs)).rejects.toThrow(SitemapError);
    await expect(parseSitemap(laughs)).rejects.toThrow(/DOCTYPE\/ENTITY/);
    const external = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><urlset><url><loc>&xxe;</loc></url></urlset>';
    await expect(parseSitemap(external)).rejects.toThrow(SitemapError);
  });

  it('does not expand an undeclared entity either', async () => {
    await expect(parseSitemap('<urlset><url><loc>https://acme.example/&xxe;</loc></url></urlset>')).rejects.toThrow(/not expanded/);
  });

  it('rejects a document that is not a sitemap', async () => {
    await expect(parseSitemap('<html><body>hello</body></html>')).rejects.toThrow(/not a sitemap/);
  });
});

describe('parseSitemap: sloppy and hostile input', () => {
  it('keeps a bare & (sloppy generators), in text and in CDATA alike', async () => {
    const xml = '<urlset><url><loc>https://acme.example/s?a=1&b=2</loc></url><url><loc><![CDATA[https://acme.example/t?a=1&b=2&amp;]]></loc></url></urlset>';
    expect((await parseSitemap(xml)).locs).toEqual(['https://acme.example/s?a=1&b=2', 'https://acme.example/t?a=1&b=2&amp;']);
  });

  it('reads the same URLs whatever the slices the document is fed in (seeded)', async () => {
    const xml = `<?xml version="1.0"?><urlset xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://acme.example/a?x=1&y=2&amp;z=&#233;&#x41;</loc><priority>0.8</priority>
    <image:image><image:loc>https://cdn.example/a.png</image:loc></image:image></url>
  <!-- <url><loc>https://acme.example/hidden</loc></url> & -- - -->
  <?pi what ? ever <url><loc>https://acme.example/pi</loc></url> ?>
  <url><loc><![CDATA[https://acme.example/b?q=]]]]><![CDATA[>&x]]></loc></url>
  <url><loc>https://acme.example/c&lt;&gt;</loc></url>
  <url><loc><![CDATA[https://acme.example/d]]>?e=1&f=2</loc></url>
</urlset>`;
    const whole = await parseSitemap(xml);
    expect(whole.locs).toEqual(['https://acme.example/a?x=1&y=2&z=éA', 'https://acme.example/b?q=]]>&x', 'https://acme.example/c<>', 'https://acme.example/d?e=1&f=2']);
    expect(whole.priorities).toEqual([0.8, null, null, null]);
    const seed = Number(process.env.SITEMAP_SEED ?? Date.now() % 100_000);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 40; run++) {
      const sliceChars = 1 + Math.floor(random() * 60);
      const sliced = await parseSitemap(xml, { sliceChars });
      expect(sliced, `seed ${seed}, sliceChars ${sliceChars} (rerun with SITEMAP_SEED=${seed})`).toEqual(whole);
    }
  });

  it('does not take an image:loc for a page', async () => {
    const xml = '<urlset><url><loc>https://acme.example/p</loc><image:image><image:loc>https://acme.example/i.png</image:loc></image:image></url></urlset>';
    expect((await parseSitemap(xml)).locs).toEqual(['https://acme.example/p']);
  });

  it('20,000 unclosed <url>, <sitemap> or <loc> tags: refused as nested too deep, at once', async () => {
    for (const tag of ['url', 'sitemap', 'loc']) {
      const xml = `<urlset>${`<${tag}><loc>https://acme.example/x</loc>`.repeat(20_000)}`;
      await expect(parseSitemap(xml)).rejects.toThrow(/nested deeper than 32/);
    }
  });

  it('20,000 unclosed comments: the entries before them are kept, the problem named', async () => {
    const parsed = await parseSitemap(`<urlset><url><loc>https://acme.example/a</loc></url>${'<!--<url><loc>https://acme.example/b</loc></url>'.repeat(20_000)}`);
    expect(parsed.locs).toEqual(['https://acme.example/a']);
    expect(parsed.problems.join('\n')).toMatch(/not well-formed XML/);
  });

  it('20,000 unmatched closing tags: refused as not well-formed, at once', async () => {
    await expect(parseSitemap(`<urlset>${'<url>'.repeat(30)}${'</nope>'.repeat(20_000)}</urlset>`)).rejects.toThrow(/not well-formed XML: more than 1000 errors/);
  });

  it('millions of character references: refused, not appended one by one', async () => {
    const xml = `<urlset><url><loc>https://acme.example/${'&#65;'.repeat(2_000_001)}</loc></url></urlset>`;
    await expect(parseSitemap(xml)).rejects.toThrow(/more than 2000000 character references/);
  });

  it('a few XML errors (one unclosed comment): the complete entries are kept, the problem named', async () => {
    const parsed = await parseSitemap('<urlset><url><loc>https://acme.example/a</loc></url><url><loc>https://acme.example/b</loc><!-- never closed');
    expect(parsed.locs).toEqual(['https://acme.example/a']);
    expect(parsed.problems.join('\n')).toMatch(/not well-formed XML \(\d+ errors?, the first at .*\): kept the 1 URL of complete entries/);
  });

  it('keeps at most maxLocs URLs and says how many it ignored', async () => {
    const xml = `<urlset>${Array.from({ length: 12 }, (_, i) => `<url><loc>https://acme.example/${i}</loc></url>`).join('')}</urlset>`;
    const parsed = await parseSitemap(xml, { maxLocs: 10 });
    expect(parsed.locs).toHaveLength(10);
    expect(parsed.problems).toEqual(["more than 10 URLs (the sitemap protocol's limit per file): 2 ignored"]);
  });

  it('stops when the signal aborts while parsing', async () => {
    const xml = `<urlset>${'<url><loc>https://acme.example/x</loc></url>'.repeat(100_000)}</urlset>`;
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    await expect(parseSitemap(xml, { signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
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
