/**
 * Decides the Route 53 change batch that keeps one CNAME per read replica.
 *
 * This module is pure on purpose: no AWS SDK, no I/O, no clock, no randomness.
 * The handler gathers the replication group and the zone's records, and this
 * module decides what to change, so every rule can be tested exhaustively
 * without AWS.
 */
import { NoReplicaFallbackValue, normalizeRecordName, replicaNameIndex } from '../../src/private/contract';

/** The role ElastiCache reports for a member of a replication group. */
export type MemberRole = 'primary' | 'replica';

/**
 * Whether a node can take reads, from its `CacheClusterStatus` (aws-facts §0a.1):
 * - `available`: serving, and the first choice for a name that moves;
 * - `serving`: busy but still serving reads, so its names stay;
 * - `down`: not serving, so its names move.
 */
export type MemberHealth = 'available' | 'serving' | 'down';

/**
 * Every CacheClusterStatus ElastiCache documents, by whether the node serves reads meanwhile.
 * Anything else (a status added after this release, or none) counts as down: a name is better
 * moved needlessly than left on a node that may not answer.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.Viewing.html (cluster statuses)
 */
const HEALTH_BY_STATUS: Readonly<Record<string, MemberHealth>> = {
  'available': 'available',
  // A backup of this node: "there is no impact on the cache" (ElastiCache backups page); daily by default.
  'snapshotting': 'serving',
  // Online changes (node type, parameters, engine settings) keep the node serving until it is swapped.
  'modifying': 'serving',
  'creating': 'down',
  'deleting': 'down',
  'deleted': 'down',
  'rebooting cache cluster nodes': 'down',
  'incompatible-network': 'down',
  'restore-failed': 'down',
};

/** How a node's status bears on its names; unknown or missing statuses are down. */
export function memberHealth(status: string | undefined): MemberHealth {
  return (status !== undefined && Object.prototype.hasOwnProperty.call(HEALTH_BY_STATUS, status)) ? HEALTH_BY_STATUS[status] : 'down';
}

/** One cache cluster (node) of the replication group, as the handler read it. */
export interface GroupMember {
  /** The node's id, e.g. `rg-002`; used to break ties deterministically. */
  readonly cacheClusterId: string;
  /** The node's current role; undefined while ElastiCache does not report one (e.g. while creating). */
  readonly role?: MemberRole;
  /** The node's ReadEndpoint address; may be undefined while creating. */
  readonly address?: string;
  /** The node's `CacheClusterStatus`, read for replicas; see {@link memberHealth}. */
  readonly status?: string;
}

/** A CNAME record the zone currently holds. */
export interface CurrentRecord {
  /** The record name, as listed (Route 53 lists names with a trailing dot). */
  readonly name: string;
  /** The CNAME value, as listed. */
  readonly target: string;
  /** The record's TTL, in seconds. */
  readonly ttl: number;
}

/** What the names point at when no replica serves; mirrors `NoReplicaFallbackValue`. */
export type NoReplicaFallback = 'primary' | 'keep';

/** The construct's settings the plan depends on. */
export interface PlanSettings {
  /** Fully qualified names `replica1..replicaN`, in order. */
  readonly recordNames: readonly string[];
  /** The TTL every name must have, in seconds. */
  readonly ttlSeconds: number;
  /** What the names point at when no replica serves. */
  readonly noReplicaFallback: NoReplicaFallback;
}

/** One change of a Route 53 change batch. */
export interface RecordChange {
  /** The Route 53 action. */
  readonly action: 'UPSERT' | 'DELETE' | 'CREATE';
  /** The record name, normalized (lowercase, no trailing dot). */
  readonly name: string;
  /** The CNAME value: normalized (lowercase, no trailing dot) for an UPSERT, exactly as listed for a DELETE. */
  readonly target: string;
  /** The record's TTL, in seconds. */
  readonly ttl: number;
}

/** The outcome of {@link planReconcile}. */
export interface ReconcilePlan {
  /** name -> target after the batch is applied (only names that will exist). */
  readonly records: Record<string, string>;
  /** The minimal change batch, in `recordNames` order; empty when the zone is already correct. */
  readonly changes: RecordChange[];
  /** How many replicas can serve as targets (role replica, serving, with an address). */
  readonly servingReplicas: number;
}

/** A replica that names may point at, with its bookkeeping while planning. */
interface TargetReplica {
  readonly cacheClusterId: string;
  /** Whether its status is `available` rather than only serving: moved names go to these first. */
  readonly available: boolean;
  /** Normalized address. */
  readonly target: string;
  /** How many names currently point at this replica. */
  readonly currentlyHeld: number;
  /** How many names this replica holds once balanced: floor or ceil of N / |R|. */
  quota: number;
  /** How many names are assigned to this replica so far while planning. */
  assigned: number;
}

/** A current record, normalized for comparison. */
interface LiveRecord {
  /** Normalized, for comparing. */
  readonly target: string;
  /** Exactly as listed, for a DELETE. */
  readonly listedTarget: string;
  readonly ttl: number;
}

/**
 * Plans the minimal change batch that makes the replica names follow the replication group.
 *
 * - While some replica can serve, every name points at a replica, the names are spread
 *   evenly (each replica holds floor or ceil of N / |R| names) and as few names as possible move.
 * - While no replica can serve, the names follow `noReplicaFallback`.
 * - Every name keeps existing (no NXDOMAIN for clients) as long as some target is known.
 *
 * Records in `current` for names outside `settings.recordNames` are ignored. Never emits DELETE.
 */
export function planReconcile(members: readonly GroupMember[], current: readonly CurrentRecord[], settings: PlanSettings): ReconcilePlan {
  const recordNames = uniqueNormalized(settings.recordNames);
  const liveRecords = indexCurrentRecords(current);
  const targetReplicas = findTargetReplicas(members, recordNames, liveRecords);

  const desiredTargets = targetReplicas.length > 0
    ? assignBalanced(recordNames, liveRecords, targetReplicas)
    : assignFallback(recordNames, liveRecords, findPrimaryAddress(members), settings.noReplicaFallback);

  const records: Record<string, string> = {};
  const changes: RecordChange[] = [];
  for (const name of recordNames) {
    const target = desiredTargets.get(name);
    if (target === undefined) {
      // Only possible when no target is known at all and the name does not exist: leave it missing.
      continue;
    }
    records[name] = target;
    const live = liveRecords.get(name);
    // An UPSERT only when it changes something, so a converged zone gets an empty batch.
    if (live === undefined || live.target !== target || live.ttl !== settings.ttlSeconds) {
      changes.push({ action: 'UPSERT', name, target, ttl: settings.ttlSeconds });
    }
  }

  return { records, changes, servingReplicas: targetReplicas.length };
}

/**
 * DELETE changes for the given names that exist in `current`, using the live target and TTL
 * (Route 53 DELETE needs an exact match). Missing names are skipped.
 */
export function planDeletion(names: readonly string[], current: readonly CurrentRecord[]): RecordChange[] {
  const liveRecords = indexCurrentRecords(current);
  const changes: RecordChange[] = [];
  // Unique names: Route 53 rejects a batch that deletes the same record twice.
  for (const name of uniqueNormalized(names)) {
    const live = liveRecords.get(name);
    if (live !== undefined) {
      // Route 53 DELETE must repeat the live value exactly, so it is sent as listed, not normalized.
      changes.push({ action: 'DELETE', name, target: live.listedTarget, ttl: live.ttl });
    }
  }
  return changes;
}

/**
 * UPSERTs that keep each retiring name (one a scale-in dropped, still in the zone) on a live replica: `replica<M>`
 * follows the planned target of `recordNames[(M - 1) mod N]`, so `replica4` shares `replica1`'s replica when 3
 * names are left. A retiring name whose leader has no target stays as it is.
 */
export function planRetiring(
  retiring: readonly string[],
  recordNames: readonly string[],
  planned: Readonly<Record<string, string>>,
  current: readonly CurrentRecord[],
  ttlSeconds: number,
): RecordChange[] {
  const liveRecords = indexCurrentRecords(current);
  const names = uniqueNormalized(recordNames);
  const changes: RecordChange[] = [];
  for (const name of uniqueNormalized(retiring)) {
    const index = replicaNameIndex(name);
    const leader = index === undefined || names.length === 0 ? undefined : names[(index - 1) % names.length];
    const target = leader === undefined ? undefined : planned[leader];
    const live = liveRecords.get(name);
    if (target !== undefined && (live === undefined || live.target !== target || live.ttl !== ttlSeconds)) {
      changes.push({ action: 'UPSERT', name, target, ttl: ttlSeconds });
    }
  }
  return changes;
}

/**
 * The batch that puts `names` back as `before` had them (undefined: the name did not exist), conditional on
 * `current`: each name that differs is deleted with its live value and re-created as it was.
 */
export function planRestore(before: Readonly<Record<string, CurrentRecord | undefined>>, current: readonly CurrentRecord[]): RecordChange[] {
  const liveRecords = indexCurrentRecords(current);
  const changes: RecordChange[] = [];
  for (const [name, was] of Object.entries(before)) {
    const live = liveRecords.get(normalizeRecordName(name));
    if (live !== undefined && was !== undefined && live.listedTarget === was.target && live.ttl === was.ttl) {
      continue;
    }
    if (live !== undefined) {
      changes.push({ action: 'DELETE', name: normalizeRecordName(name), target: live.listedTarget, ttl: live.ttl });
    }
    if (was !== undefined) {
      changes.push({ action: 'CREATE', name: normalizeRecordName(name), target: was.target, ttl: was.ttl });
    }
  }
  return changes;
}

/** Normalizes names and drops duplicates, keeping the first occurrence's position. */
function uniqueNormalized(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizeRecordName))];
}

/** Current records by normalized name; if a name is listed twice, the first listing wins. */
function indexCurrentRecords(current: readonly CurrentRecord[]): Map<string, LiveRecord> {
  const liveRecords = new Map<string, LiveRecord>();
  for (const record of current) {
    const name = normalizeRecordName(record.name);
    if (!liveRecords.has(name)) {
      liveRecords.set(name, { target: normalizeRecordName(record.target), listedTarget: record.target, ttl: record.ttl });
    }
  }
  return liveRecords;
}

/** Compares cache cluster ids as plain strings, so the order never depends on the locale. */
export function compareIds(left: string, right: string): number {
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}

/**
 * The replicas names may point at (role replica, serving, with an address), sorted by
 * cacheClusterId, each with how many of the names currently point at it.
 */
function findTargetReplicas(
  members: readonly GroupMember[],
  recordNames: readonly string[],
  liveRecords: ReadonlyMap<string, LiveRecord>,
): TargetReplica[] {
  const sortedMembers = [...members].sort((left, right) => compareIds(left.cacheClusterId, right.cacheClusterId));
  const targetReplicas: TargetReplica[] = [];
  const seenTargets = new Set<string>();
  for (const member of sortedMembers) {
    const health = memberHealth(member.status);
    if (member.role !== 'replica' || health === 'down' || !member.address) continue;
    const target = normalizeRecordName(member.address);
    // Two members can never share an endpoint; if the input claims so, count the address once.
    if (target.length === 0 || seenTargets.has(target)) continue;
    seenTargets.add(target);
    const currentlyHeld = recordNames.filter((name) => liveRecords.get(name)?.target === target).length;
    targetReplicas.push({ cacheClusterId: member.cacheClusterId, available: health === 'available', target, currentlyHeld, quota: 0, assigned: 0 });
  }
  return targetReplicas;
}

/** The primary's address (availability not required: it is the best guess while nothing else serves). */
function findPrimaryAddress(members: readonly GroupMember[]): string | undefined {
  const primaries = members
    .filter((member) => member.role === 'primary' && member.address && normalizeRecordName(member.address).length > 0)
    .sort((left, right) => compareIds(left.cacheClusterId, right.cacheClusterId));
  const address = primaries[0]?.address;
  return address === undefined ? undefined : normalizeRecordName(address);
}

/**
 * Spreads the names over the target replicas, moving as few names as possible.
 *
 * Each replica's quota is floor(N / |R|), and N mod |R| replicas get one more. A replica can keep
 * at most min(held, quota) names, so the extra slots go first to replicas that hold more than the
 * floor (each keeps one more name there; among them, those that only serve first, so no name leaves a
 * replica because it is taking a backup), then to `available` replicas before replicas that only
 * serve. The names that must move go to `available` replicas with room first, too.
 */
function assignBalanced(
  recordNames: readonly string[],
  liveRecords: ReadonlyMap<string, LiveRecord>,
  targetReplicas: TargetReplica[],
): Map<string, string> {
  const nameCount = recordNames.length;
  const floorQuota = Math.floor(nameCount / targetReplicas.length);
  const ceilQuotaCount = nameCount % targetReplicas.length;

  // 0: holds more than the floor and only serves (keep its names where they are: never moved for its status),
  // 1: holds more than the floor and is available, 2: available (a moved name lands here first), 3: only serves.
  const extraSlotRank = (replica: TargetReplica) => replica.currentlyHeld > floorQuota
    ? (replica.available ? 1 : 0)
    : (replica.available ? 2 : 3);
  const byExtraSlotBenefit = [...targetReplicas].sort(
    (left, right) => extraSlotRank(left) - extraSlotRank(right) || compareIds(left.cacheClusterId, right.cacheClusterId),
  );
  byExtraSlotBenefit.forEach((replica, rank) => {
    replica.quota = floorQuota + (rank < ceilQuotaCount ? 1 : 0);
  });

  const replicaByTarget = new Map(targetReplicas.map((replica) => [replica.target, replica]));
  const desiredTargets = new Map<string, string>();
  const freedNames: string[] = [];

  // First pass, in recordNames order: a name stays where it is while its replica has room,
  // so an over-quota replica keeps its earliest names and frees the later ones.
  for (const name of recordNames) {
    const live = liveRecords.get(name);
    const replica = live === undefined ? undefined : replicaByTarget.get(live.target);
    if (replica !== undefined && replica.assigned < replica.quota) {
      replica.assigned += 1;
      desiredTargets.set(name, replica.target);
    } else {
      freedNames.push(name);
    }
  }

  // Second pass: each freed name goes to the least loaded available replica that still has room,
  // else the least loaded serving one. The quotas sum to N, so there is always room for every freed name.
  for (const name of freedNames) {
    let leastLoaded: TargetReplica | undefined;
    for (const replica of targetReplicas) {
      // targetReplicas is sorted by cacheClusterId, so strict comparisons break ties by id.
      if (replica.assigned < replica.quota && (leastLoaded === undefined
        || availableFirst(replica, leastLoaded) < 0
        || (availableFirst(replica, leastLoaded) === 0 && replica.assigned < leastLoaded.assigned))) {
        leastLoaded = replica;
      }
    }
    if (leastLoaded === undefined) {
      throw new Error(`Internal error: no replica has room for ${name}`);
    }
    leastLoaded.assigned += 1;
    desiredTargets.set(name, leastLoaded.target);
  }

  return desiredTargets;
}

/** Orders `available` replicas before those that only serve. */
function availableFirst(left: TargetReplica, right: TargetReplica): number {
  return Number(right.available) - Number(left.available);
}

/**
 * Targets while no replica can serve.
 *
 * `primary` points every name at the primary. `keep` (and `primary` without a known primary
 * address) leaves existing names where they are; missing names are still created on the
 * primary when its address is known, so clients never see NXDOMAIN.
 */
function assignFallback(
  recordNames: readonly string[],
  liveRecords: ReadonlyMap<string, LiveRecord>,
  primaryAddress: string | undefined,
  noReplicaFallback: NoReplicaFallback,
): Map<string, string> {
  const desiredTargets = new Map<string, string>();
  for (const name of recordNames) {
    const liveTarget = liveRecords.get(name)?.target;
    if (primaryAddress !== undefined && noReplicaFallback === NoReplicaFallbackValue.PRIMARY) {
      desiredTargets.set(name, primaryAddress);
    } else if (liveTarget !== undefined) {
      desiredTargets.set(name, liveTarget);
    } else if (primaryAddress !== undefined) {
      desiredTargets.set(name, primaryAddress);
    }
  }
  return desiredTargets;
}

/**
 * Turns the planned changes into a batch that only succeeds on the state it was planned from.
 *
 * A name that exists is replaced by DELETE (of its live value, exactly as listed) and CREATE in
 * the same atomic batch; a missing name is CREATEd. If another writer changed a name since it was
 * read, Route 53 rejects the whole batch (InvalidChangeBatch) instead of letting a plan made from
 * stale state overwrite a newer one, and the updater re-reads and re-plans. UPSERT would let the
 * last writer win, whatever it had seen.
 */
export function conditionalBatch(changes: readonly RecordChange[], current: readonly CurrentRecord[]): RecordChange[] {
  const liveRecords = indexCurrentRecords(current);
  return changes.flatMap((change): RecordChange[] => {
    if (change.action !== 'UPSERT') {
      return [change];
    }
    const live = liveRecords.get(normalizeRecordName(change.name));
    const create: RecordChange = { ...change, action: 'CREATE' };
    return live ? [{ action: 'DELETE', name: change.name, target: live.listedTarget, ttl: live.ttl }, create] : [create];
  });
}

/**
 * The records as they are once `batch` landed (Route 53 applies a batch in order, all or nothing): what a warm
 * function remembers of the zone after its own write.
 */
export function applyBatch(current: readonly CurrentRecord[], batch: readonly RecordChange[]): CurrentRecord[] {
  const records = new Map(current.map((record) => [normalizeRecordName(record.name), record]));
  for (const change of batch) {
    if (change.action === 'DELETE') {
      records.delete(normalizeRecordName(change.name));
    } else {
      records.set(normalizeRecordName(change.name), { name: change.name, target: change.target, ttl: change.ttl });
    }
  }
  return [...records.values()];
}
