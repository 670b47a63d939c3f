import { EventEmitter } from 'events';
import type Redis from 'ioredis';
import { AddressBook } from './addresses';
import { Deadline, sleep, withTimeout } from './deadline';
import { message, StableRedisError } from './errors';
import type { StableWriterEvents } from './events';
import { classify } from './failures';
import { NodeConnection } from './node-connection';
import { checkName, checkSettings, Settings, StableWriterOptions } from './options';

/** Pause between attempts while the primary cannot be reached or is not where the name leads yet. */
const RETRY_PAUSE_MS = 100;
/** Longest one connect + ROLE may take. */
const ATTEMPT_MS = 2_000;

/**
 * Writes through the stable primary name. The connection is used only once ROLE says `master`; a write
 * that meets READONLY, LOADING, MASTERDOWN or a broken connection runs again (on the primary the name then
 * leads to) until `timeoutMs` runs out. A write retried after a broken connection may have been applied
 * already: it can apply twice. One connection at a time, shared by every caller, so blocking and
 * connection-state commands (BLPOP, SELECT, ...) fail with UNSUPPORTED_COMMAND.
 */
export class StableWriter extends EventEmitter<StableWriterEvents> {
  /** The stable primary name, normalized. */
  readonly name: string;
  private readonly settings: Settings;
  private readonly book: AddressBook;
  private connection?: NodeConnection;
  private finding?: Promise<NodeConnection>;
  private lastFindAt = 0;
  private closed = false;

  constructor(options: StableWriterOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new StableRedisError('BAD_OPTION', `options: received ${String(options)}; allowed: an object with at least name`);
    }
    this.name = checkName('name', options.name);
    this.settings = checkSettings(options);
    this.book = new AddressBook(this.settings.dnsServers);
  }

  /** Runs `fn` on the primary and returns its result; see the class for when it runs again. */
  async write<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const deadline = Deadline.after(this.settings.timeoutMs);
    let lastError: unknown;
    for (;;) {
      if (this.closed) {
        throw new StableRedisError('CLOSED', 'the writer is closed');
      }
      let connection: NodeConnection;
      try {
        connection = await withTimeout(this.primary(), deadline.remaining, () => this.timeout(lastError));
      } catch (error) {
        if (error instanceof StableRedisError) {
          throw error; // bad input, or this call's own timeout
        }
        lastError = error;
        if (deadline.expired) {
          throw this.timeout(lastError);
        }
        await sleep(Math.min(RETRY_PAUSE_MS, deadline.remaining));
        continue;
      }
      let timedOut = false;
      try {
        return await withTimeout(fn(connection.redis), deadline.remaining, () => {
          timedOut = true;
          return this.timeout(lastError);
        });
      } catch (error) {
        if (timedOut) {
          connection.role = undefined; // checked again before the next write
          throw error;
        }
        const failure = classify(error, connection.redis, 'write');
        if (failure === 'final') {
          throw error;
        }
        lastError = error;
        if (failure === 'connection') {
          this.retire(connection, `a command failed: ${message(error)}`);
        } else {
          connection.role = undefined;
        }
        if (deadline.expired) {
          throw this.timeout(lastError);
        }
        await sleep(Math.min(RETRY_PAUSE_MS, deadline.remaining));
      }
    }
  }

  /** Connects now and resolves once the name leads to a primary. */
  async connect(): Promise<void> {
    await this.write(async () => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.book.cancelAll();
    this.connection?.close();
    this.connection = undefined;
  }

  /** The connection to the primary; one search at a time, whatever number of callers wait. */
  private primary(): Promise<NodeConnection> {
    const connection = this.connection;
    if (connection?.ready && connection.isPrimary) {
      return Promise.resolve(connection);
    }
    this.finding ??= this.find().finally(() => {
      this.finding = undefined;
    });
    return this.finding;
  }

  /** Looks the name up; re-checks ROLE on the open connection if the name still leads there, else connects anew. */
  private async find(): Promise<NodeConnection> {
    await sleep(this.lastFindAt + RETRY_PAUSE_MS - Date.now());
    this.lastFindAt = Date.now();
    const budget = Math.min(this.settings.timeoutMs, ATTEMPT_MS);
    const lookup = await this.book.lookup(this.name, budget);
    if (lookup.stale) {
      this.emit('stale-address', { name: lookup.name, target: lookup.target, ip: lookup.ip, error: message(lookup.error) });
    }
    let connection = this.connection;
    if (connection && (!connection.ready || connection.target !== lookup.target)) {
      this.retire(connection, connection.ready ? `${this.name} now leads to ${lookup.target}` : 'the connection ended');
      connection = undefined;
    }
    if (connection) {
      try {
        await connection.checkRole(budget);
      } catch (error) {
        this.retire(connection, `ROLE failed: ${message(error)}`);
        throw error;
      }
    } else {
      connection = await NodeConnection.open(lookup, this.settings, budget, (ended) => {
        if (this.connection === ended) {
          this.connection = undefined;
        }
      });
      if (this.closed) {
        connection.close();
        throw new StableRedisError('CLOSED', 'the writer is closed');
      }
      this.connection = connection;
      this.emit('connect', { name: lookup.name, target: lookup.target, ip: lookup.ip, role: connection.role?.role, linkState: connection.role?.linkState });
    }
    const role = connection.role!;
    this.emit('role-check', { target: connection.target, role: role.role, linkState: role.linkState, inSync: connection.inSync });
    if (!connection.isPrimary) {
      throw new Error(`${this.name} leads to ${lookup.target}, which is not the primary (ROLE: ${role.role})`);
    }
    return connection;
  }

  private retire(connection: NodeConnection, reason: string): void {
    if (this.connection !== connection) {
      return;
    }
    this.connection = undefined;
    connection.close();
    this.emit('retire', { target: connection.target, reason });
  }

  private timeout(lastError: unknown): StableRedisError {
    const last = lastError === undefined ? '' : `; last error: ${message(lastError)}`;
    return new StableRedisError('TIMEOUT', `the primary did not take the write within timeoutMs (${this.settings.timeoutMs} ms)${last}`, { cause: lastError });
  }
}
