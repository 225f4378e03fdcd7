// What the benchmarks share: bulk loads through `redis-cli --pipe`, medians,
// and measuring a thing and its reference alternately.
import { spawn } from 'node:child_process';

function resp(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return out;
}

/** Sends every command `commands` yields through `redis-cli --pipe` (the fastest bulk load redis-cli has). */
export async function pipeCommands(port, commands) {
  const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let report = '';
  child.stdout.on('data', (d) => (report += d));
  let chunk = '';
  for (const c of commands) {
    chunk += resp(c);
    if (chunk.length > 1 << 20) {
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
      chunk = '';
    }
  }
  child.stdin.end(chunk);
  await new Promise((r) => child.on('close', r));
  if (!/errors: 0/.test(report)) throw new Error(`redis-cli --pipe: ${report}`);
}

/** Valid conversion states conv:state:user-<from..to>. */
export function* stateKeys(from, to) {
  for (let i = from; i < to; i++) yield ['SET', `conv:state:user-${i}`, '{"variant":"default","confidence":0.1,"lastUpdated":1}', 'EX', '86400'];
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Medians (ms) of `a` and `b` measured alternately, `samples` times each after
 * a warm-up of both, so JIT warm-up and drift on a shared machine hit a thing
 * and its reference alike. (Measured one after the other, the first bare INFO
 * ran before its code was warm and made the reference 3x slower.)
 */
export async function measurePair(a, b, samples, warmup = 30) {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta = [];
  const tb = [];
  for (let i = 0; i < samples; i++) {
    let t = process.hrtime.bigint();
    await a();
    ta.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await b();
    tb.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return [median(ta), median(tb)];
}
