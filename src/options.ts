/**
 * Where the replica names point when the group has no available replica.
 */
export enum NoReplicaFallback {
  /** Point every replica name at the primary node, so reads keep working (from the primary). */
  PRIMARY = 'primary',
  /** Leave every replica name as it is until a replica is available again. */
  KEEP = 'keep',
}

/**
 * Whether clients may still connect without TLS while in-transit encryption is on.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption-enable-existing.html
 */
export enum TransitEncryptionMode {
  /** Only TLS connections are accepted. */
  REQUIRED = 'required',
  /** Both TLS and plain connections are accepted; a step while migrating clients to TLS. */
  PREFERRED = 'preferred',
}
