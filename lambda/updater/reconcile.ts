import { createHash } from 'crypto';
import { errorName, GroupState, UpdaterAws } from './aws';
import { judgeLease, mayDelete } from './lease';
import {
  applyBatch,
  compareIds,
  conditionalBatch,
  CurrentRecord,
  planDeletion,
  planReconcile,
  planRestore,
  planRetiring,
  RecordChange,
} from './plan';
import type { RecordCache } from './record-cache';
import type { UpdaterSettings } from './settings';
import {
  NamesOwner,
  normalizeRecordName,
  replicaNamesLeaseName,
  replicaNamesLeaseTarget,
  replicaNamesZone,
  replicaNameZone,
  replicaSlotNames,
} from '../../src/private/contract';

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
  /** Why nothing was written at all: the lease is missing or not this run's (see lease.ts). */
  readonly skipped?: string;
  /** With `skipped`: nothing will manage the names until an operator acts, so the updater alarm counts it. */
  readonly unmanaged?: boolean;
  /**
   * Names dropped by an earlier scale-in that still exist: each follows the name it shares a replica with
   * (`replica4` follows `replica1` when 3 names are left), until the next Update of the custom resource deletes it.
   */
  readonly retiring: readonly string[];
}

/** Options of one reconcile beyond the settings. */
export interface ReconcileOptions {
  /**
   * Names to delete in the same batch (names an earlier scale-in retired). Names in another zone (a rollback's old
   * names) are ignored. Any other name beyond `recordNames` that exists is retiring and kept on a live replica.
   */
  readonly namesToDelete?: readonly string[];
  /**
   * The custom resource's Create and Update: claims the names for this owner (lease.ts says when it may), and fails
   * before writing when they are another stack's.
   */
  readonly claimant?: NamesOwner;
  /** Creates a missing lease without naming an owner (tools and benchmarks that play the custom resource). */
  readonly claimLease?: boolean;
  /** The hash of the function's stack id (`stackKey`): other runs write only under a lease of this stack. */
  readonly stack?: string;
  /**
   * Puts every name and the lease back as the first read found them when the reconcile fails after a batch landed.
   * The custom resource's Create sets it: the provider framework answers the rollback's Delete of a failed Create
   * without calling the handler, so what the Create wrote would stay and keep the zone from being deleted.
   */
  readonly restoreOnFailure?: boolean;
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
  const progress: Progress = {};
  try {
    return await reconcileRounds(aws, settings, options, zone, leaseName, progress);
  } catch (error) {
    if (options.restoreOnFailure === true && progress.landed === true && progress.firstRead !== undefined) {
      const undoFailure = await restoreRecords(aws, settings.hostedZoneId, progress.firstRead, options.cache);
      if (undoFailure !== undefined && error instanceof Error) {
        error.message += ` (putting the names back as they were also failed: ${undoFailure}; the zone keeps what this Create wrote)`;
      }
    }
    throw error;
  }
}

/** What a reconcile has done so far, for the restore after a failure. */
interface Progress {
  /** The wanted records as the first listing found them. */
  firstRead?: Record<string, CurrentRecord | undefined>;
  /** Whether a batch landed. */
  landed?: boolean;
}

async function reconcileRounds(
  aws: UpdaterAws,
  settings: UpdaterSettings,
  options: ReconcileOptions,
  zone: string,
  leaseName: string,
  progress: Progress,
): Promise<ReconcileResult> {
  const namesToDelete = (options.namesToDelete ?? [])
    .map(normalizeRecordName)
    .filter((name) => !settings.recordNames.includes(name) && replicaNameZone(name) === zone);
  // Every other slot may hold a name an earlier scale-in retired.
  const retiringSlots = replicaSlotNames(settings.recordNames)
    .filter((name) => !settings.recordNames.includes(name) && !namesToDelete.includes(name));
  // What the rounds whose batch landed wrote; more than one only when the group changed under a write.
  let before: Record<string, string> | undefined;
  let written = 0;
  const deleted: string[] = [];
  const wanted = new Set([...settings.recordNames, ...namesToDelete, ...retiringSlots, leaseName]);
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
      progress.firstRead ??= recordsByName(current, [...wanted]);
    }
    const plan = planReconcile(groupRead.members, current, settings);
    const lease = current.find((record) => normalizeRecordName(record.name) === leaseName);
    const retiring = retiringSlots.filter((name) => current.some((record) => normalizeRecordName(record.name) === name));
    const summary = (extra: Partial<ReconcileResult>): ReconcileResult => ({
      replicationGroupId: settings.replicationGroupId,
      records: currentTargets(current, settings.recordNames),
      before: before ?? currentTargets(current, settings.recordNames),
      changes: written,
      servingReplicas: plan.servingReplicas,
      deleted,
      attempts: attempt,
      retiring,
      ...extra,
    });
    // Dropped names go whatever the roles: nobody owns them any more.
    const deletions = planDeletion(namesToDelete, current);
    // A group read mid-failover may show no primary or two: a plan from it could tear down names that are right.
    const primaries = groupRead.members.filter((member) => member.role === 'primary').map((member) => member.cacheClusterId);
    const deferred = primaries.length === 1 ? undefined
      : `the group reports ${primaries.length} primary members${primaries.length > 0 ? ` (${primaries.join(', ')})` : ''}, `
        + 'not exactly one; names left as they are';
    const retirements = deferred === undefined ? planRetiring(retiring, settings.recordNames, plan.records, current, settings.ttlSeconds) : [];
    const changes: RecordChange[] = deferred === undefined ? [...plan.changes, ...retirements, ...deletions] : deletions;
    const verdict = judgeLease(lease?.target, {
      replicationGroupId: settings.replicationGroupId,
      leaseName,
      claimant: options.claimant,
      stack: options.stack,
      claimWithoutOwner: options.claimLease,
    });
    if (remembered !== undefined && (verdict.kind !== 'write' || changes.length === 0)) {
      // Memory alone never ends a run: nothing to write is confirmed by a listing, in the same round with the same group.
      fromCache = false;
      group = groupRead;
      attempt -= 1;
      continue;
    }
    if (verdict.kind === 'refuse') {
      throw new Error(verdict.message);
    }
    if (verdict.kind === 'skip') {
      return summary({ skipped: verdict.reason, unmanaged: verdict.alarm });
    }
    let batch: RecordChange[] = [];
    const leaseTarget = (version: string) => replicaNamesLeaseTarget(settings.replicationGroupId, version, verdict.owner);
    // The lease is rewritten with the names, and also when it is missing or names another owner or group (a claim).
    if (changes.length > 0 || lease === undefined || !sameLeaseOwner(lease.target, leaseTarget(''))) {
      const nameChanges = conditionalBatch(changes, current);
      const target = leaseTarget(namesVersion(applyBatch(current, nameChanges), leaseName));
      batch = [...leaseRenewal(lease, leaseName, target, settings.ttlSeconds), ...nameChanges];
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
    progress.landed ||= batch.length > 0;
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

/** Whether two lease values name the same owner and group (their versions aside). */
function sameLeaseOwner(left: string, right: string): boolean {
  const withoutVersion = (target: string) => normalizeRecordName(target).split('.').slice(1).join('.');
  return withoutVersion(left) === withoutVersion(right);
}

/** The records among `names`, by normalized name (undefined: the name did not exist). */
function recordsByName(current: readonly CurrentRecord[], names: readonly string[]): Record<string, CurrentRecord | undefined> {
  const byName: Record<string, CurrentRecord | undefined> = {};
  for (const name of names) {
    byName[name] = current.find((record) => normalizeRecordName(record.name) === name);
  }
  return byName;
}

/**
 * Puts the records back as `firstRead` found them (names and lease), in one batch conditional on what is there now.
 * Answers why that failed, or undefined when it worked: the caller's error stays the one reported.
 */
async function restoreRecords(
  aws: UpdaterAws,
  hostedZoneId: string,
  firstRead: Record<string, CurrentRecord | undefined>,
  cache: RecordCache | undefined,
): Promise<string | undefined> {
  cache?.forget(hostedZoneId);
  try {
    const current = await aws.readRecords(hostedZoneId, Object.keys(firstRead));
    await aws.applyChanges(hostedZoneId, planRestore(firstRead, current), 'Undo a failed Create of replica names');
    return undefined;
  } catch (error) {
    return errorName(error) ?? String(error);
  }
}

/**
 * Deletes the given names, reading their live values first, in one atomic batch. A name already gone is not an error.
 * Pass the lease among them: a run in flight then cannot write after this batch, since its own batch renews the lease.
 * With `owner` (the custom resource's Delete), nothing is deleted while the lease names another owner: the names are
 * then another resource's (a replacement's, which CloudFormation created before this Delete); answers -1.
 */
export async function deleteRecords(
  aws: UpdaterAws,
  hostedZoneId: string,
  names: readonly string[],
  cache?: RecordCache,
  owner?: { readonly leaseName: string; readonly owner: NamesOwner },
): Promise<number> {
  cache?.forget(hostedZoneId);
  for (let attempt = 1; ; attempt++) {
    const current = await aws.readRecords(hostedZoneId, names);
    const lease = owner === undefined ? undefined : current.find((record) => normalizeRecordName(record.name) === owner.leaseName);
    if (owner !== undefined && !mayDelete(lease?.target, owner.owner)) {
      return -1;
    }
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
