import { createHash } from 'crypto';
import { errorName, GroupState, UpdaterAws } from './aws';
import { applyBatch, compareIds, conditionalBatch, CurrentRecord, planDeletion, planReconcile, RecordChange } from './plan';
import type { RecordCache } from './record-cache';
import type { UpdaterSettings } from './settings';
import { normalizeRecordName, replicaNamesLeaseName, replicaNamesLeaseTarget, replicaNamesZone, replicaNameZone } from '../../src/private/contract';

/**
 * How many times a batch rejected as `InvalidChangeBatch` (another writer changed a record
 * between our read and our write) is re-read and re-planned before giving up.
 */
export const MAX_PLAN_ATTEMPTS = 4;

/** The outcome of one reconcile. */
export interface ReconcileResult {
  readonly replicationGroupId: string;
  /** Every replica name and its target after the reconcile. */
  readonly records: Record<string, string>;
  /** Names and targets before the reconcile's first batch landed. */
  readonly before: Record<string, string>;
  /**
   * Number of names written or deleted (a replaced name is sent as DELETE + CREATE, counted once; the lease is not
   * counted), summed over the rounds whose batch landed.
   */
  readonly changes: number;
  /** Replicas the names may point at: role replica, serving, with an address. */
  readonly servingReplicas: number;
  /** Names deleted because they are no longer wanted. */
  readonly deleted: readonly string[];
  /**
   * How many read-plan-write rounds it took: a round is repeated when its batch was rejected, or when
   * the group changed while it was being written.
   */
  readonly attempts: number;
  /**
   * Why the names were not re-planned: the group did not report exactly one primary (aws-facts §2.4), so `records` are
   * the names as they are (dropped names are still deleted). The next notification or the schedule converges.
   */
  readonly deferred?: string;
  /** Why nothing was written at all: the zone holds no lease, so the names are not ours to write (see contract.ts). */
  readonly skipped?: string;
}

/** Options of one reconcile beyond the settings. */
export interface ReconcileOptions {
  /** Names to delete in the same batch (scale-in). Names in another zone (a rollback's old names) are ignored. */
  readonly namesToDelete?: readonly string[];
  /**
   * Creates the lease when it is missing. Only the custom resource's Create and Update do: they own the names.
   * Every other run finds no lease after the custom resource's Delete, and writes nothing.
   */
  readonly claimLease?: boolean;
  /** What this container last read or wrote in each zone; kept up to date by the reconcile. */
  readonly cache?: RecordCache;
  /**
   * Plans the first batch from `cache` instead of listing the zone: one Route 53 request for an event. The
   * zone is still listed when the cache is empty, when the batch is refused, and when the cached plan writes
   * nothing (so a run never ends on memory alone). The schedule and the custom resource always list.
   */
  readonly startFromCache?: boolean;
}

/**
 * Reads live state, plans the minimal batch and writes it in one atomic call.
 *
 * Everything is derived from live state, so running it twice, or twice at once, converges.
 */
export async function reconcile(aws: UpdaterAws, settings: UpdaterSettings, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const zone = replicaNamesZone(settings.recordNames);
  const leaseName = replicaNamesLeaseName(settings.recordNames);
  if (zone === undefined || leaseName === undefined) {
    throw new Error(`The record names are not replica<N>.<zone> names: ${settings.recordNames.join(', ')}`);
  }
  const namesToDelete = (options.namesToDelete ?? [])
    .map(normalizeRecordName)
    .filter((name) => !settings.recordNames.includes(name) && replicaNameZone(name) === zone);
  // What the rounds whose batch landed wrote; more than one only when the group changed under a write.
  let before: Record<string, string> | undefined;
  let written = 0;
  const deleted: string[] = [];
  const wanted = new Set([...settings.recordNames, ...namesToDelete, leaseName]);
  const zoneId = settings.hostedZoneId;
  let fromCache = options.startFromCache === true;
  let attempt = 0;
  let group: GroupState | undefined;
  for (;;) {
    attempt += 1;
    const remembered = fromCache ? options.cache?.get(zoneId)?.filter((record) => wanted.has(normalizeRecordName(record.name))) : undefined;
    const [groupRead, current] = await Promise.all([
      group ?? aws.readGroup(settings.replicationGroupId),
      remembered ?? aws.readRecords(zoneId, [...wanted]),
    ]);
    group = undefined;
    if (remembered === undefined) {
      options.cache?.set(zoneId, current);
    }
    const plan = planReconcile(groupRead.members, current, settings);
    const lease = current.find((record) => normalizeRecordName(record.name) === leaseName);
    const summary = (extra: Partial<ReconcileResult>): ReconcileResult => ({
      replicationGroupId: settings.replicationGroupId,
      records: currentTargets(current, settings.recordNames),
      before: before ?? currentTargets(current, settings.recordNames),
      changes: written,
      servingReplicas: plan.servingReplicas,
      deleted,
      attempts: attempt,
      ...extra,
    });
    // Dropped names go whatever the roles: nobody owns them any more.
    const deletions = planDeletion(namesToDelete, current);
    // A group read mid-failover may show no primary or two: a plan from it could tear down names that are right.
    const primaries = groupRead.members.filter((member) => member.role === 'primary').map((member) => member.cacheClusterId);
    const deferred = primaries.length === 1 ? undefined
      : `the group reports ${primaries.length} primary members${primaries.length > 0 ? ` (${primaries.join(', ')})` : ''}, `
        + 'not exactly one; names left as they are';
    const changes: RecordChange[] = deferred === undefined ? [...plan.changes, ...deletions] : deletions;
    if (remembered !== undefined && (lease === undefined || changes.length === 0)) {
      // Memory alone never ends a run: nothing to write is confirmed by a listing, in the same round with the same group.
      fromCache = false;
      group = groupRead;
      attempt -= 1;
      continue;
    }
    if (lease === undefined && !options.claimLease) {
      return summary({ skipped: `${leaseName} does not exist: the names are not managed (the custom resource was deleted, or has not run yet)` });
    }
    let batch: RecordChange[] = [];
    if (changes.length > 0 || lease === undefined) {
      const nameChanges = conditionalBatch(changes, current);
      const leaseTarget = replicaNamesLeaseTarget(settings.replicationGroupId, namesVersion(applyBatch(current, nameChanges), leaseName));
      batch = [...leaseRenewal(lease, leaseName, leaseTarget, settings.ttlSeconds), ...nameChanges];
    }
    try {
      await aws.applyChanges(zoneId, batch, `Replica names of ${settings.replicationGroupId}`);
    } catch (error) {
      // Another writer (or a stale memory): read the zone again, from Route 53.
      options.cache?.forget(zoneId);
      fromCache = false;
      if (errorName(error) === 'InvalidChangeBatch' && attempt < MAX_PLAN_ATTEMPTS) {
        continue;
      }
      throw error;
    }
    options.cache?.set(zoneId, applyBatch(current, batch));
    before ??= currentTargets(current, settings.recordNames);
    written += changes.length;
    deleted.push(...deletions.map((change) => change.name));
    if (deferred !== undefined) {
      return summary({ deferred });
    }
    // The batch is conditional on the records it touches, not on the group. A plan made from a group read before
    // a failover can land after the reconcile that saw the failover (which may have had nothing to write, or wrote
    // other names) and leave a name on the new primary. So after a write the group is read again; if it changed,
    // this reconcile plans again from fresh state. The last round skips this: a group still changing then sends
    // more notifications, and the schedule follows.
    if (changes.length > 0 && attempt < MAX_PLAN_ATTEMPTS && !sameGroup(groupRead, await aws.readGroup(settings.replicationGroupId))) {
      fromCache = options.startFromCache === true;
      continue;
    }
    return summary({ records: plan.records });
  }
}

/**
 * A version of the names: the first 12 hex digits of a SHA-256 of every name and target but the lease. Each batch
 * writes the version of the state it leaves into the lease, so a batch planned from an older read (another
 * container's write since, or a memory gone stale) finds another value and is refused as a whole. Equal states
 * give equal versions, so a memory that matches the zone again is as good as a fresh listing.
 */
function namesVersion(records: readonly CurrentRecord[], leaseName: string): string {
  const lines = records
    .filter((record) => normalizeRecordName(record.name) !== leaseName)
    .map((record) => `${normalizeRecordName(record.name)} ${normalizeRecordName(record.target)}`)
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12);
}

/**
 * The lease's part of a batch: the value read is replaced by the new version, so the batch fails if anyone
 * wrote (or the Delete removed the lease) since the read; created when it is missing (only when claiming).
 */
function leaseRenewal(lease: CurrentRecord | undefined, leaseName: string, target: string, ttl: number): RecordChange[] {
  const create: RecordChange = { action: 'CREATE', name: leaseName, target, ttl };
  return lease === undefined ? [create] : [{ action: 'DELETE', name: leaseName, target: lease.target, ttl: lease.ttl }, create];
}

/** The given names that exist, with their normalized targets. */
function currentTargets(current: readonly CurrentRecord[], names: readonly string[]): Record<string, string> {
  const wanted = new Set(names.map(normalizeRecordName));
  const targets: Record<string, string> = {};
  for (const record of current) {
    const name = normalizeRecordName(record.name);
    if (wanted.has(name) && !(name in targets)) {
      targets[name] = normalizeRecordName(record.target);
    }
  }
  return targets;
}

/** Whether two reads of the group agree on everything the plan uses. */
function sameGroup(left: GroupState, right: GroupState): boolean {
  const key = (group: GroupState) => JSON.stringify([...group.members]
    .sort((a, b) => compareIds(a.cacheClusterId, b.cacheClusterId))
    .map((member) => [member.cacheClusterId, member.role ?? null, member.address ?? null, member.status ?? null]));
  return key(left) === key(right);
}

/**
 * Deletes the given names, reading their live values first, in one atomic batch. A name already gone is not an error.
 * Pass the lease among them: a run in flight then cannot write after this batch, since its own batch renews the lease.
 */
export async function deleteRecords(aws: UpdaterAws, hostedZoneId: string, names: readonly string[], cache?: RecordCache): Promise<number> {
  cache?.forget(hostedZoneId);
  for (let attempt = 1; ; attempt++) {
    const current = await aws.readRecords(hostedZoneId, names);
    const deletions = planDeletion(names, current);
    try {
      await aws.applyChanges(hostedZoneId, deletions, 'Remove replica names');
      return deletions.length;
    } catch (error) {
      if (errorName(error) === 'InvalidChangeBatch' && attempt < MAX_PLAN_ATTEMPTS) {
        continue;
      }
      throw error;
    }
  }
}
