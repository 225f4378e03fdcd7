// A bare RESP connection that writes `ingest`'s transactions: one string of
// MULTI, 1,000 XADDs, the progress record and EXEC per chunk, and a small
// reply reader. Through ioredis the same chunk costs a Command object, a
// promise and an argument array per XADD, and the garbage they make: about
// three times the client CPU per event. Everything else (connecting checks,
// the progress record after a loss, OOM handling) stays on the ioredis client
// from connectRedis; this connection is opened with that client's own parsed
// options (host, port, TLS, user, password, db), never reconnects, and fails
// every request in flight when the socket closes.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RedisOptions } from 'ioredis';

/** One transaction of ingest: XADDs of the entries to one stream, and the progress record in the same MULTI/EXEC. */
export interface EntryChunk {
  stream: string;
  entries: readonly (readonly string[])[];
  /** HSET key field value + EXPIRE, in the same transaction (the key must share the stream's slot). */
  progress?: { key: string; field: string; value: string; ttlS: number };
}

/** A Redis error reply, shaped like ioredis' ReplyError (name, message; EXECABORT carries previousErrors). */
export class RespReplyError extends Error {
  override name = 'ReplyError';
  previousErrors?: RespReplyError[];
}

const INCOMPLETE = Symbol('incomplete');
type Reply = string | number | null | RespReplyError | Reply[];

/** Reads RESP2 replies from bytes that arrive in pieces. */
class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  push(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** The next whole reply, or INCOMPLETE (nothing consumed). */
  next(): Reply | typeof INCOMPLETE {
    const start = this.pos;
    const reply = this.read();
    if (reply === INCOMPLETE) this.pos = start;
    return reply;
  }

  private line(): string | typeof INCOMPLETE {
    // A reply line has no CR inside, so the first CR ends it (a byte search: faster than a string one).
    const end = this.buf.indexOf(13, this.pos);
    if (end < 0 || end + 1 >= this.buf.length) return INCOMPLETE;
    const text = this.buf.toString('utf8', this.pos + 1, end);
    this.pos = end + 2;
    return text;
  }

  private read(): Reply | typeof INCOMPLETE {
    if (this.pos >= this.buf.length) return INCOMPLETE;
    const type = this.buf[this.pos];
    const text = this.line();
    if (text === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // +
        return text;
      case 0x2d: // -
        return new RespReplyError(text);
      case 0x3a: // :
        return Number(text);
      case 0x24: {
        // $
        const length = Number(text);
        if (length < 0) return null;
        if (this.pos + length + 2 > this.buf.length) return INCOMPLETE;
        const value = this.buf.toString('utf8', this.pos, this.pos + length);
        this.pos += length + 2;
        return value;
      }
      case 0x2a: {
        // *
        const count = Number(text);
        if (count < 0) return null;
        const items: Reply[] = new Array<Reply>(count);
        for (let i = 0; i < count; i++) {
          const item = this.read();
          if (item === INCOMPLETE) return INCOMPLETE;
          items[i] = item;
        }
        return items;
      }
      default:
        throw new Error(`unexpected reply from Redis (type byte ${type})`);
    }
  }
}

function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

function command(args: readonly (string | number)[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += bulk(String(a));
  return out;
}

/** A growing byte buffer for one request. */
class RespBuffer {
  private buf = Buffer.allocUnsafe(256 * 1024);
  private length = 0;

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = text.length * 3;
    if (this.length + most > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + most));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

interface Pending {
  count: number;
  replies: Reply[];
  resolve(replies: Reply[]): void;
  reject(err: Error): void;
}

export class RespConnection {
  private readonly reader = new ReplyReader();
  private readonly pending: Pending[] = [];
  private closed = false;
  /** The server's id of this connection (CLIENT ID), for CLIENT KILL after a loss. */
  id: string | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Connects with ioredis' parsed options (host, port, tls, username, password, db), authenticates, selects the db. */
  static async open(options: RedisOptions, timeoutMs: number): Promise<RespConnection> {
    const target = { host: options.host, port: options.port ?? 6379 };
    const socket = options.tls ? tlsConnect({ ...target, ...options.tls }) : netConnect(target);
    const conn = new RespConnection(socket);
    const setUp = async () => {
      await new Promise<void>((resolve, reject) => {
        socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
        socket.once('error', reject);
      });
      if (options.password) await conn.call('AUTH', ...(options.username ? [options.username] : []), options.password);
      if (options.db) await conn.call('SELECT', options.db);
      conn.id = String(await conn.call('CLIENT', 'ID'));
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      // The whole set-up is bounded: a server that accepts and then says nothing must not hold ingest.
      await Promise.race([
        setUp(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
        }),
      ]);
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One command; rejects with the error reply. */
  async call(name: string, ...args: (string | number)[]): Promise<unknown> {
    const [reply] = await this.send(command([name, ...args]), 1);
    if (reply instanceof RespReplyError) throw reply;
    return reply;
  }

  /**
   * A chunk as one transaction: MULTI, one XADD ... MAXLEN ~ maxLen * per
   * entry, the progress record, EXEC. Rejects with the reply error of a refused
   * transaction (EXECABORT with the queued commands' errors in previousErrors,
   * as ioredis does).
   */
  async execChunk(chunk: EntryChunk, maxLen: number): Promise<void> {
    // Written event by event into one buffer: one long string built with +=
    // costs more to flatten and encode at write time than the whole rest.
    const out = new RespBuffer();
    out.write('*1\r\n$5\r\nMULTI\r\n');
    let commands = 0;
    const head = `${bulk('XADD')}${bulk(chunk.stream)}${bulk('MAXLEN')}${bulk('~')}${bulk(String(maxLen))}${bulk('*')}`;
    for (const fields of chunk.entries) {
      let text = `*${6 + fields.length}\r\n${head}`;
      for (const f of fields) text += bulk(f);
      out.write(text);
      commands++;
    }
    if (chunk.progress) {
      const { key, field, value, ttlS } = chunk.progress;
      out.write(command(['HSET', key, field, value]) + command(['EXPIRE', key, ttlS]));
      commands += 2;
    }
    out.write('*1\r\n$4\r\nEXEC\r\n');
    const replies = await this.send(out.bytes(), commands + 2);
    const exec = replies[replies.length - 1];
    if (exec instanceof RespReplyError) {
      exec.previousErrors = replies.slice(1, -1).filter((r): r is RespReplyError => r instanceof RespReplyError);
      throw exec;
    }
    if (replies[0] instanceof RespReplyError) throw replies[0];
    for (const r of exec as Reply[]) if (r instanceof RespReplyError) throw r;
  }

  /** Closes the socket; requests in flight fail with "Connection is closed." (a lost connection). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) p.reject(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' }));
  }

  private send(payload: string | Buffer, count: number): Promise<Reply[]> {
    if (this.closed) return Promise.reject(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' }));
    return new Promise<Reply[]>((resolve, reject) => {
      this.pending.push({ count, replies: [], resolve, reject });
      this.socket.write(payload);
    });
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      const head = this.pending[0];
      if (!head) return;
      let reply: Reply | typeof INCOMPLETE;
      try {
        reply = this.reader.next();
      } catch {
        this.close();
        return;
      }
      if (reply === INCOMPLETE) return;
      head.replies.push(reply);
      if (head.replies.length === head.count) {
        this.pending.shift();
        head.resolve(head.replies);
      }
    }
  }
}
