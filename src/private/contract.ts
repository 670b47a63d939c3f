/**
 * The contract between the construct and the updater handler.
 *
 * Both sides import this module, so an environment variable can never be
 * renamed on one side only. It must not import aws-cdk-lib: the handler
 * bundle would otherwise pull the whole CDK in.
 */
import { createHash } from 'crypto';

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
  /**
   * The id of the stack that owns the names (`AWS::StackId`). Scheduled and notified runs write only under a lease
   * of this stack; unset (a function not deployed by the construct), they check the lease's group only.
   */
  STACK_ID: 'STACK_ID',
  /** The logical id of the custom resource that owns the names: with STACK_ID, `{"action":"reclaim"}` claims as it. */
  NAMES_LOGICAL_ID: 'NAMES_LOGICAL_ID',
} as const;

/** The updater's CloudWatch metrics (Powertools embedded metric format), read by the construct's alarm. */
export const UpdaterMetrics = {
  NAMESPACE: 'CdkRedisStableReaders',
  /** Powertools adds a `service` dimension with this value to every metric. */
  SERVICE: 'cdk-redis-stable-readers-updater',
  /** The other dimension of every metric: the replication group's id. */
  GROUP_DIMENSION: 'ReplicationGroupId',
  /**
   * A run found the names not its own to manage (no lease, or another owner's): nothing follows the group
   * until someone acts, so the updater alarm counts it.
   */
  NAMES_NOT_MANAGED: 'NamesNotManaged',
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

/** `replica<digits>.<zone>`: the number, then the zone (everything after the leading replica label). */
const REPLICA_NAME = new RegExp(`^${REPLICA_RECORD_LABEL_PREFIX}(\\d+)\\.(.+)$`);

/**
 * The label of the lease: a CNAME that exists exactly while the custom resource owns the replica names.
 *
 * Every batch the updater writes also replaces the lease (DELETE of the value it read, CREATE of a new one
 * that names the state the batch leaves), so a batch lands only if nobody has written since it was read.
 * The custom resource's Delete removes the lease with the names, so a run already in flight, a queued
 * notification or a Lambda retry can never bring a name back and leave the zone impossible to delete.
 * The lease also names its owner (see {@link NamesOwner}): a Delete removes only names it owns, and a construct
 * of another stack cannot take the names of this one.
 * Its name starts with `replica`, so the IAM name condition covers it.
 */
export const REPLICA_NAMES_LEASE_LABEL = `${REPLICA_RECORD_LABEL_PREFIX}-names-lease`;

/** The zone of a `replicaN.<zone>` name, normalized; undefined for any other name. */
export function replicaNameZone(name: string): string | undefined {
  return REPLICA_NAME.exec(normalizeRecordName(name.trim()))?.[2];
}

/** The number of a `replicaN.<zone>` name (`replica3...` is 3); undefined for any other name. */
export function replicaNameIndex(name: string): number | undefined {
  const digits = REPLICA_NAME.exec(normalizeRecordName(name.trim()))?.[1];
  return digits === undefined ? undefined : Number(digits);
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

const LEASE_SUFFIX = '.owner.invalid';

/**
 * The custom resource instance that owns the names, from the `StackId` and `LogicalResourceId` of its CloudFormation
 * events: a replaced resource (new logical id) is another instance of the same stack.
 */
export interface NamesOwner {
  /** 12 hex digits of a SHA-256 of the stack id and logical id: which resource instance. */
  readonly resource: string;
  /** 12 hex digits of a SHA-256 of the stack id (which names the Region and account): which stack. */
  readonly stack: string;
  /** The logical id, lowercase, cut to one DNS label; for messages. */
  readonly logicalId: string;
  /** The stack's name, lowercase, cut to one DNS label; for messages. */
  readonly stackName: string;
}

/** What the lease says: the names' version, their group and, when a custom resource wrote it, the owner. */
export interface LeaseValue {
  readonly version: string;
  readonly replicationGroupId: string;
  readonly owner?: NamesOwner;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Lowercase letters, digits and hyphens, at most 63 (one DNS label); `unknown` when nothing is left. */
function label(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 63) || 'unknown';
}

/** The hash that identifies a stack, as the lease and the function's environment compare it. */
export function stackKey(stackId: string): string {
  return shortHash(stackId);
}

/** The owner a custom resource event names (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
export function namesOwner(stackId: string, logicalResourceId: string): NamesOwner {
  return {
    resource: shortHash(`${stackId} ${logicalResourceId}`),
    stack: stackKey(stackId),
    logicalId: label(logicalResourceId),
    stackName: label(stackId.split('/')[1] ?? ''),
  };
}

/**
 * The lease's value: a version of the names, then the owner (when a custom resource claimed it) and the group, as
 * DNS labels (`<version>.<resource>.<stack>.<logical id>.<stack name>.<group>.owner.invalid`, at most 222 characters);
 * `.invalid` (RFC 2606) never resolves.
 */
export function replicaNamesLeaseTarget(replicationGroupId: string, version: string, owner?: NamesOwner): string {
  const ownerLabels = owner === undefined ? [] : [owner.resource, owner.stack, owner.logicalId, owner.stackName];
  return [version, ...ownerLabels, replicationGroupId].join('.') + LEASE_SUFFIX;
}

/** Reads a lease's value; undefined when it is not one {@link replicaNamesLeaseTarget} writes. */
export function parseLeaseTarget(target: string): LeaseValue | undefined {
  const normalized = normalizeRecordName(target);
  if (!normalized.endsWith(LEASE_SUFFIX)) {
    return undefined;
  }
  const labels = normalized.slice(0, -LEASE_SUFFIX.length).split('.');
  if (labels.length === 2) {
    return { version: labels[0], replicationGroupId: labels[1] };
  }
  if (labels.length !== 6) {
    return undefined;
  }
  const [version, resource, stack, logicalId, stackName, replicationGroupId] = labels;
  return { version, replicationGroupId, owner: { resource, stack, logicalId, stackName } };
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
