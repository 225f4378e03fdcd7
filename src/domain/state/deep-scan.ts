// `state --summary --deep`: recomputes the summary from every conv:state:* key
// and finds corrupt values. SCAN in batches + MGET, constant memory, every
// master of a cluster (all masters at once).
//
// Speed: SCAN is a chain (each call needs the previous cursor), so the scan
// runs on its own connection and never waits behind a value batch; the MGETs of
// several batches stay in flight on a second connection while the client checks
// the values of the previous one. Server and client then work at the same time,
// which is what makes reading and checking every value faster than
// `redis-cli --scan` listing only the keys (one SCAN round trip at a time).
import type { Redis } from 'ioredis';
import { isClusterClient } from '../../adapters/redis-errors.js';
import { luaScript, runScript } from '../../adapters/lua.js';
import { sendCommands } from '../../adapters/redis-commands.js';
import { scanMasters, type RedisClient } from '../../adapters/redis.js';
import type { Keys } from '../../keys.js';
import { checkStateValue, countState, defaultState, emptySummary, mergeSummaries, type ConversionSummary } from './state-value.js';

/** SCAN COUNT: big enough to keep round trips few, small enough that one MGET reply stays small (~100 KB). */
export const DEEP_SCAN_BATCH = 1000;
/**
 * Value batches in flight per master: two let the server read one batch while
 * the client checks the other. More only queue on the server (measured: 4 and
 * 8 were slower than 2, and hold more memory).
 */
export const DEEP_SCAN_IN_FLIGHT = 2;
/** Corrupt keys kept for the report; the count is always complete. */
export const CORRUPT_KEYS_CAP = 1000;
/** scripts/reset-corrupt.lua: KEYS[1] the state key. */
export const RESET_CORRUPT = luaScript('resetCorrupt', import.meta.url, 'scripts/reset-corrupt.lua', 1);

export interface CorruptValue {
  key: string;
  reason: string;
}

export interface DeepScanResult extends ConversionSummary {
  /** Keys read. */
  scanned: number;
  /** Keys that expired between SCAN and MGET (not corrupt, not counted). */
  vanished: number;
  corrupt: number;
  /** The first CORRUPT_KEYS_CAP corrupt keys with the reason. */
  corruptKeys: CorruptValue[];
  /** Corrupt values reset to the default state (with `repair`). */
  repaired: number;
  /** The scan was stopped (Ctrl-C) before the end: the counts are partial. */
  interrupted: boolean;
}

export interface DeepScanOptions {
  batchSize?: number;
  inFlight?: number;
  corruptKeysCap?: number;
  /** Called with the number of keys read by each batch. */
  onProgress?: (keys: number) => void;
  signal?: AbortSignal;
  /** Reset each corrupt value as it is found (only if it has not changed since it was read). */
  repair?: { stateTtlS: number; nowMs: number };
}

interface NodeScan {
  interrupted: boolean;
  summary: ConversionSummary;
  scanned: number;
  vanished: number;
  corrupt: number;
  repaired: number;
}

/** Reads every conversion state of every master; the summary counts valid (and repaired) states. */
export async function scanConversionStates(client: RedisClient, keys: Keys, options: DeepScanOptions = {}): Promise<DeepScanResult> {
  const corruptKeys: CorruptValue[] = [];
  const cap = options.corruptKeysCap ?? CORRUPT_KEYS_CAP;
  const isCluster = isClusterClient(client);
  // The masters of a cluster are scanned at the same time: each is its own server.
  const parts = await Promise.all(
    scanMasters(client).map((node) =>
      scanNode(node, keys.convStatePattern(), {
        ...options,
        isCluster,
        onCorrupt: (c) => {
          if (corruptKeys.length < cap) corruptKeys.push(c);
        },
      }),
    ),
  );
  return {
    ...mergeSummaries(parts.map((p) => p.summary)),
    scanned: sum(parts, 'scanned'),
    vanished: sum(parts, 'vanished'),
    corrupt: sum(parts, 'corrupt'),
    corruptKeys,
    repaired: sum(parts, 'repaired'),
    interrupted: parts.some((p) => p.interrupted),
  };
}

function sum(parts: NodeScan[], field: 'scanned' | 'vanished' | 'corrupt' | 'repaired'): number {
  return parts.reduce((n, p) => n + p[field], 0);
}

interface NodeScanOptions extends DeepScanOptions {
  isCluster: boolean;
  onCorrupt(c: CorruptValue): void;
}

async function scanNode(node: Redis, pattern: string, options: NodeScanOptions): Promise<NodeScan> {
  const batchSize = options.batchSize ?? DEEP_SCAN_BATCH;
  const maxInFlight = options.inFlight ?? DEEP_SCAN_IN_FLIGHT;
  const result: NodeScan = { interrupted: false, summary: emptySummary(), scanned: 0, vanished: 0, corrupt: 0, repaired: 0 };
  const defaultValue = options.repair ? JSON.stringify(defaultState(options.repair.nowMs)) : '';
  // The SCAN chain gets its own connection so a cursor reply never queues behind value batches.
  const scanner = node.duplicate();
  scanner.on('error', () => undefined);
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const readValues = (batch: string[]): Promise<(string | null)[]> => {
    if (!options.isCluster) return node.mget(batch);
    // A master's keys span many slots: MGET would be CROSSSLOT, so pipeline GETs on that master.
    return sendCommands(node, batch.map((key) => ['GET', key])).then((replies) => replies.map(([err, value]) => (err ? null : (value as string | null))));
  };

  const reset = (key: string, seen: string, type: string): Promise<void> =>
    runScript(node, RESET_CORRUPT, [key, seen, defaultValue, options.repair!.stateTtlS, type]).then((done) => {
      if (done === 1) {
        result.repaired++;
        countState(result.summary, { variant: 'default', confidence: 0 });
      }
    });

  const reportCorrupt = (key: string, reason: string, resets: Promise<void>[], seen: string, type: string) => {
    result.corrupt++;
    options.onCorrupt({ key, reason });
    if (options.repair) resets.push(reset(key, seen, type));
  };

  const checkBatch = async (batch: string[], values: (string | null)[]): Promise<void> => {
    const resets: Promise<void>[] = [];
    const missing: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const raw = values[i] ?? null;
      if (raw === null) {
        missing.push(batch[i]!);
        continue;
      }
      const check = checkStateValue(raw);
      if (check.ok) countState(result.summary, check.state);
      else reportCorrupt(batch[i]!, check.reason, resets, raw, 'string');
    }
    if (missing.length > 0) {
      // MGET answers nil both for a key that expired since the SCAN and for a key of another type.
      const types = await sendCommands(node, missing.map((key) => ['TYPE', key]));
      missing.forEach((key, i) => {
        const [err, type] = types[i]!;
        if (err || type === 'none' || type === 'string') result.vanished++;
        else reportCorrupt(key, `not a string value (a ${String(type)})`, resets, '', String(type));
      });
    }
    result.scanned += batch.length;
    options.onProgress?.(batch.length);
    await Promise.all(resets);
  };

  try {
    await scanner.connect();
    let cursor = '0';
    do {
      // Ctrl-C: stop scanning, finish the batches in flight, and report what was read (like redis-cli --bigkeys).
      if (options.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      const [next, batch] = await scanner.scan(cursor, 'MATCH', pattern, 'COUNT', batchSize);
      cursor = next;
      if (batch.length === 0) continue;
      const job = readValues(batch)
        .then((values) => checkBatch(batch, values))
        .catch((err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      if (failure) throw failure;
    } while (cursor !== '0');
    await Promise.all(inFlight);
    if (failure) throw failure;
    return result;
  } finally {
    await Promise.allSettled(inFlight);
    scanner.disconnect();
  }
}
