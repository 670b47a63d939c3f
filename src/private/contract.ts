/**
 * The contract between the construct and the updater handler.
 *
 * Both sides import this module, so an environment variable can never be
 * renamed on one side only. It must not import aws-cdk-lib: the handler
 * bundle would otherwise pull the whole CDK in.
 */

/** Environment variable names the construct sets and the handler reads. */
export const UpdaterEnv = {
  /** The replication group whose replicas the names follow. */
  REPLICATION_GROUP_ID: 'REPLICATION_GROUP_ID',
  /** The private hosted zone holding the replica names. */
  HOSTED_ZONE_ID: 'HOSTED_ZONE_ID',
  /** Comma-separated, lowercase, fully qualified names without trailing dot, in order replica1..replicaN. */
  REPLICA_RECORD_NAMES: 'REPLICA_RECORD_NAMES',
  /** TTL of every replica name, in seconds. */
  RECORD_TTL_SECONDS: 'RECORD_TTL_SECONDS',
  /** What the names point at when no replica is available: `primary` or `keep`. */
  NO_REPLICA_FALLBACK: 'NO_REPLICA_FALLBACK',
} as const;

/** Values of {@link UpdaterEnv.NO_REPLICA_FALLBACK}. */
export const NoReplicaFallbackValue = {
  /** Point every name at the primary node, so reads keep working. */
  PRIMARY: 'primary',
  /** Leave every name as it is. */
  KEEP: 'keep',
} as const;

/** Custom resource properties the construct passes to the handler. */
export const ReconcileResourceProps = {
  /** The zone holding the names; a new zone means a new physical resource, so the old zone's names get deleted. */
  HOSTED_ZONE_ID: 'HostedZoneId',
  /** Same format as {@link UpdaterEnv.REPLICA_RECORD_NAMES}; an update that drops names deletes them. */
  REPLICA_RECORD_NAMES: 'ReplicaRecordNames',
} as const;

/** Every replica name's first label starts with this; IAM scopes the updater's writes to `replica*.<zone>`. */
export const REPLICA_RECORD_LABEL_PREFIX = 'replica';

/** The label of the `index`-th (1-based) replica name, e.g. `replica1`. */
export function replicaRecordLabel(index: number): string {
  return `${REPLICA_RECORD_LABEL_PREFIX}${index}`;
}

/** Normalizes a DNS name the way Route 53 IAM conditions and the handler compare them: lowercase, no trailing dot. */
export function normalizeRecordName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A hosted zone id without the `/hostedzone/` prefix some APIs return. */
export function normalizeHostedZoneId(id: string): string {
  return id.trim().replace(/^\/?hostedzone\//, '');
}

/** Parses a comma-separated list of record names, normalized. */
export function parseRecordNames(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => normalizeRecordName(name.trim()))
    .filter((name) => name.length > 0);
}

const PHYSICAL_ID_PREFIX = 'replica-records:';

/**
 * The custom resource's physical id. It depends on the zone only: replacing the replication group
 * must not make CloudFormation delete the names the new group now uses.
 */
export function replicaRecordsPhysicalId(hostedZoneId: string): string {
  return `${PHYSICAL_ID_PREFIX}${hostedZoneId}`;
}

/** The hosted zone id a physical id was made for; undefined when it is not one of ours. */
export function hostedZoneIdOfPhysicalId(physicalResourceId: string | undefined): string | undefined {
  return physicalResourceId?.startsWith(PHYSICAL_ID_PREFIX) ? normalizeHostedZoneId(physicalResourceId.slice(PHYSICAL_ID_PREFIX.length)) : undefined;
}

/**
 * The most replica names one construct ever owns: one per replica, and a cluster-mode-disabled group has at most
 * 5 replicas (aws-facts §2.4). A custom resource Delete sweeps every slot up to this, not only the current names.
 */
export const MAX_REPLICA_RECORDS = 5;

/** `replica<digits>.<zone>`: the zone is everything after the leading replica label. */
const REPLICA_NAME = new RegExp(`^${REPLICA_RECORD_LABEL_PREFIX}\\d+\\.(.+)$`);

/**
 * The label of the lease: a CNAME that exists exactly while the custom resource owns the replica names.
 *
 * Every batch the updater writes also replaces the lease (DELETE of the value it read, CREATE of a new one
 * that names the state the batch leaves), so a batch lands only if nobody has written since it was read.
 * The custom resource's Delete removes the lease with the names, so a run already in flight, a queued
 * notification or a Lambda retry can never bring a name back and leave the zone impossible to delete.
 * Its name starts with `replica`, so the IAM name condition covers it.
 */
export const REPLICA_NAMES_LEASE_LABEL = `${REPLICA_RECORD_LABEL_PREFIX}-names-lease`;

/** The zone of a `replicaN.<zone>` name, normalized; undefined for any other name. */
export function replicaNameZone(name: string): string | undefined {
  return REPLICA_NAME.exec(normalizeRecordName(name.trim()))?.[1];
}

/** The zone of the replica names (of the first `replicaN.<zone>` name); undefined when there is none. */
export function replicaNamesZone(recordNames: readonly string[]): string | undefined {
  return recordNames.map(replicaNameZone).find((found) => found !== undefined);
}

/** The lease's name in the zone of `recordNames`; undefined when no name is a `replicaN.<zone>` name. */
export function replicaNamesLeaseName(recordNames: readonly string[]): string | undefined {
  const zone = replicaNamesZone(recordNames);
  return zone === undefined ? undefined : `${REPLICA_NAMES_LEASE_LABEL}.${zone}`;
}

/**
 * The lease's value: a version of the names (a DNS label) and the group that owns them; `.invalid`
 * (RFC 2606) never resolves.
 */
export function replicaNamesLeaseTarget(replicationGroupId: string, version: string): string {
  return `${version}.${replicationGroupId}.owner.invalid`;
}

/**
 * Every name the construct may have left in the zones of `recordNames`: the given names, normalized, then
 * `replica1..replica<MAX_REPLICA_RECORDS>.<zone>` for each zone they live in, without duplicates. A late
 * reconcile or a scale-in race can leave a slot beyond the current count, and a zone that still holds one
 * cannot be deleted. A name without a leading `replicaN.` label adds no slots.
 */
export function replicaSlotNames(recordNames: readonly string[]): string[] {
  const names = recordNames.map((name) => normalizeRecordName(name.trim())).filter((name) => name.length > 0);
  const zones = new Set(names.flatMap((name) => replicaNameZone(name) ?? []));
  const slots = [...zones].flatMap((zone) => Array.from({ length: MAX_REPLICA_RECORDS }, (_, offset) => `${replicaRecordLabel(offset + 1)}.${zone}`));
  return [...new Set([...names, ...slots])];
}
