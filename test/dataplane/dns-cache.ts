import type { Lookup, RecordSource, RecordType } from './dns-records';

/** How long a resolver keeps "no such name" or "no such type" (the lab zone's SOA minimum). */
export const NEGATIVE_TTL_SECONDS = 5;

/**
 * A resolver cache in front of a record source, as the VPC resolver is: each name and type is kept for
 * its TTL (negative answers for {@link NEGATIVE_TTL_SECONDS}), and served with the TTL that is left.
 */
export class CachingSource implements RecordSource {
  private readonly cache = new Map<string, { readonly lookup: Lookup; readonly expiresAt: number }>();

  constructor(private readonly upstream: RecordSource) {}

  lookup(name: string, type: RecordType): Lookup {
    const key = `${name.toLowerCase()}|${type}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) {
      const left = Math.max(1, Math.ceil((hit.expiresAt - now) / 1000));
      return hit.lookup.kind === 'records' ? { kind: 'records', set: { ...hit.lookup.set, ttl: left } } : hit.lookup;
    }
    const lookup = this.upstream.lookup(name, type);
    const ttl = lookup.kind === 'records' ? lookup.set.ttl : lookup.kind === 'refused' ? 0 : NEGATIVE_TTL_SECONDS;
    if (ttl > 0) {
      this.cache.set(key, { lookup, expiresAt: now + ttl * 1000 });
    }
    return lookup;
  }
}
