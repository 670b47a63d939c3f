import { promises as dns } from 'dns';
import { withTimeout } from './deadline';
import { StableRedisError } from './errors';

/** Where a stable name led: the CNAME's target (what TLS is verified against) and its IPv4 address. */
export interface Address {
  readonly name: string;
  readonly target: string;
  readonly ip: string;
}

/** A lookup's result; `stale` when the resolver failed or was slow and the last known address stood in. */
export interface Lookup extends Address {
  readonly stale: boolean;
  readonly error?: unknown;
}

/** The longest a lookup may take before the last known address is used instead. */
export const LOOKUP_SLICE_MS = 1_000;

/**
 * Resolves stable names and keeps each name's last good target and address, so a resolver that is down
 * or slow never stops a move while the nodes are up. A lookup never runs past the time it is given.
 */
export class AddressBook {
  private readonly known = new Map<string, Address>();
  private readonly active = new Set<dns.Resolver>();

  constructor(private readonly servers?: readonly string[]) {
    // Fails now, not at the first lookup, on a server string the resolver cannot use.
    this.newResolver(1);
  }

  lastKnown(name: string): Address | undefined {
    return this.known.get(name);
  }

  /**
   * The name's target and address within `min(LOOKUP_SLICE_MS, budgetMs)`, else the last known one.
   * Throws when there is none: NOT_A_CNAME or NAME_NOT_FOUND at once (bad input), else the resolver's error.
   */
  async lookup(name: string, budgetMs: number): Promise<Lookup> {
    const slice = Math.max(1, Math.min(LOOKUP_SLICE_MS, budgetMs));
    const resolver = this.newResolver(slice);
    this.active.add(resolver);
    try {
      const address = await withTimeout(this.query(resolver, name), slice,
        () => Object.assign(new Error(`DNS lookup of ${name} took over ${slice} ms`), { code: 'ETIMEOUT' }));
      this.known.set(name, address);
      return { ...address, stale: false };
    } catch (error) {
      resolver.cancel();
      const known = this.known.get(name);
      if (known) {
        return { ...known, stale: true, error };
      }
      throw error;
    } finally {
      this.active.delete(resolver);
    }
  }

  /** Ends every lookup under way (they fall back to the last known addresses, or fail). */
  cancelAll(): void {
    for (const resolver of this.active) {
      resolver.cancel();
    }
  }

  private async query(resolver: dns.Resolver, name: string): Promise<Address> {
    let targets: string[];
    try {
      targets = await resolver.resolveCname(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODATA') {
        throw new StableRedisError('NOT_A_CNAME', `${name} is not a CNAME: give the stable names (replica1.<zone>, primary.<zone>), which point at nodes`, { cause: error });
      }
      if (code === 'ENOTFOUND') {
        throw new StableRedisError('NAME_NOT_FOUND', `${name} does not exist in DNS`, { cause: error });
      }
      throw error;
    }
    const target = targets[0].toLowerCase().replace(/\.$/, '');
    const [ip] = await resolver.resolve4(target);
    return { name, target, ip };
  }

  private newResolver(timeoutMs: number): dns.Resolver {
    const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
    if (this.servers) {
      try {
        resolver.setServers([...this.servers]);
      } catch (error) {
        throw new StableRedisError('BAD_OPTION', `dnsServers: received ${JSON.stringify(this.servers)}; allowed: "ip" or "ip:port" strings (${(error as Error).message})`, { cause: error });
      }
    }
    return resolver;
  }
}
