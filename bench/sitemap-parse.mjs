// npm run bench:sitemap — parse time of 50 MB sitemaps of hostile shapes
// (the sitemap cap), with the event loop's longest stall while parsing. The
// regex reader this replaced took 14 s for 20,000 unclosed <url> (≈0.5 MB)
// and would take hours at 50 MB; the streaming reader is linear.
import { parseSitemap } from '../dist/domain/warm/sitemap.js';

const MB = 1024 * 1024;
const fill = (head, unit, tail = '') => head + unit.repeat(Math.floor((50 * MB - head.length - tail.length) / unit.length)) + tail;
const shapes = {
  'plain urlset (50 MB of <url>)': () => fill('<urlset>', '<url><loc>https://acme.example/page/123456</loc><priority>0.5</priority></url>\n', '</urlset>'),
  'unclosed <url> (refused at depth 33)': () => fill('<urlset>', '<url><loc>https://acme.example/x</loc>'),
  'unclosed <!-- ×13M': () => fill('<urlset><url><loc>https://acme.example/a</loc></url>', '<!--'),
  'unmatched </x> ×7M': () => fill(`<urlset>${'<url>'.repeat(30)}`, '</x>', '</urlset>'),
  'bare & ×50M': () => fill('<urlset><url><loc>https://acme.example/', '&', '</loc></url></urlset>'),
  'one 50 MB <loc>': () => fill('<urlset><url><loc>https://acme.example/', 'a', '</loc></url></urlset>'),
  'one 50 MB CDATA of ]': () => fill('<urlset><url><loc><![CDATA[', ']', ']]></loc></url></urlset>'),
  'one 50 MB comment of "- "': () => fill('<urlset><!--', '- ', '--></urlset>'),
  'one 50 MB attribute of &#65;': () => fill('<urlset a="', '&#65;', '"></urlset>'),
  'one tag with 4M attributes': () => fill('<urlset', ' a="1"'.replace('a', 'a'), '/>'),
  'one 50 MB processing instruction': () => fill('<urlset><?pi ', '?', '?></urlset>'),
  '50 MB of ]]> in text': () => fill('<urlset>', ']]>', '</urlset>'),
};
for (const [name, make] of Object.entries(shapes)) {
  const xml = make();
  let worst = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  let outcome;
  try {
    const r = await parseSitemap(xml);
    outcome = `${r.locs.length} locs${r.problems.length ? `, ${r.problems.length} problem(s)` : ''}`;
  } catch (err) {
    outcome = `refused: ${err.message.slice(0, 60)}`;
  }
  clearInterval(probe);
  console.log(`${name.padEnd(40)} ${(xml.length / MB).toFixed(0)} MB  ${((performance.now() - started) / 1000).toFixed(2)} s  longest stall ${worst.toFixed(0)} ms  (${outcome})`);
}
