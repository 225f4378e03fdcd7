// What a user checks after a run that started servers: is anything still
// listening on their ports, is any of their redis-server processes left.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';

/** True when something accepts connections on the port of 127.0.0.1. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const portOf = (url: string): number => Number(new URL(url).port);

/** The redis-server processes (as `ps` lists them: `redis-server 127.0.0.1:<port> [cluster]`) serving one of `ports`. */
export function redisServersOn(ports: readonly number[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('ps', ['-eo', 'args='], (err, stdout) => {
      if (err) return reject(new Error(`ps failed: ${err.message}`));
      resolve(stdout.split('\n').filter((line) => ports.some((p) => new RegExp(`redis-server \\S*:${p}\\b`).test(line))));
    });
  });
}

/** Waits up to `ms` for none of `ports` to accept connections (a SIGKILLed server may need a moment to release its port). */
export async function untilClosed(ports: readonly number[], ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && (await Promise.all(ports.map(listening))).some(Boolean)) await new Promise((r) => setTimeout(r, 100));
}
