import { errorName, UpdaterAws } from './aws';
import { planDeletion, planReconcile, RecordChange } from './plan';
import type { UpdaterSettings } from './settings';

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
  /** Names and targets before the reconcile. */
  readonly before: Record<string, string>;
  /** Number of Route 53 record changes written. */
  readonly changes: number;
  readonly availableReplicas: number;
  /** Names deleted because they are no longer wanted. */
  readonly deleted: readonly string[];
  /** How many read-plan-write rounds it took. */
  readonly attempts: number;
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
  for (let attempt = 1; ; attempt++) {
    const [group, current] = await Promise.all([
      aws.readGroup(settings.replicationGroupId),
      aws.readRecords(settings.hostedZoneId, [...settings.recordNames, ...namesToDelete]),
    ]);
    const plan = planReconcile(group.members, current, settings);
    const deletions = planDeletion(namesToDelete, current);
    const changes: RecordChange[] = [...plan.changes, ...deletions];
    try {
      await aws.applyChanges(settings.hostedZoneId, changes, `Replica names of ${settings.replicationGroupId}`);
    } catch (error) {
      if (errorName(error) === 'InvalidChangeBatch' && attempt < MAX_PLAN_ATTEMPTS) {
        continue;
      }
      throw error;
    }
    return {
      replicationGroupId: settings.replicationGroupId,
      records: plan.records,
      before: Object.fromEntries(current
        .filter((record) => settings.recordNames.includes(record.name))
        .map((record) => [record.name, record.target])),
      changes: changes.length,
      availableReplicas: plan.availableReplicas,
      deleted: deletions.map((change) => change.name),
      attempts: attempt,
    };
  }
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
