import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';

/** The record types the lab serves. */
export type RecordType = 'A' | 'CNAME';

/** One name's records of one type. */
export interface RecordSet {
  readonly type: RecordType;
  readonly ttl: number;
  readonly values: readonly string[];
}

/** What an authoritative server knows about one name and type. */
export type Lookup =
  | { readonly kind: 'records'; readonly set: RecordSet }
  /** The name exists, but not with this type. */
  | { readonly kind: 'nodata' }
  | { readonly kind: 'nxdomain' }
  /** Not a name this server answers for. */
  | { readonly kind: 'refused' };

/** Answers lookups for the names of one emulated group: a record source for the DNS server. */
export interface RecordSource {
  lookup(name: string, type: RecordType): Lookup;
}

/** What the zone view reads from the emulator. */
export interface ZoneViewOptions {
  readonly route53: Route53Client;
  readonly elastiCache: ElastiCacheClient;
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly replicationGroupId: string;
  /** The loopback address of a member's node, by cache cluster id. */
  readonly ipOf: (cacheClusterId: string) => string | undefined;
  /** TTL of the node names and the primary endpoint (a switch: ElastiCache does not document it). */
  readonly nodeRecordTtlSeconds: number;
  /** How long a change takes to reach the resolver (a switch). */
  readonly propagationMs: number;
  readonly pollIntervalMs?: number;
}

interface Snapshot {
  readonly at: number;
  readonly records: ReadonlyMap<string, ReadonlyMap<RecordType, RecordSet>>;
  readonly domains: readonly string[];
}

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * The zone's CNAMEs as the emulated Route 53 holds them (with their TTLs), and the node names as the
 * emulated ElastiCache reports the group's members (A records to each node's loopback address), re-read
 * every `pollIntervalMs`. It answers for the zone and the node domain; anything else is refused.
 */
export class ZoneView implements RecordSource {
  private readonly snapshots: Snapshot[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastError?: string;

  constructor(private readonly options: ZoneViewOptions) {}

  /** Reads once, then keeps polling until {@link stop}. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The last polling error, if the last poll failed. */
  get error(): string | undefined {
    return this.lastError;
  }

  lookup(name: string, type: RecordType): Lookup {
    const snapshot = this.current();
    const key = normalize(name);
    if (!snapshot || !snapshot.domains.some((domain) => key === domain || key.endsWith(`.${domain}`))) {
      return { kind: 'refused' };
    }
    const sets = snapshot.records.get(key);
    if (!sets) {
      return { kind: 'nxdomain' };
    }
    const set = sets.get(type);
    return set ? { kind: 'records', set } : { kind: 'nodata' };
  }

  /** The newest snapshot that has propagated. */
  private current(): Snapshot | undefined {
    const visibleAt = Date.now() - this.options.propagationMs;
    for (let index = this.snapshots.length - 1; index >= 0; index--) {
      if (this.snapshots[index].at <= visibleAt) {
        return this.snapshots[index];
      }
    }
    return undefined;
  }

  private schedule(): void {
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.poll().finally(() => this.schedule()), this.options.pollIntervalMs ?? 200);
    }
  }

  private async poll(): Promise<void> {
    const { route53, elastiCache, hostedZoneId, zoneName, replicationGroupId, ipOf, nodeRecordTtlSeconds } = this.options;
    try {
      const [zone, groups] = await Promise.all([
        route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId })),
        elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId })),
      ]);
      const records = new Map<string, Map<RecordType, RecordSet>>();
      const add = (name: string, set: RecordSet) => {
        const key = normalize(name);
        records.set(key, (records.get(key) ?? new Map()).set(set.type, set));
      };
      for (const recordSet of zone.ResourceRecordSets ?? []) {
        if (recordSet.Type === 'CNAME') {
          add(recordSet.Name!, { type: 'CNAME', ttl: recordSet.TTL ?? 300, values: (recordSet.ResourceRecords ?? []).map((r) => normalize(r.Value!)) });
        }
      }
      const nodeGroup = groups.ReplicationGroups?.[0]?.NodeGroups?.[0];
      const members = nodeGroup?.NodeGroupMembers ?? [];
      const a = (ips: Array<string | undefined>): RecordSet => ({ type: 'A', ttl: nodeRecordTtlSeconds, values: ips.filter((ip): ip is string => !!ip) });
      for (const member of members) {
        add(member.ReadEndpoint!.Address!, a([ipOf(member.CacheClusterId!)]));
      }
      // ElastiCache's own endpoints follow the roles it reports.
      const primaryEndpoint = normalize(nodeGroup?.PrimaryEndpoint?.Address ?? '');
      add(primaryEndpoint, a(members.filter((m) => m.CurrentRole === 'primary').map((m) => ipOf(m.CacheClusterId!))));
      if (nodeGroup?.ReaderEndpoint?.Address) {
        add(nodeGroup.ReaderEndpoint.Address, a(members.filter((m) => m.CurrentRole === 'replica').map((m) => ipOf(m.CacheClusterId!))));
      }
      const nodeDomain = primaryEndpoint.replace(/^master\./, '');
      const now = Date.now();
      this.snapshots.push({ at: now, records, domains: [normalize(zoneName), nodeDomain] });
      // Keep what a propagation delay still needs, and the newest that has propagated.
      const keepAfter = now - this.options.propagationMs - 5_000;
      while (this.snapshots.length > 2 && this.snapshots[1].at < keepAfter) {
        this.snapshots.shift();
      }
      this.lastError = undefined;
    } catch (error) {
      this.lastError = String(error);
    }
  }
}
