/**
 * Job 1: AWS calls per event, ours against the baseline, counted at the HTTP layer by the proxy
 * (every request the SDK really sent and moto answered). The account holds other replication
 * groups too, so the baseline's account-wide listing pays for them.
 */
import { baselineReconcile, createBaselineAws } from './baseline';
import { BenchGroup, MotoAdmin } from './moto-fixtures';
import { CallSummary, summarizeCalls, ThrottlingProxy } from './throttling-proxy';
import { mapWithConcurrency } from './util';
import { createUpdaterAws } from '../../lambda/updater/aws';
import { reconcile } from '../../lambda/updater/reconcile';
import { RecordCache } from '../../lambda/updater/record-cache';

export type Scenario = 'seeding' | 'failover, warm function' | 'failover, cold function' | 'in-sync';

/** One implementation's calls for one event, and whether the names were right afterwards. */
export interface EventCalls extends CallSummary {
  /** Record changes the implementation wrote. */
  readonly recordChanges: number;
  readonly namesCorrectAfter: boolean;
}

export interface CallsRow {
  readonly scenario: Scenario;
  readonly ours: EventCalls;
  readonly baseline: EventCalls;
}

export interface CallsResult {
  /** Replication groups in the account during the measurement. */
  readonly groupsInAccount: number;
  readonly rows: CallsRow[];
}

export interface CallsOptions {
  readonly admin: MotoAdmin;
  readonly proxy: ThrottlingProxy;
  /** Groups in the account besides the two measured ones. */
  readonly otherGroups: number;
}

export async function measureCalls(options: CallsOptions): Promise<CallsResult> {
  const { admin, proxy } = options;
  proxy.throttleRoute53(undefined);
  const otherIds = Array.from({ length: options.otherGroups }, (_, index) => `bench-other-${String(index + 1).padStart(2, '0')}`);
  await mapWithConcurrency(otherIds, 4, (id) => admin.createReplicationGroup(id));
  const oursGroup = await admin.createGroup('bench-calls-ours');
  const baselineGroup = await admin.createGroup('bench-calls-baseline');

  // Clients, and our function's memory of its zone, live across events, as in a warm function.
  let ours = { aws: createUpdaterAws(), cache: new RecordCache() };
  const baselineAws = createBaselineAws();
  /** What the handler does for each event: the custom resource's Create claims the lease; a notification plans from memory. */
  const oursEvent = (scenario: Scenario) => {
    if (scenario === 'seeding') {
      return reconcile(ours.aws, oursGroup.settings, { cache: ours.cache, claimLease: true });
    }
    if (scenario === 'failover, cold function') {
      // A new container: new clients, nothing remembered. It serves the events after this one, warm.
      ours = { aws: createUpdaterAws(), cache: new RecordCache() };
    }
    return reconcile(ours.aws, oursGroup.settings, { cache: ours.cache, startFromCache: true });
  };
  const measure = async (group: BenchGroup, run: () => Promise<number>): Promise<EventCalls> => {
    proxy.resetCounts();
    const recordChanges = await run();
    const calls = summarizeCalls(proxy.snapshot());
    return { ...calls, recordChanges, namesCorrectAfter: (await admin.check(group)).ok };
  };
  const event = async (scenario: Scenario): Promise<CallsRow> => ({
    scenario,
    ours: await measure(oursGroup, async () => (await oursEvent(scenario)).changes),
    baseline: await measure(baselineGroup, () => baselineReconcile(baselineAws, baselineGroup.settings)),
  });

  const rows: CallsRow[] = [];
  // Seeding: a new group and an empty zone.
  rows.push(await event('seeding'));
  // Failover: the lowest available replica becomes primary, so the name on it must move. Once to a cold function,
  // which lists the zone first, then once more to the same function, now warm, which writes from memory.
  for (const scenario of ['failover, cold function', 'failover, warm function'] as const) {
    await Promise.all([admin.failover(oursGroup), admin.failover(baselineGroup)]);
    rows.push(await event(scenario));
  }
  // Already in sync: the schedule or a duplicate notification.
  rows.push(await event('in-sync'));
  return { groupsInAccount: options.otherGroups + 2, rows };
}
