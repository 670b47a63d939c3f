/**
 * A shared-reader client process: one reader object shared by many concurrent loops (request handlers,
 * threads or tasks), each loop reading its own key, as applications share a client. Passed as JSON in
 * `LAB_CLIENT_CONFIG`; the process prints {@link SharedEvent} lines.
 */
export type SharedClientKind =
  /** redis-stable-readers for Node (ioredis), installed from its npm tarball. */
  | 'node-package'
  /** redis-stable-readers for Python, sync, installed from its wheel, shared by threads. */
  | 'python-threads'
  /** redis-stable-readers for Python, asyncio flavour, shared by tasks. */
  | 'python-asyncio'
  /** The README's old ioredis code (readme-ioredis.ts), one StableReader shared by every loop. */
  | 'node-readme'
  /** The README's old redis-py code (readme_redis_py.py), one StableReader shared by every thread. */
  | 'python-readme'
  /** Valkey GLIDE for Node, standalone client given primary.<zone> and the replica names, readFrom preferReplica. */
  | 'node-glide';

export interface SharedClientConfig {
  readonly kind: SharedClientKind;
  /** Replica names; the reader is given all of them. */
  readonly names: readonly string[];
  /** `primary.<zone>` (GLIDE is given it too). */
  readonly primaryName: string;
  /** Concurrent loops (threads, tasks) sharing the one reader. */
  readonly loops: number;
  /** Pause between one loop's reads. */
  readonly readIntervalMs: number;
  /** Loop `i` reads `<keyPrefix><i>`, whose value is `<i>:<nonce>`: any other value is another loop's reply. */
  readonly keyPrefix: string;
  readonly nonce: string;
}

/** The value the lab seeds for loop `loop`'s key. */
export function expectedValue(config: Pick<SharedClientConfig, 'nonce'>, loop: number): string {
  return `${loop}:${config.nonce}`;
}

/**
 * One read, as `[t, loop, ms, outcome]`: `t` the wall clock (ms) when it finished, `ms` how long the call
 * took, outcome `m` right value from a primary, `s` right value from a replica, `v` right value from a node
 * the client cannot name (GLIDE), `w` a wrong value, `x` an error (the error itself comes as an `error` event).
 */
export type ReadRecord = readonly [t: number, loop: number, ms: number, outcome: 'm' | 's' | 'v' | 'w' | 'x'];

export type SharedEvent =
  /** Reads, batched (a line per read would cost the lab more than the reads). */
  | { readonly e: 'reads'; readonly r: readonly ReadRecord[] }
  /** An error that reached the application, or a wrong value (first few of each, with the loop). */
  | { readonly e: 'error'; readonly t: number; readonly loop: number; readonly error: string }
  | { readonly e: 'wrong'; readonly t: number; readonly loop: number; readonly got: string }
  /**
   * What the client says it did so far (cumulative): connections it opened, moves, fallbacks, role checks;
   * names as the client reports them. Sent every 250 ms.
   */
  | { readonly e: 'stats'; readonly t: number; readonly counters: Record<string, number> }
  /** The client's budget for one call (ms), as configured or its default. */
  | { readonly e: 'budget'; readonly ms: number };
