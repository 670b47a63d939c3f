/**
 * The cache engine of the replication group.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
 */
export enum CacheEngine {
  /** Valkey, the open-source fork of Redis OSS maintained by the Linux Foundation. */
  VALKEY = 'valkey',
  /** Redis OSS. */
  REDIS = 'redis',
}
