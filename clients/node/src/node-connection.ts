import Redis from 'ioredis';
import type { Address } from './addresses';
import { withTimeout } from './deadline';
import { StableRedisError } from './errors';
import type { Settings } from './options';
import { refuseConnectionWideCommands } from './shared-commands';

/** What ROLE said about a node. */
export interface RoleReport {
  /** `master` or `slave` (Redis's words). */
  readonly role: string;
  /** For a replica: its link to the primary; `connected` once in sync. */
  readonly linkState?: string;
}

const AUTH_REPLY = /^(WRONGPASS|NOAUTH|ERR invalid password|ERR AUTH)/;
/** An RBAC user whose access string does not allow ROLE (it is in @admin): every connection would fail alike. */
const NO_PERMISSION_REPLY = /^NOPERM/;
const TLS_CODES = /^(ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_HAS_EXPIRED|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?)$/;

/**
 * One ioredis connection to one node, reached by its address and verified against the CNAME's target.
 * It never reconnects or queues on its own: a broken connection ends, and its owner decides what next.
 */
export class NodeConnection {
  /**
   * Connects, then checks ROLE, within `timeoutMs`. Throws AUTH_FAILED, NO_PERMISSION or TLS_FAILED for bad
   * credentials, a user not allowed ROLE, or certificates (retrying cannot help), else the connection's error.
   */
  static async open(address: Address, settings: Settings, timeoutMs: number, onEnd: (connection: NodeConnection) => void): Promise<NodeConnection> {
    const startedAt = Date.now();
    const redis = new Redis({
      host: address.ip,
      port: settings.port,
      username: settings.username,
      password: settings.password,
      // rejectUnauthorized set explicitly, so NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot switch verification off.
      tls: settings.tls === false ? undefined : { ...settings.tls, servername: address.target, rejectUnauthorized: true },
      lazyConnect: true,
      connectTimeout: Math.max(1, timeoutMs),
      // The owner decides when and where to reconnect, and commands fail at once instead of queueing.
      retryStrategy: () => null,
      reconnectOnError: () => false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
      // ROLE is checked right after connecting; the INFO ready check and CLIENT SETINFO would be extra round trips.
      enableReadyCheck: false,
      disableClientInfo: true,
    });
    refuseConnectionWideCommands(redis);
    const connection = new NodeConnection(address, redis, onEnd);
    try {
      await withTimeout(redis.connect(), timeoutMs, () => new Error(`connecting to ${address.target} (${address.ip}) took over ${timeoutMs} ms`));
      await connection.checkRole(Math.max(1, timeoutMs - (Date.now() - startedAt)));
      return connection;
    } catch (error) {
      connection.close();
      throw connection.fatalError ?? tlsFailed(error, address) ?? error;
    }
  }

  /** Set when the connection has ended (by us or by the node). */
  ended = false;
  /** What the last ROLE said. */
  role?: RoleReport;
  /** When ROLE was last answered. */
  checkedAt = 0;
  /** Refused credentials, ROLE not allowed, or a certificate that did not verify: retrying cannot help. */
  private fatalError?: StableRedisError;

  private constructor(readonly address: Address, readonly redis: Redis, onEnd: (connection: NodeConnection) => void) {
    // A failed AUTH or certificate check arrives as an 'error' event (connect() then rejects with "Connection is
    // closed."); keep it for open() to throw.
    redis.on('error', (error: Error) => {
      if (error.name === 'ReplyError' && AUTH_REPLY.test(error.message)) {
        this.fatalError ??= authFailed(error, address);
      }
      const tlsError = tlsFailed(error, address);
      if (tlsError) {
        this.fatalError ??= tlsError;
      }
    });
    redis.once('end', () => {
      this.ended = true;
      onEnd(this);
    });
  }

  get target(): string {
    return this.address.target;
  }

  /** A replica whose link to its primary is up: fit to read from. */
  get inSync(): boolean {
    return this.role?.role === 'slave' && this.role.linkState === 'connected';
  }

  get isPrimary(): boolean {
    return this.role?.role === 'master';
  }

  /** Open and answering commands. */
  get ready(): boolean {
    return !this.ended && this.redis.status === 'ready';
  }

  async checkRole(timeoutMs: number): Promise<RoleReport> {
    try {
      const reply = await withTimeout(this.redis.call('ROLE') as Promise<unknown[]>, timeoutMs,
        () => new Error(`ROLE on ${this.target} took over ${timeoutMs} ms`));
      const role = String(reply[0]);
      this.role = { role, linkState: role === 'slave' ? String(reply[3]) : undefined };
      this.checkedAt = Date.now();
      return this.role;
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError' && AUTH_REPLY.test(error.message)) {
        this.fatalError ??= authFailed(error, this.address);
        throw this.fatalError;
      }
      if (error instanceof Error && error.name === 'ReplyError' && NO_PERMISSION_REPLY.test(error.message)) {
        this.fatalError ??= noPermission(error, this.address, this.redis.options.username);
        throw this.fatalError;
      }
      throw error;
    }
  }

  /** Ends the connection gracefully: replies already on the wire still arrive. */
  close(): void {
    this.ended = true;
    this.redis.disconnect();
  }
}

function authFailed(error: Error, address: Address): StableRedisError {
  return new StableRedisError('AUTH_FAILED', `${address.target} (through ${address.name}) refused the credentials: ${error.message}`, { cause: error });
}

function noPermission(error: Error, address: Address, username: string | undefined): StableRedisError {
  return new StableRedisError('NO_PERMISSION', `${address.target} (through ${address.name}) does not allow ROLE for user ${username ?? 'default'}: `
    + `${error.message}; the user needs +role in its access string (ROLE is in @admin), e.g. "on ~* +@read +role"`, { cause: error });
}

function tlsFailed(error: unknown, address: Address): StableRedisError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return new StableRedisError('TLS_FAILED', `the certificate of ${address.target} (through ${address.name}) did not verify: ${(error as Error).message}; give the CA in tls.ca if it is not a public one`, { cause: error });
  }
  return undefined;
}
