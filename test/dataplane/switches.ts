/**
 * What the lab assumes about ElastiCache where it cannot know. Every assumption is one named switch,
 * so a run states its model of AWS and a bench row can vary it.
 */
export interface ElastiCacheModel {
  /**
   * Whether promoting a replica closes its client connections. Redis and Valkey do not (REPLICAOF NO ONE
   * keeps them); whether ElastiCache's orchestration does is not documented.
   */
  readonly promotionClosesConnections: boolean;
  /**
   * Time from the role change to the SNS `ElastiCache:FailoverComplete` reaching the updater; `null`:
   * the notification is lost and only the schedule repairs the names. AWS gives no bound.
   */
  readonly notificationDelayMs: number | null;
  /** Time from the role change until DescribeReplicationGroups shows the new roles. AWS gives no bound. */
  readonly rolesVisibleAfterMs: number;
  /**
   * The `CacheClusterStatus` DescribeCacheClusters reports for a failed old primary until it is back as a
   * replica. Undocumented; `available` is the worst case for clients (the updater may point a name at it).
   */
  readonly statusWhileDown: string;
  /** TTL of the node names and the primary endpoint (ElastiCache's own records). Not documented. */
  readonly nodeRecordTtlSeconds: number;
  /** Whether the VPC resolver caches answers for their TTL (it does by default; some setups add more caching). */
  readonly resolverCaches: boolean;
  /** Delay between a Route 53 change and the VPC resolver answering it. Route 53 documents "within 60 s" for changes. */
  readonly route53PropagationMs: number;
  /** Time from a primary failing to a replica being promoted. AWS gives no bound. */
  readonly primaryFailureDetectionMs: number;
  /** How long a failed old primary stays down before it is back as a replica (ElastiCache replaces it). */
  readonly oldPrimaryDownMs: number;
  /** How often the updater's schedule runs. The product default is 5 minutes. */
  readonly scheduleIntervalMs: number;
}

/** The lab's default model: the product's defaults, and the measured or worst case where AWS is silent. */
export const DEFAULT_MODEL: ElastiCacheModel = {
  promotionClosesConnections: false,
  notificationDelayMs: 3_000,
  rolesVisibleAfterMs: 0,
  statusWhileDown: 'available',
  nodeRecordTtlSeconds: 5,
  resolverCaches: true,
  route53PropagationMs: 0,
  primaryFailureDetectionMs: 1_000,
  oldPrimaryDownMs: 4_000,
  scheduleIntervalMs: 5 * 60_000,
};
