import { EventEmitter } from 'events';
import type Redis from 'ioredis';
import { AddressBook, Lookup } from './addresses';
import { Deadline, sleep, withTimeout } from './deadline';
import { isFatal, message, StableRedisError } from './errors';
import type { StableReaderEvents } from './events';
import { classify } from './failures';
import { NodeConnection } from './node-connection';
import { checkReaderNames, checkRoleCheckInterval, checkSettings, Settings, StableReaderOptions } from './options';

/** One per stable name: where that name's share of the reads goes. */
interface Slot {
  /** Its own name. */
  readonly home: string;
  /** The node its name led to when last looked up. */
  homeTarget?: string;
  /** The connection it reads from now: its home node's, or one borrowed while that is not a replica in sync. */
  connection?: NodeConnection;
  /** Whether it has read from another node than its home's since it last was home. */
  away: boolean;
}

/** A pass that found no way to serve reads waits this long before the next, so waiting callers do not spin. */
const IDLE_PASS_MS = 100;

/**
 * Reads from replicas through the stable replica names, for any number of concurrent callers.
 *
 * One multiplexed connection per name; calls are spread over those whose node is a replica in sync.
 * ROLE is checked on each connection when it opens and once per `roleCheckIntervalMs`; a connection on a
 * primary or on a replica out of sync stops serving, its name's reads go to another name's node at once
 * (DNS need not have moved), and come back when the name's node is a replica in sync again. One pass
 * repairs at a time, whatever number of calls failed together. With no replica anywhere, reads go to the
 * primary the names lead to. Every call ends within `timeoutMs`.
 */
export class StableReader extends EventEmitter<StableReaderEvents> {
  /** The stable names, normalized (lower case, no trailing dot). */
  readonly names: readonly string[];
  private readonly settings: Settings;
  private readonly roleCheckIntervalMs: number;
  /** How long a background connect + ROLE, or a ROLE alone, may take before the node counts as down. */
  private readonly attemptMs: number;
  private readonly book: AddressBook;
  private readonly slots: Slot[];
  /** Every open connection, by node (CNAME target). */
  private readonly connections = new Map<string, NodeConnection>();
  private readonly opening = new Map<string, Promise<NodeConnection | undefined>>();
  /** Nodes that refused a connection, and until when no new attempt is made. */
  private readonly unreachableUntil = new Map<string, number>();
  private fallback?: NodeConnection;
  private fatal?: StableRedisError;
  private lastProblem?: unknown;
  private refreshing?: Promise<void>;
  private again = false;
  private waiters: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private next = 0;
  private closed = false;

  constructor(options: StableReaderOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new StableRedisError('BAD_OPTION', `options: received ${String(options)}; allowed: an object with at least names`);
    }
    this.names = checkReaderNames(options.names);
    this.settings = checkSettings(options);
    this.roleCheckIntervalMs = checkRoleCheckInterval(options.roleCheckIntervalMs);
    this.attemptMs = Math.min(this.settings.timeoutMs, Math.max(1_000, this.roleCheckIntervalMs));
    this.book = new AddressBook(this.settings.dnsServers);
    this.slots = this.names.map((home) => ({ home, away: false }));
  }

  /**
   * Runs `fn` on a connection to a replica (every command in `fn` goes to that one node) and returns its result.
   * On a broken connection or a node that stopped being fit (LOADING, MASTERDOWN), `fn` runs again
   * elsewhere; Redis's other replies reach the caller unchanged. Fails with a StableRedisError `TIMEOUT` when
   * `timeoutMs` runs out, at once on bad names or credentials.
   *
   * For reads only: `fn` may run more than once, so it must have no side effects, and while no replica is
   * in sync its commands reach the primary (a write would succeed there). The connection is shared by every
   * concurrent call: blocking and connection-state commands (BLPOP, SELECT, ...) fail with UNSUPPORTED_COMMAND.
   */
  async read<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const deadline = Deadline.after(this.settings.timeoutMs);
    let lastError: unknown;
    for (;;) {
      const connection = await this.serving(deadline, lastError);
      let timedOut = false;
      try {
        return await withTimeout(fn(connection.redis), deadline.remaining, () => {
          timedOut = true;
          return this.timeout(lastError);
        });
      } catch (error) {
        if (timedOut) {
          // A node that does not answer in time gets its ROLE checked now rather than at the next interval.
          this.suspect(connection);
          throw error;
        }
        const failure = classify(error, connection.redis, 'read');
        if (failure === 'final') {
          throw error;
        }
        lastError = error;
        if (failure === 'connection') {
          this.retire(connection, `a command failed: ${message(error)}`);
        } else {
          this.suspect(connection);
        }
        if (deadline.expired) {
          throw this.timeout(lastError);
        }
      }
    }
  }

  /** Connects now and resolves once reads can be served: a way to see bad names or credentials at startup. */
  async connect(): Promise<void> {
    await this.serving(Deadline.after(this.settings.timeoutMs), undefined);
  }

  /** Closes every connection; calls made after it fail with `CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    this.book.cancelAll();
    clearInterval(this.timer);
    for (const connection of this.connections.values()) {
      connection.close();
    }
    this.connections.clear();
    this.notify();
  }

  /** A connection fit to serve a call, waiting (within the deadline) for a repair pass if there is none. */
  private async serving(deadline: Deadline, lastError: unknown): Promise<NodeConnection> {
    this.start();
    for (let pass = 0; ; pass++) {
      if (this.closed) {
        throw new StableRedisError('CLOSED', 'the reader is closed');
      }
      if (this.fatal) {
        throw this.fatal; // the next timed pass clears it if the cause went away
      }
      const connection = this.pick();
      if (connection) {
        return connection;
      }
      if (deadline.expired) {
        throw this.timeout(lastError ?? this.lastProblem);
      }
      if (pass > 0) {
        await sleep(Math.min(IDLE_PASS_MS, deadline.remaining));
      }
      const changed = this.changed();
      this.kick();
      await withTimeout(changed, deadline.remaining, () => new Error('deadline')).catch(() => undefined);
    }
  }

  /** Round robin over the slots whose connection is a replica in sync; the primary only as the fallback. */
  private pick(): NodeConnection | undefined {
    for (let tried = 0; tried < this.slots.length; tried++) {
      const slot = this.slots[this.next];
      this.next = (this.next + 1) % this.slots.length;
      if (slot.connection?.ready && slot.connection.inSync) {
        return slot.connection;
      }
    }
    return this.fallback?.ready && this.fallback.isPrimary ? this.fallback : undefined;
  }

  private start(): void {
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.kick(), this.roleCheckIntervalMs);
      this.timer.unref();
      this.kick();
    }
  }

  /** Starts a repair pass, or asks the running one to go once more: never two at a time. */
  private kick(): void {
    if (this.closed) {
      return;
    }
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refresh();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.refreshing = undefined;
      this.notify();
    });
  }

  private suspect(connection: NodeConnection): void {
    connection.checkedAt = 0;
    connection.role = undefined;
    this.kick();
  }

  /** Closes a connection that broke or stopped answering; the first report of it starts a repair. */
  private retire(connection: NodeConnection, reason: string): void {
    if (this.connections.get(connection.target) !== connection) {
      return;
    }
    this.connections.delete(connection.target);
    connection.close();
    this.emit('retire', { target: connection.target, reason });
    this.kick();
  }

  /** One repair pass: check roles, move slots off unfit nodes, bring them home, fall back to the primary. */
  private async refresh(): Promise<void> {
    const problems: unknown[] = [];
    let fatal: StableRedisError | undefined;

    // 1. ROLE on every connection that is due (or suspected).
    const due = [...this.connections.values()].filter((c) => Date.now() - c.checkedAt >= this.roleCheckIntervalMs * 0.9);
    await Promise.all(due.map((connection) => this.checkRole(connection)));

    // 2. Slots without a fit connection borrow an open one at once, so reads go on while homes are sought.
    if (this.assign()) {
      this.notify();
    }

    // 3. Slots not on their own name's node: look the name up and check (or open) that node.
    const away = this.slots.filter((slot) => !this.isHome(slot));
    await Promise.all(away.map(async (slot) => {
      try {
        const lookup = await this.book.lookup(slot.home, this.attemptMs);
        this.noteStale(lookup);
        slot.homeTarget = lookup.target;
        await this.connectTo(lookup);
      } catch (error) {
        if (isFatal(error)) {
          fatal ??= error;
        } else {
          problems.push(error);
        }
      }
    }));

    // 4. Home where the home node is fit; borrow otherwise; with no replica in sync anywhere, the primary.
    for (const slot of away) {
      const home = slot.homeTarget === undefined ? undefined : this.connections.get(slot.homeTarget);
      if (home?.ready && home.inSync && slot.connection !== home) {
        slot.connection = home;
        if (slot.away) {
          slot.away = false;
          this.emit('home', { name: slot.home, target: home.target });
        }
      }
    }
    this.assign();
    this.chooseFallback();

    // 5. Close what nobody needs: keep serving connections, the fallback, and each name's home node (re-checked each interval).
    const keep = new Set<NodeConnection | undefined>([this.fallback]);
    for (const slot of this.slots) {
      keep.add(slot.connection);
      keep.add(slot.homeTarget === undefined ? undefined : this.connections.get(slot.homeTarget));
    }
    for (const connection of [...this.connections.values()]) {
      if (!keep.has(connection)) {
        this.connections.delete(connection.target);
        connection.close();
      }
    }

    this.fatal = fatal;
    this.lastProblem = problems.at(-1);
    this.notify();
  }

  private isHome(slot: Slot): boolean {
    const connection = slot.connection;
    return connection !== undefined && connection.ready && connection.inSync && connection.target === slot.homeTarget;
  }

  /** Gives each slot without a fit connection one: its home node's if fit, else another open one. True if any changed. */
  private assign(): boolean {
    const fit = [...this.connections.values()].filter((c) => c.ready && c.inSync);
    let changed = false;
    this.slots.forEach((slot, index) => {
      if (fit.length === 0 || (slot.connection?.ready && slot.connection.inSync)) {
        return;
      }
      const home = slot.homeTarget === undefined ? undefined : this.connections.get(slot.homeTarget);
      const chosen = home?.ready && home.inSync ? home : fit[index % fit.length];
      const from = slot.connection?.target;
      slot.connection = chosen;
      changed = true;
      if (chosen === home) {
        if (slot.away) {
          slot.away = false;
          this.emit('home', { name: slot.home, target: chosen.target });
        }
      } else {
        slot.away = true;
        this.emit('move', { name: slot.home, from, to: chosen.target });
      }
    });
    return changed;
  }

  private chooseFallback(): void {
    const open = [...this.connections.values()];
    if (open.some((c) => c.ready && c.inSync)) {
      if (this.fallback) {
        const target = this.fallback.target;
        this.fallback = undefined;
        this.emit('fallback-end', { target });
      }
      return;
    }
    if (this.fallback?.ready && this.fallback.isPrimary) {
      return;
    }
    this.fallback = open.find((c) => c.ready && c.isPrimary);
    if (this.fallback) {
      this.emit('fallback', { target: this.fallback.target });
    }
  }

  /** The open connection to a node, or a new one (one attempt at a time per node; none while it refuses). */
  private connectTo(lookup: Lookup): Promise<NodeConnection | undefined> {
    const existing = this.connections.get(lookup.target);
    if (existing) {
      return Promise.resolve(existing);
    }
    if ((this.unreachableUntil.get(lookup.target) ?? 0) > Date.now()) {
      return Promise.resolve(undefined);
    }
    let opening = this.opening.get(lookup.target);
    if (!opening) {
      opening = NodeConnection.open(lookup, this.settings, this.attemptMs, (ended) => this.retire(ended, 'the connection ended'))
        .then((connection) => {
          if (this.closed) {
            connection.close();
            return undefined;
          }
          this.connections.set(connection.target, connection);
          this.unreachableUntil.delete(connection.target);
          this.emit('connect', { name: lookup.name, target: lookup.target, ip: lookup.ip, role: connection.role?.role, linkState: connection.role?.linkState });
          return connection;
        }, (error: unknown) => {
          this.unreachableUntil.set(lookup.target, Date.now() + this.roleCheckIntervalMs);
          throw error;
        })
        .finally(() => this.opening.delete(lookup.target));
      this.opening.set(lookup.target, opening);
    }
    return opening;
  }

  private async checkRole(connection: NodeConnection): Promise<void> {
    try {
      const role = await connection.checkRole(this.attemptMs);
      this.emit('role-check', { target: connection.target, role: role.role, linkState: role.linkState, inSync: connection.inSync });
    } catch (error) {
      this.retire(connection, `ROLE failed: ${message(error)}`);
    }
  }

  private noteStale(lookup: Lookup): void {
    if (lookup.stale) {
      this.emit('stale-address', { name: lookup.name, target: lookup.target, ip: lookup.ip, error: message(lookup.error) });
    }
  }

  private timeout(lastError: unknown): StableRedisError {
    const last = lastError === undefined ? '' : `; last error: ${message(lastError)}`;
    return new StableRedisError('TIMEOUT', `no replica or primary served the read within timeoutMs (${this.settings.timeoutMs} ms)${last}`, { cause: lastError });
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}
