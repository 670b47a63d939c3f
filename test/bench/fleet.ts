/**
 * Job 4: a fleet of replication groups failing over at once (an AZ loss), against a Route 53 that
 * throttles like AWS (the proxy's account-wide token bucket). All reconciles run concurrently in
 * this one process, each with its own fresh clients and settings, as separate Lambda containers
 * would. They call `reconcile(createUpdaterAws(), settings)` rather than the handler, because the
 * handler reads its settings from process.env and so serves one group per process.
 */
import { baselineReconcile, createBaselineAws } from './baseline';
import { BenchGroup, GroupCheck, MotoAdmin } from './moto-fixtures';
import { summarizeCalls, ThrottlingProxy, TokenBucketOptions } from './throttling-proxy';
import { errorLabel, mapWithConcurrency, nowMs, percentile, round, withTimeout } from './util';
import { createUpdaterAws } from '../../lambda/updater/aws';
import { reconcile } from '../../lambda/updater/reconcile';

export type Implementation = 'ours' | 'baseline';

/** One reconcile of one group by an implementation, with fresh clients (a new container). */
const RECONCILERS: Record<Implementation, (group: BenchGroup) => Promise<unknown>> = {
  ours: (group) => reconcile(createUpdaterAws(), group.settings),
  baseline: (group) => baselineReconcile(createBaselineAws(), group.settings),
};

export interface FleetRun {
  readonly implementation: Implementation;
  readonly groups: number;
  /** Names the failover left wrong (on the new primary), i.e. updates that had to happen. */
  readonly namesNeedingUpdate: number;
  /** From the start until the last Route 53 write landed, if every group ended correct; else null. */
  readonly timeToAllCorrectMs: number | null;
  /** From the start until every invocation had returned or failed. */
  readonly allInvocationsDoneMs: number;
  readonly invocationP50Ms: number;
  readonly invocationMaxMs: number;
  readonly failedInvocations: number;
  /** Failed invocations by error name. */
  readonly failures: Record<string, number>;
  /** Groups whose names `verifyNames` rejects, or whose invocation failed. */
  readonly groupsWrong: number;
  /** Names still wrong after every invocation finished: updates that never happened. */
  readonly lostUpdates: number;
  /** Route 53 requests that reached moto, and those the bucket turned away (the SDK retried them unless out of attempts). */
  readonly route53Accepted: number;
  readonly route53Throttled: number;
  readonly route53Writes: number;
  /** The most attempts any Route 53 call took, of how many its client allowed: the margin left. */
  readonly route53HighestAttempt: number;
  readonly route53MaxAttempts: number;
  readonly elastiCacheReads: number;
}

export interface FleetResult {
  readonly groups: number;
  readonly throttle: TokenBucketOptions;
  readonly runs: FleetRun[];
}

export interface FleetOptions {
  readonly admin: MotoAdmin;
  readonly proxy: ThrottlingProxy;
  readonly groups: number;
  readonly throttle: TokenBucketOptions;
  /** Upper bound of one fleet run; SDK retries are bounded anyway. */
  readonly timeoutMs: number;
  readonly log: (message: string) => void;
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const { admin, log } = options;
  const ids = Array.from({ length: options.groups }, (_, index) => `fleet-${String(index + 1).padStart(3, '0')}`);
  log(`creating ${ids.length} replication groups and zones in moto`);
  const groups = await mapWithConcurrency(ids, 8, (id) => admin.createGroup(id));
  const runs: FleetRun[] = [];
  // The same groups for both: each implementation first seeds its own names, then the fleet fails over.
  for (const implementation of ['ours', 'baseline'] as const) {
    runs.push(await runOnce(implementation, groups, options));
  }
  return { groups: options.groups, throttle: options.throttle, runs };
}

async function runOnce(implementation: Implementation, groups: BenchGroup[], options: FleetOptions): Promise<FleetRun> {
  const { admin, proxy, log } = options;
  const checkAll = () => mapWithConcurrency(groups, 8, (group) => admin.check(group));
  const wrongNames = (checks: GroupCheck[]) => checks.reduce((sum, check) => sum + check.wrongNames, 0);

  log(`${implementation}: seeding names (unthrottled), then failing all ${groups.length} groups over`);
  proxy.throttleRoute53(undefined);
  await mapWithConcurrency(groups, 8, RECONCILERS[implementation]);
  const seeded = await checkAll();
  if (seeded.some((check) => !check.ok)) {
    throw new Error(`${implementation}: seeding left ${seeded.filter((check) => !check.ok).length} groups wrong`);
  }
  await mapWithConcurrency(groups, 8, (group) => admin.failover(group));
  const namesNeedingUpdate = wrongNames(await checkAll());

  log(`${implementation}: ${groups.length} concurrent reconciles against Route 53 throttled at ${options.throttle.ratePerSecond}/s, burst ${options.throttle.burst}`);
  proxy.resetCounts();
  proxy.throttleRoute53(options.throttle);
  const started = nowMs();
  const outcomes = await withTimeout(Promise.all(groups.map(async (group) => {
    const invoked = nowMs();
    try {
      await RECONCILERS[implementation](group);
      return { durationMs: nowMs() - invoked, error: undefined };
    } catch (error) {
      return { durationMs: nowMs() - invoked, error: errorLabel(error) };
    }
  })), options.timeoutMs, `the ${implementation} fleet run`);
  const allInvocationsDoneMs = nowMs() - started;
  const counts = proxy.snapshot();
  proxy.throttleRoute53(undefined);

  const after = await checkAll();
  const failures: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.error !== undefined) {
      failures[outcome.error] = (failures[outcome.error] ?? 0) + 1;
    }
  }
  const groupsWrong = after.filter((check, index) => !check.ok || outcomes[index].error !== undefined).length;
  const calls = summarizeCalls(counts);
  const durations = outcomes.map((outcome) => outcome.durationMs);
  const lastWrite = counts.lastRoute53WriteAcceptedAt;
  const run: FleetRun = {
    implementation,
    groups: groups.length,
    namesNeedingUpdate,
    timeToAllCorrectMs: groupsWrong === 0 && lastWrite !== undefined ? round(lastWrite - started) : null,
    allInvocationsDoneMs: round(allInvocationsDoneMs),
    invocationP50Ms: round(percentile(durations, 0.5)),
    invocationMaxMs: round(Math.max(...durations)),
    failedInvocations: outcomes.filter((outcome) => outcome.error !== undefined).length,
    failures,
    groupsWrong,
    lostUpdates: wrongNames(after),
    route53Accepted: calls.route53Reads + calls.route53Writes,
    route53Throttled: calls.route53Throttled,
    route53Writes: calls.route53Writes,
    route53HighestAttempt: calls.route53HighestAttempt,
    route53MaxAttempts: calls.route53MaxAttempts,
    elastiCacheReads: calls.elastiCacheReads,
  };
  log(`${implementation}: done in ${run.allInvocationsDoneMs} ms, ${run.route53Throttled} throttled, ${run.groupsWrong} groups wrong, ${run.lostUpdates} lost updates`);
  return run;
}
