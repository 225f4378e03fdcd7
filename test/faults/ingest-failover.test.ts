/**
 * `ingest` on a Redis Cluster when a master fails before its replica has the
 * latest chunks (replication is asynchronous). Three masters with one replica
 * each, cluster-node-timeout 1 s; the replica of the stream's master is frozen
 * (SIGSTOP: connected, silent) while ingest writes, then the master is killed
 * and the replica, thawed, takes over with none of those chunks.
 * The CLI waits for a replica (WAIT) before a chunk counts as written, so it
 * carries on through the failover by itself and every line is in the stream
 * once (exit 0). Without the wait (checked by hand: DEFAULT_REPLICA_WAIT_MS = 0)
 * the run writes most of the file to the old master, which dies with it, and
 * this test fails. A restart that loses acknowledged lines on a single Redis:
 * ingest-lost.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { clusterNodes, killMaster, nodeCommand, pollUntil, prefixOnMaster, startCluster, waitForPromotion, type LocalCluster } from '../helpers/faults.js';
import { countMarkers, expectExactlyOnce, todayStream, writeCliConfig, writeMarkedFile } from './ingest-helpers.js';

const STACK = /\n\s+at |internal error/;
let cluster: LocalCluster;
let raw: Cluster;
let dir: string;
/** A node none of the tests kills or freezes: the seed of every client. */
let seedPort: number;

/** The port of the replica of the master on `port`. */
async function replicaOf(port: number): Promise<number> {
  const nodes = await clusterNodes(port);
  const me = nodes.find((n) => n.flags.includes('myself'))!;
  return nodes.find((n) => n.masterId === me.id)!.port;
}

/** A hash-tagged prefix whose streams live on a master that is not the seed node, and that master's replica. */
async function pairFor(name: string): Promise<{ prefix: string; master: number; replica: number }> {
  const masters = (await clusterNodes(seedPort)).filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0);
  const master = masters.find((m) => m.port !== seedPort)!.port;
  const prefix = await prefixOnMaster(seedPort, master, name);
  return { prefix, master, replica: await replicaOf(master) };
}

const clusterRedis = (prefix: string) => ({ url: `redis://127.0.0.1:${seedPort}`, keyPrefix: prefix, cluster: true, connectTimeoutMs: 1000, commandTimeoutMs: 2000 });

const signal = (pid: number | undefined, name: NodeJS.Signals) => {
  if (pid !== undefined) process.kill(pid, name);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-ingest-failover-'));
  cluster = await startCluster(3, 1, { nodeTimeoutMs: 1000, args: ['--cluster-replica-validity-factor', '0'] });
  // The seed: a master (it stays up; the tests kill other masters).
  seedPort = (await clusterNodes(cluster.nodes[0]!.port)).find((n) => n.flags.includes('master'))!.port;
  raw = new Cluster([{ host: '127.0.0.1', port: seedPort }], { clusterRetryStrategy: () => 200, redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1000 } });
  raw.on('error', () => undefined);
}, 60_000);

afterAll(async () => {
  raw?.disconnect();
  // Nothing stays frozen: a stopped process would not end.
  for (const n of cluster?.nodes ?? []) if (n.process.exitCode === null && n.process.signalCode === null) n.process.kill('SIGCONT');
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Once the master holds `entries` of `stream` (and, with `settleMs`, once it
 * holds `plenty` or settleMs passed): kills the master, thaws its (frozen)
 * replica, waits for the replica to take over.
 */
async function failOverUnreplicated(pair: { master: number; replica: number }, stream: string, entries: number, wait?: { plenty: number; settleMs: number }): Promise<void> {
  const replica = cluster.nodes.find((n) => n.port === pair.replica)!;
  const xlen = async () => Number(await nodeCommand(pair.master, 'XLEN', stream));
  await pollUntil(`the master on ${pair.master} to hold ${entries} entries of ${stream}`, async () => (await xlen()) >= entries, 30_000);
  if (wait) {
    const until = Date.now() + wait.settleMs;
    while (Date.now() < until && (await xlen()) < wait.plenty) await new Promise((r) => setTimeout(r, 50));
  }
  const killed = await killMaster(cluster, pair.master);
  signal(replica.process.pid, 'SIGCONT');
  await waitForPromotion(killed);
}

describe('ingest through a failover that loses unreplicated writes (cluster)', () => {
  it('the CLI counts a chunk only once a replica has it: it rides out the failover by itself, every line in once, exit 0', async () => {
    const pair = await pairFor('wait');
    const stream = todayStream(pair.prefix);
    // Enough that, without the wait, most of it would sit in the master's output
    // buffer for the replica (tens of MB, past what the kernel buffers) when it dies.
    const lines = 200_000;
    const file = await writeMarkedFile(dir, 'wait.ndjson', lines);
    const config = await writeCliConfig(dir, `redis://127.0.0.1:${seedPort}`, pair.prefix, { redis: clusterRedis(pair.prefix), streams: { maxLen: 1_000_000 } });
    const replica = cluster.nodes.find((n) => n.port === pair.replica)!;
    // The replica stays connected and silent: the master acknowledges writes no replica has.
    signal(replica.process.pid, 'SIGSTOP');
    const cli = startCli(['-c', config, 'ingest', file]);
    // The first chunk is on the master, unconfirmed: ingest must not go past it
    // (a run that did would have written most of the file by the kill).
    await failOverUnreplicated(pair, stream, 1, { plenty: 150_000, settleMs: 4000 });
    const code = await cli.exited;
    const stderr = cli.stderr();
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(/warning: no replica confirmed the last chunk yet \(no replica of the master of \S+ confirmed lines 1-1000 within 1000 ms\): reconnecting for up to 30.0s/);
    expect(stderr).toMatch(/reconnected to Redis; carrying on/);
    expectExactlyOnce(await countMarkers(raw, stream), lines, stderr);
  }, 90_000);
});
