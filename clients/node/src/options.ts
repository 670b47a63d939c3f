import type { ConnectionOptions } from 'tls';
import { StableRedisError } from './errors';

/** TLS options merged into every connection; `servername` is always the CNAME's target, so it cannot be set. */
export type StableTlsOptions = Omit<ConnectionOptions, 'servername' | 'host' | 'port' | 'socket' | 'checkServerIdentity'>;

/** What readers and writers share. */
export interface StableClientOptions {
  /** RBAC user (ElastiCache RBAC); omit for the AUTH token alone. */
  readonly username?: string;
  /** The AUTH token, or the RBAC user's password. */
  readonly password?: string;
  /** The nodes' port. Default 6379. */
  readonly port?: number;
  /**
   * TLS (default: on, verified against the system's CAs). Options given here (such as `ca`) are merged in;
   * `servername` is always the CNAME's target, and certificates and hostnames are always verified
   * (`rejectUnauthorized` is forced to true, whatever NODE_TLS_REJECT_UNAUTHORIZED says). `false` for plain TCP.
   */
  readonly tls?: StableTlsOptions | false;
  /**
   * The one budget of every call's total time, DNS lookups, connects and retries included. Default 15000:
   * a writer must outlast a failover: the promotion, the updater moving `primary.<zone>`, and resolvers
   * caching the old target for up to the names' TTL (10 s by default).
   */
  readonly timeoutMs?: number;
  /**
   * DNS servers (`ip` or `ip:port`) to ask instead of the system's resolv.conf. Default: the system's.
   */
  readonly dnsServers?: readonly string[];
}

export interface StableReaderOptions extends StableClientOptions {
  /** The stable replica names (`replica1.<zone>`, ...): one connection each, reads spread over them. */
  readonly names: readonly string[];
  /** How often each connection's ROLE is checked, in ms. Default 1000. */
  readonly roleCheckIntervalMs?: number;
}

export interface StableWriterOptions extends StableClientOptions {
  /** The stable primary name (`primary.<zone>`). */
  readonly name: string;
}

/** Options with their defaults applied. */
export interface Settings {
  readonly username?: string;
  readonly password?: string;
  readonly port: number;
  readonly tls: StableTlsOptions | false;
  readonly timeoutMs: number;
  readonly dnsServers?: readonly string[];
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_ROLE_CHECK_INTERVAL_MS = 1_000;
export const DEFAULT_PORT = 6379;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function bad(property: string, received: unknown, allowed: string): StableRedisError {
  return new StableRedisError('BAD_OPTION', `${property}: received ${JSON.stringify(received) ?? String(received)}; allowed: ${allowed}`);
}

/** A stable name as compared and resolved: lower case, without a trailing dot. */
export function checkName(property: string, name: unknown): string {
  if (typeof name !== 'string' || !HOSTNAME.test(name.toLowerCase().replace(/\.$/, ''))) {
    throw bad(property, name, 'a DNS name such as "replica1.cache.example.internal"');
  }
  return name.toLowerCase().replace(/\.$/, '');
}

export function checkReaderNames(names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw bad('names', names, 'a non-empty array of the stable replica names');
  }
  const checked = names.map((name, index) => checkName(`names[${index}]`, name));
  const duplicate = checked.find((name, index) => checked.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw bad('names', names, `each name once (${duplicate} is there twice)`);
  }
  return checked;
}

function checkInteger(property: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(property, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function checkRoleCheckInterval(value: unknown): number {
  return checkInteger('roleCheckIntervalMs', value, DEFAULT_ROLE_CHECK_INTERVAL_MS, 50, 60_000);
}

export function checkSettings(options: StableClientOptions): Settings {
  if (options.username !== undefined && (typeof options.username !== 'string' || options.username === '')) {
    throw bad('username', options.username, 'a non-empty string, or leave it out');
  }
  if (options.password !== undefined && typeof options.password !== 'string') {
    throw bad('password', options.password, 'a string, or leave it out');
  }
  const tls = options.tls ?? {};
  if (tls !== false) {
    if (typeof tls !== 'object' || tls === null) {
      throw bad('tls', tls, 'TLS options (an object) or false');
    }
    for (const forbidden of ['servername', 'checkServerIdentity', 'host', 'port', 'socket']) {
      if (forbidden in tls) {
        throw bad(`tls.${forbidden}`, '(set)', 'not set: the package verifies against each CNAME\'s target itself');
      }
    }
    // Any value but true (0, null, "false" from JavaScript callers) would read as "do not verify".
    const rejectUnauthorized = (tls as ConnectionOptions).rejectUnauthorized;
    if (rejectUnauthorized !== undefined && rejectUnauthorized !== true) {
      throw bad('tls.rejectUnauthorized', rejectUnauthorized, 'true or unset: certificates are always verified');
    }
  }
  const dnsServers = options.dnsServers;
  if (dnsServers !== undefined && (!Array.isArray(dnsServers) || dnsServers.length === 0
    || dnsServers.some((server) => typeof server !== 'string' || server === ''))) {
    throw bad('dnsServers', dnsServers, 'a non-empty array of "ip" or "ip:port" strings, or leave it out');
  }
  return {
    username: options.username,
    password: options.password,
    port: checkInteger('port', options.port, DEFAULT_PORT, 1, 65_535),
    tls,
    timeoutMs: checkInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1, 600_000),
    dnsServers: dnsServers ? [...dnsServers] : undefined,
  };
}
