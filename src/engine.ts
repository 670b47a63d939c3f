/**
 * The engine of the replication group: Valkey or Redis OSS.
 *
 * Named for what it configures, a replication group's `Engine`. It is not the
 * `CacheEngine` of `@aws-cdk/aws-elasticache-alpha`, which names serverless engines with a
 * version (`VALKEY_8`, `REDIS_LATEST`, …): the version here is `engineVersion`.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
 */
export enum ReplicationGroupEngine {
  /** Valkey, the open-source fork of Redis OSS maintained by the Linux Foundation. */
  VALKEY = 'valkey',
  /** Redis OSS. */
  REDIS = 'redis',
}
