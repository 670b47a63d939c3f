/**
 * Job 4: a fleet of replication groups failing over at once (an AZ loss), against a Route 53 that
 * throttles like AWS (the proxy's account-wide token bucket, aws-facts §4.2).
 *
 * Each group has its own updater, run as Lambda runs one: its own container (clients and the memory of
 * its zone, warm from the run that seeded its names), its own deadline (the function's timeout less the
 * handler's margin), and Lambda's asynchronous retries of a failed invocation (two more tries, one and
 * two minutes later: Lambda developer guide, "Asynchronous invocation"), after which the event goes to
 * the dead-letter queue. All containers run concurrently in this one process. They call `reconcile`
 * rather than the handler, because the handler reads its settings from process.env and so serves one
 * group per process; they pass what the handler passes for a notification.
 *
 * Sizes too large for the bench's budget run on a time-scaled clock: Route 53's bucket refills `scale`
 * times faster, and every wait of the updater and of Lambda is `scale` times shorter. Times are reported
 * on Route 53's clock (real time × scale). moto's own latency is not scaled, so a scaled run is a little
 * pessimistic.
 */
import { baselineReconcile, createBaselineAws } from './baseline';
import { BenchGroup, GroupCheck, MotoAdmin } from './moto-fixtures';
import { summarizeCalls, ThrottlingProxy, TokenBucketOptions } from './throttling-proxy';
import { errorLabel, mapWithConcurrency, nowMs, percentile, round, withTimeout } from './util';
import { createUpdaterAws, UpdaterAws } from '../../lambda/updater/aws';
import { reconcile } from '../../lambda/updater/reconcile';
import { RecordCache } from '../../lambda/updater/record-cache';
import { RETRY_DEADLINE_MARGIN_MS } from '../../lambda/updater/retry';
import { UPDATER_TIMEOUT } from '../../src/private/updater';

/** The updater function's timeout, as the construct sets it. */
const FUNCTION_TIMEOUT_MS = UPDATER_TIMEOUT.toMilliseconds();
/** Lambda's asynchronous retries: after one minute, then after two more. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

export type Implementation = 'ours' | 'baseline';

/** One size to run, and the clock to run it on. */
export interface FleetSize {
  readonly groups: number;
  /** Route 53's clock runs this many times faster than real time (1 = real time). */
  readonly timeScale: number;
  /** Also run the naive baseline at this size. */
  readonly withBaseline?: boolean;
}

export interface FleetRun {
  readonly implementation: Implementation;
  readonly groups: number;
  readonly timeScale: number;
  /** Names the failover left wrong (on the new primary), i.e. updates that had to happen. */
  readonly namesNeedingUpdate: number;
  /** From the start until the last Route 53 write landed, if every group ended correct; else null. On Route 53's clock. */
  readonly timeToAllCorrectMs: number | null;
  /** The shortest possible time for the Route 53 requests that were answered: (requests - burst) / rate. */
  readonly floorMs: number;
  /** timeToAllCorrectMs / floorMs. */
  readonly ratioToFloor: number | null;
  /** From the start until every invocation (with Lambda's retries) had ended. On Route 53's clock. */
  readonly allInvocationsDoneMs: number;
  readonly invocationP50Ms: number;
  readonly invocationMaxMs: number;
  /** Invocations that failed (each is retried by Lambda, up to twice). */
  readonly failedInvocations: number;
  /** Events whose three invocations all failed: they would be in the dead-letter queue. */
  readonly deadLettered: number;
  /** Failed invocations by error name. */
  readonly failures: Record<string, number>;
  /** Groups whose names `verifyNames` rejects at the end. */
  readonly groupsWrong: number;
  /** Names still wrong after every invocation finished: updates that never happened. */
  readonly lostUpdates: number;
  /** Route 53 requests answered by moto, per failover event, and those the bucket turned away. */
  readonly route53Accepted: number;
  readonly route53PerEvent: number;
  readonly route53Throttled: number;
  readonly route53Writes: number;
  /** The most attempts any one Route 53 call took. */
  readonly route53HighestAttempt: number;
  readonly elastiCacheReads: number;
}

export interface FleetResult {
  readonly throttle: TokenBucketOptions;
  readonly runs: FleetRun[];
}

export interface FleetOptions {
  readonly admin: MotoAdmin;
  readonly proxy: ThrottlingProxy;
  readonly sizes: readonly FleetSize[];
  readonly throttle: TokenBucketOptions;
  readonly log: (message: string) => void;
}

/** One group's function: a warm container that lives across its invocations. */
interface Container {
  readonly aws: UpdaterAws;
  readonly cache: RecordCache;
  /** The running invocation's deadline, read by the Route 53 retry strategy. */
  readonly deadline: { at: number };
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const { admin, log } = options;
  const groups: BenchGroup[] = [];
  const runs: FleetRun[] = [];
  // Sizes in ascending order, each adding groups to the account only when it runs: the baseline lists every group
  // of the account, so it must meet the account of its own size, not the largest.
  for (const size of [...options.sizes].sort((left, right) => left.groups - right.groups)) {
    const ids = Array.from({ length: size.groups - groups.length }, (_, index) => `fleet-${String(groups.length + index + 1).padStart(4, '0')}`);
    log(`creating ${ids.length} more replication groups and zones in moto`);
    groups.push(...await mapWithConcurrency(ids, 16, (id) => admin.createGroup(id)));
    const fleet = groups.slice(0, size.groups);
    runs.push(await runOurs(fleet, size, options));
    if (size.withBaseline) {
      runs.push(await runBaseline(fleet, size, options));
    }
  }
  return { throttle: options.throttle, runs };
}

async function runOurs(groups: BenchGroup[], size: FleetSize, options: FleetOptions): Promise<FleetRun> {
  const scale = size.timeScale;
  const containers = groups.map((): Container => {
    const deadline = { at: 0 };
    return { deadline, cache: new RecordCache(), aws: createUpdaterAws({ deadline: () => deadline.at, timeScale: scale }) };
  });
  const invoke = async (group: BenchGroup, index: number) => {
    const container = containers[index];
    container.deadline.at = Date.now() + (FUNCTION_TIMEOUT_MS - RETRY_DEADLINE_MARGIN_MS) / scale;
    // What the handler does for a notification: plan from the container's memory of the zone.
    await reconcile(container.aws, group.settings, { cache: container.cache, startFromCache: true });
  };
  // The seeding run is the custom resource's Create: it lists the zone and claims the lease, and leaves the container warm.
  const seed = (group: BenchGroup, index: number) => {
    containers[index].deadline.at = Date.now() + FUNCTION_TIMEOUT_MS;
    return reconcile(containers[index].aws, group.settings, { cache: containers[index].cache, claimLease: true });
  };
  return runOnce('ours', groups, size, options, seed, invoke, LAMBDA_RETRY_DELAYS_MS);
}

async function runBaseline(groups: BenchGroup[], size: FleetSize, options: FleetOptions): Promise<FleetRun> {
  // The naive updater: fresh clients per invocation, the SDK's default retries, UPSERT of every name. One
  // invocation each, without Lambda's retries: its failures are counted, and waiting minutes to retry them
  // would not change what the row shows.
  const invoke = (group: BenchGroup) => baselineReconcile(createBaselineAws(), group.settings).then(() => undefined);
  return runOnce('baseline', groups, size, options, invoke, invoke, []);
}

async function runOnce(
  implementation: Implementation,
  groups: BenchGroup[],
  size: FleetSize,
  options: FleetOptions,
  seed: (group: BenchGroup, index: number) => Promise<unknown>,
  invoke: (group: BenchGroup, index: number) => Promise<void>,
  lambdaRetryDelaysMs: readonly number[],
): Promise<FleetRun> {
  const { admin, proxy, log, throttle } = options;
  const scale = size.timeScale;
  // Nothing here changes a member's status, so the checks do not read them (moto-fixtures.ts).
  const checkAll = () => mapWithConcurrency(groups, 16, (group) => admin.check(group, true));
  const wrongNames = (checks: GroupCheck[]) => checks.reduce((sum, check) => sum + check.wrongNames, 0);
  const clock = scale === 1 ? 'real time' : `a clock ${scale}x faster`;

  log(`${implementation} x${groups.length}: seeding names (unthrottled), then failing every group over`);
  proxy.throttleRoute53(undefined);
  await mapWithConcurrency(groups, 16, seed);
  const seeded = await checkAll();
  if (seeded.some((check) => !check.ok)) {
    throw new Error(`${implementation}: seeding left ${seeded.filter((check) => !check.ok).length} groups wrong`);
  }
  await mapWithConcurrency(groups, 16, (group) => admin.failover(group));
  const namesNeedingUpdate = wrongNames(await checkAll());

  log(`${implementation} x${groups.length}: concurrent invocations against Route 53 at ${throttle.ratePerSecond}/s, burst ${throttle.burst}, on ${clock}`);
  proxy.resetCounts();
  proxy.throttleRoute53({ ratePerSecond: throttle.ratePerSecond * scale, burst: throttle.burst });
  const started = nowMs();
  const outcomes = await withTimeout(Promise.all(groups.map(async (group, index) => {
    const invoked = nowMs();
    const errors: string[] = [];
    // Lambda's asynchronous invocation: the event, then up to two retries after a failure.
    for (let attempt = 0; attempt <= lambdaRetryDelaysMs.length; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, lambdaRetryDelaysMs[attempt - 1] / scale));
      }
      try {
        await invoke(group, index);
        return { durationMs: nowMs() - invoked, errors, deadLettered: false };
      } catch (error) {
        errors.push(errorLabel(error));
      }
    }
    return { durationMs: nowMs() - invoked, errors, deadLettered: true };
  })), (FUNCTION_TIMEOUT_MS * (LAMBDA_RETRY_DELAYS_MS.length + 1) + LAMBDA_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0)) / scale + 60_000, `the ${implementation} fleet of ${groups.length}`);
  const allInvocationsDoneMs = nowMs() - started;
  const counts = proxy.snapshot();
  proxy.throttleRoute53(undefined);

  const after = await checkAll();
  const failures: Record<string, number> = {};
  for (const error of outcomes.flatMap((outcome) => outcome.errors)) {
    failures[error] = (failures[error] ?? 0) + 1;
  }
  const groupsWrong = after.filter((check) => !check.ok).length;
  const calls = summarizeCalls(counts);
  const accepted = calls.route53Reads + calls.route53Writes;
  const floorMs = Math.max(0, accepted - throttle.burst) / throttle.ratePerSecond * 1000;
  const lastWrite = counts.lastRoute53WriteAcceptedAt;
  const timeToAllCorrectMs = groupsWrong === 0 && lastWrite !== undefined ? (lastWrite - started) * scale : null;
  const durations = outcomes.map((outcome) => outcome.durationMs * scale);
  const run: FleetRun = {
    implementation,
    groups: groups.length,
    timeScale: scale,
    namesNeedingUpdate,
    timeToAllCorrectMs: timeToAllCorrectMs === null ? null : round(timeToAllCorrectMs),
    floorMs: round(floorMs),
    ratioToFloor: timeToAllCorrectMs === null || floorMs === 0 ? null : round(timeToAllCorrectMs / floorMs),
    allInvocationsDoneMs: round(allInvocationsDoneMs * scale),
    invocationP50Ms: round(percentile(durations, 0.5)),
    invocationMaxMs: round(Math.max(...durations)),
    failedInvocations: outcomes.reduce((sum, outcome) => sum + outcome.errors.length, 0),
    deadLettered: outcomes.filter((outcome) => outcome.deadLettered).length,
    failures,
    groupsWrong,
    lostUpdates: wrongNames(after),
    route53Accepted: accepted,
    route53PerEvent: round(accepted / groups.length),
    route53Throttled: calls.route53Throttled,
    route53Writes: calls.route53Writes,
    route53HighestAttempt: calls.route53HighestAttempt,
    elastiCacheReads: calls.elastiCacheReads,
  };
  log(`${implementation} x${groups.length}: all correct after ${run.timeToAllCorrectMs ?? 'never'} ms (floor ${run.floorMs} ms, `
    + `ratio ${run.ratioToFloor ?? '-'}), ${run.route53Throttled} throttled, ${run.failedInvocations} failed, `
    + `${run.deadLettered} dead-lettered, ${run.groupsWrong} groups wrong, ${run.lostUpdates} lost updates`);
  return run;
}
