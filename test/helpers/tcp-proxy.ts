// A small TCP proxy between a client under test and a redis-server, for the
// faults a network brings: connections reset mid-stream, replies lost after
// Redis executed the command, a peer that stops answering.
import { createServer, Socket, type Server } from 'node:net';

/**
 * - `forward`: both directions pass;
 * - `drop-replies`: the client's bytes reach Redis, Redis' replies are dropped
 *   (Redis executes, the client never hears);
 * - `blackhole`: nothing passes either way (new connections are accepted and
 *   then hear nothing: a server that stopped answering).
 */
export type ProxyMode = 'forward' | 'drop-replies' | 'blackhole';

export interface TcpProxy {
  port: number;
  /** The redis:// URL through the proxy. */
  url: string;
  setMode(mode: ProxyMode): void;
  /** Resets every open connection (RST to both sides); new ones are accepted as before. */
  resetAll(): void;
  /** Stops reading from every connection (bytes wait in the kernel) until resume(). */
  pause(): void;
  resume(): void;
  /** Connections accepted so far. */
  accepted(): number;
  /** Bytes passed from clients to Redis so far. */
  forwardedBytes(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  let paused = false;
  let accepted = 0;
  let forwarded = 0;
  const pairs = new Set<[Socket, Socket]>();

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (data) => {
      if (mode === 'blackhole') return;
      forwarded += data.length;
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (mode === 'forward') client.write(data);
    });
    upstream.connect(targetPort, targetHost);
    if (paused) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
    },
    resetAll() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        const [client, upstream] = pair;
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
    },
    pause() {
      paused = true;
      for (const [client, upstream] of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    resume() {
      paused = false;
      for (const [client, upstream] of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    accepted: () => accepted,
    forwardedBytes: () => forwarded,
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
