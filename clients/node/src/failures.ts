import type Redis from 'ioredis';

/** What a failed command says about the connection it ran on. */
export type Failure =
  /** The node answered but is not (or no longer) fit: LOADING, MASTERDOWN, or READONLY to a write. Retry elsewhere. */
  | 'node'
  /** The connection broke. Retry on another. */
  | 'connection'
  /** Anything else (WRONGTYPE, an error of the caller's own code): it reaches the caller unchanged. */
  | 'final';

/** Replies that say a node cannot serve now; READONLY only for writes (on a reader it is the caller's write). */
const NODE_REPLIES = { read: /^(LOADING|MASTERDOWN|TRYAGAIN)\b/, write: /^(READONLY|LOADING|MASTERDOWN|TRYAGAIN)\b/ };
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const CONNECTION_MESSAGES = /^(Connection is closed|Stream isn't writeable|Command timed out|Command aborted|Reached the max retries)/;

export function classify(error: unknown, redis: Redis, use: 'read' | 'write'): Failure {
  if (!(error instanceof Error)) {
    return 'final';
  }
  if (error.name === 'ReplyError') {
    return NODE_REPLIES[use].test(error.message) ? 'node' : 'final';
  }
  if (CONNECTION_CODES.has((error as NodeJS.ErrnoException).code ?? '') || CONNECTION_MESSAGES.test(error.message)) {
    return 'connection';
  }
  // An error of the caller's own code on a connection that still works is theirs to see.
  return redis.status === 'ready' ? 'final' : 'connection';
}
