import { errorName, GroupState, UpdaterAws } from './aws';
import { compareIds, conditionalBatch, CurrentRecord, planDeletion, planReconcile, RecordChange } from './plan';
import type { UpdaterSettings } from './settings';
import { normalizeRecordName } from '../../src/private/contract';

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
   * Number of names written or deleted (a replaced name is sent as DELETE + CREATE, counted once),
   * summed over the rounds whose batch landed.
   */
  readonly changes: number;
  readonly availableReplicas: number;
  /** Names deleted because they are no longer wanted. */
  readonly deleted: readonly string[];
  /**
   * How many read-plan-write rounds it took: a round is repeated when its batch was rejected, or when
   * the group changed while it was being written.
   */
  readonly attempts: number;
  /**
   * Why nothing was written: the group did not report exactly one primary (aws-facts §2.4), so `records` are the
   * names as they are. The next notification or the schedule converges. Undefined when the reconcile wrote its plan.
   */
  readonly deferred?: string;
}

/** Options of one reconcile beyond the settings. */
export interface ReconcileOptions {
  /** Names to delete in the same batch (scale-in). */
  readonly namesToDelete?: readonly string[];
}

/**
 * Reads live state, plans the minimal batch and writes it in one atomic call.
 *
 * Everything is derived from live state, so running it twice, or twice at once, converges.
 */
export async function reconcile(aws: UpdaterAws, settings: UpdaterSettings, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const namesToDelete = (options.namesToDelete ?? []).filter((name) => !settings.recordNames.includes(name));
  // What the rounds whose batch landed wrote; more than one only when the group changed under a write.
  let before: Record<string, string> | undefined;
  let written = 0;
  const deleted: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const [group, current] = await Promise.all([
      aws.readGroup(settings.replicationGroupId),
      aws.readRecords(settings.hostedZoneId, [...settings.recordNames, ...namesToDelete]),
    ]);
    const plan = planReconcile(group.members, current, settings);
    // A group read mid-failover may show no primary or two: a plan from it could tear down names that are right.
    // Nothing is written, scale-in deletions included; only rounds whose batch already landed are counted.
    const primaries = group.members.filter((member) => member.role === 'primary').map((member) => member.cacheClusterId);
    if (primaries.length !== 1) {
      return {
        replicationGroupId: settings.replicationGroupId,
        records: currentTargets(current, settings.recordNames),
        before: before ?? currentTargets(current, settings.recordNames),
        changes: written,
        availableReplicas: plan.availableReplicas,
        deleted,
        attempts: attempt,
        deferred: `the group reports ${primaries.length} primary members${primaries.length > 0 ? ` (${primaries.join(', ')})` : ''}, `
          + 'not exactly one; names left as they are',
      };
    }
    const deletions = planDeletion(namesToDelete, current);
    const changes: RecordChange[] = [...plan.changes, ...deletions];
    try {
      await aws.applyChanges(settings.hostedZoneId, conditionalBatch(changes, current), `Replica names of ${settings.replicationGroupId}`);
    } catch (error) {
      if (errorName(error) === 'InvalidChangeBatch' && attempt < MAX_PLAN_ATTEMPTS) {
        continue;
      }
      throw error;
    }
    before ??= currentTargets(current, settings.recordNames);
    written += changes.length;
    deleted.push(...deletions.map((change) => change.name));
    // The batch is conditional on the records it touches, not on the group. A plan made from a group read before
    // a failover can land after the reconcile that saw the failover (which may have had nothing to write, or wrote
    // other names) and leave a name on the new primary. So after a write the group is read again; if it changed,
    // this reconcile plans again from fresh state. The last round skips this: a group still changing then sends
    // more notifications, and the schedule follows.
    if (changes.length > 0 && attempt < MAX_PLAN_ATTEMPTS && !sameGroup(group, await aws.readGroup(settings.replicationGroupId))) {
      continue;
    }
    return {
      replicationGroupId: settings.replicationGroupId,
      records: plan.records,
      before,
      changes: written,
      availableReplicas: plan.availableReplicas,
      deleted,
      attempts: attempt,
    };
  }
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
    .map((member) => [member.cacheClusterId, member.role ?? null, member.address ?? null, member.available]));
  return key(left) === key(right);
}

/** Deletes the given names, reading their live values first. A name already gone is not an error. */
export async function deleteRecords(aws: UpdaterAws, hostedZoneId: string, names: readonly string[]): Promise<number> {
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
