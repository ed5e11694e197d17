import { RrvmError } from '../core/rrvm-error.js';

/** Where the job queue's Redis is, from `--queue redis://[USER:PASSWORD@]HOST[:PORT][/DB]`. */
export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  /** `HOST:PORT`, for messages (never the password). */
  label: string;
}

/** The name of the BullMQ queue `analyze --queue` fills and `rrvm worker` works. */
export const ANALYZE_QUEUE = 'rrvm-analyze';

/** How long connecting to Redis may take before the command gives up. */
const CONNECT_TIMEOUT_MS = 5000;

/** Parses a `--queue` URL; anything else than `redis://HOST[:PORT][/DB]` is a `cli.usage` error. */
export function parseRedisUrl(text: string): RedisTarget {
  const bad = (why: string): RrvmError => new RrvmError('cli.usage', `bad --queue '${text}': ${why}; expected redis://HOST:PORT`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'redis:') throw bad(`unsupported scheme '${url.protocol.replace(/:$/, '')}'`);
  if (url.hostname === '') throw bad('no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw bad(`database '${dbText}' is not a number`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(dbText === '' ? {} : { db: Number(dbText) }),
    label: `${url.hostname}:${port}`,
  };
}

/** The connection options BullMQ's queue, events and workers use (ioredis; commands wait through reconnects). */
export function bullConnection(target: RedisTarget): { host: string; port: number; username?: string; password?: string; db?: number; maxRetriesPerRequest: null; connectTimeout: number } {
  const { label: _label, ...where } = target;
  return { ...where, maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS };
}

/**
 * Connects to Redis once and pings it, so that an unreachable or refusing server is one
 * `queue.connect` error within the connect timeout instead of endless reconnecting.
 */
export async function probeRedis(target: RedisTarget): Promise<void> {
  const { label: _label, ...where } = target;
  // Loaded on demand: only the queue commands need a Redis client.
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...where, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than connect()'s "Connection is closed".
  let socketError: Error | null = null;
  client.on('error', (err: Error) => {
    socketError ??= err;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS + 1000);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (err) {
    const cause = socketError ?? err;
    throw new RrvmError('queue.connect', `cannot reach Redis at ${target.label}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
