/**
 * Turns the measurements into test-reports/bench/results.json and results.md. Every ✓/✗ is
 * computed here from the numbers of this run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CallsResult, EventCalls } from './calls';
import type { ColdStartResult } from './cold-start';
import type { DataplaneResult } from './dataplane';
import type { FleetResult, FleetRun } from './fleet';
import type { OverheadResult } from './overhead';
import { ClientResult, percentOnPrimary } from '../dataplane/metrics';

export interface RunInfo {
  readonly startedAt: string;
  readonly runtimeSeconds: number;
  readonly node: string;
  readonly cpus: number;
  readonly quick: boolean;
}

export interface BenchResults {
  readonly run: RunInfo;
  readonly goals: Goal[];
  readonly calls: CallsResult;
  readonly overhead: OverheadResult;
  readonly coldStart: ColdStartResult;
  readonly fleet: FleetResult;
  readonly dataplane: DataplaneResult;
}

/** A goal's verdict for one implementation. */
export interface Verdict {
  readonly met: boolean;
  readonly detail: string;
}

export interface Goal {
  readonly goal: string;
  readonly ours: Verdict;
  /** Absent where the goal is about our handler only. */
  readonly baseline?: Verdict;
}

/** Thresholds of the issue "Proof and performance". */
export const TARGETS = {
  maxRoute53WritesPerEvent: 1,
  maxWarmOverheadP50Ms: 20,
  maxColdStartOverBareNodeMs: 100,
  /** The data plane: after a failover with another replica available, reads leave the primary within this (issue 9). */
  maxPrimaryReadsAfterFailoverMs: 1_500,
} as const;

export function evaluateGoals(results: Omit<BenchResults, 'goals' | 'run'>): Goal[] {
  const writes = (pick: (row: CallsResult['rows'][number]) => EventCalls): Verdict => {
    const met = results.calls.rows.every((row) => pick(row).route53Writes <= (row.scenario === 'in-sync' ? 0 : TARGETS.maxRoute53WritesPerEvent));
    return { met, detail: results.calls.rows.map((row) => `${row.scenario} ${pick(row).route53Writes}`).join(', ') };
  };
  const overhead = results.overhead.cases;
  const fleet = (run: FleetRun | undefined): Verdict | undefined => run && {
    met: run.timeToAllCorrectMs !== null && run.groupsWrong === 0 && run.lostUpdates === 0,
    detail: `${run.groupsWrong} of ${run.groups} groups wrong, ${run.lostUpdates} lost updates`,
  };
  const fleetRun = (implementation: FleetRun['implementation']) => results.fleet.runs.find((run) => run.implementation === implementation);
  return [
    {
      goal: `≤ ${TARGETS.maxRoute53WritesPerEvent} Route 53 write per event (0 in sync)`,
      ours: writes((row) => row.ours),
      baseline: writes((row) => row.baseline),
    },
    {
      goal: `Warm handler overhead p50 ≤ ${TARGETS.maxWarmOverheadP50Ms} ms`,
      ours: {
        met: overhead.every((entry) => entry.p50Ms <= TARGETS.maxWarmOverheadP50Ms),
        detail: overhead.map((entry) => `${entry.case} ${entry.p50Ms} ms`).join(', '),
      },
    },
    {
      goal: `Cold start ≤ ${TARGETS.maxColdStartOverBareNodeMs} ms over bare node start-up`,
      ours: { met: results.coldStart.overBareNodeMs <= TARGETS.maxColdStartOverBareNodeMs, detail: `${results.coldStart.overBareNodeMs} ms (moto latency included)` },
    },
    {
      goal: `Fleet of ${results.fleet.groups}: all correct, zero lost updates`,
      ours: fleet(fleetRun('ours'))!,
      baseline: fleet(fleetRun('baseline')),
    },
    {
      goal: `Data plane: reads through a promoted replica's name leave the primary within ${TARGETS.maxPrimaryReadsAfterFailoverMs} ms `
        + '(failover, 10 s TTL, caching resolver; the README code, and beside it the old README code)',
      ours: dataplaneVerdict(results.dataplane, 'recipe'),
      baseline: dataplaneVerdict(results.dataplane, 'legacy'),
    },
  ];
}

function dataplaneVerdict(dataplane: DataplaneResult, code: 'recipe' | 'legacy'): Verdict {
  const clients = dataplane.runs[0].result.clients.filter((client) => client.client.endsWith(code));
  return {
    met: clients.every((client) => client.backOnReplicaMs !== null && client.backOnReplicaMs <= TARGETS.maxPrimaryReadsAfterFailoverMs),
    detail: clients.map((client) => `${client.client.split(' ')[0]} ${ms(client.backOnReplicaMs)}`).join(', '),
  };
}

export function writeReports(directory: string, results: BenchResults): { json: string; markdown: string } {
  fs.mkdirSync(directory, { recursive: true });
  const json = path.join(directory, 'results.json');
  const markdown = path.join(directory, 'results.md');
  fs.writeFileSync(json, `${JSON.stringify(results, undefined, 2)}\n`);
  fs.writeFileSync(markdown, renderMarkdown(results));
  return { json, markdown };
}

const mark = (verdict: Verdict | undefined) => verdict === undefined ? 'n/a' : `${verdict.met ? '✓' : '✗'} ${verdict.detail}`;
const table = (header: string[], rows: (string | number)[][]) => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((row) => `| ${row.join(' | ')} |`),
].join('\n');
const pair = (ours: string | number, baseline: string | number) => `${ours} / ${baseline}`;
const ms = (value: number | null) => value === null ? 'never' : `${value} ms`;
const yesNo = (value: boolean) => value ? '✓' : '✗';

export function renderMarkdown(results: BenchResults): string {
  const { run, calls, overhead, coldStart, fleet, dataplane } = results;
  const [ours, baseline] = (['ours', 'baseline'] as const).map((name) => fleet.runs.find((entry) => entry.implementation === name)!);
  const fleetRow = (label: string, value: (entry: FleetRun) => string | number) => [label, value(ours), value(baseline)];
  return `${[
    '# Benchmark results',
    '',
    `Measured in one run of \`npx projen bench\` on ${run.startedAt}: Node ${run.node}, ${run.cpus} CPUs, ${run.runtimeSeconds} s in all.`
      + (run.quick ? ' **Quick run (`--quick`): sample sizes too small for the goals to mean anything.**' : ''),
    'AWS is emulated by moto on 127.0.0.1; no request leaves the machine.',
    '',
    '## Goals',
    '',
    table(['Goal', 'Ours', 'Baseline'], results.goals.map((goal) => [goal.goal, mark(goal.ours), mark(goal.baseline)])),
    '',
    '## 1. AWS calls per event (ours / baseline)',
    '',
    `Counted per HTTP request at a proxy in front of moto (requests moto answered), with ${calls.groupsInAccount} replication groups in the account. `
      + 'One group of a primary and two replicas, two names.',
    '',
    table(
      ['Event', 'ElastiCache reads', 'Route 53 reads', 'Route 53 writes', 'Record changes', 'ElastiCache bytes read', 'Names correct after'],
      calls.rows.map((row) => [
        row.scenario,
        pair(row.ours.elastiCacheReads, row.baseline.elastiCacheReads),
        pair(row.ours.route53Reads, row.baseline.route53Reads),
        pair(row.ours.route53Writes, row.baseline.route53Writes),
        pair(row.ours.recordChanges, row.baseline.recordChanges),
        pair(row.ours.elastiCacheResponseBytes, row.baseline.elastiCacheResponseBytes),
        pair(yesNo(row.ours.namesCorrectAfter), yesNo(row.baseline.namesCorrectAfter)),
      ]),
    ),
    '',
    '## 2. Warm handler overhead (AWS answered in memory)',
    '',
    `The bundled handler, \`handler({})\` with \`setUpdaterAws()\` given an in-memory AWS that answers at once; ${overhead.warmUpRunsPerCase} warm-up runs per case first. `
      + `Failover and in-sync runs alternate. Powertools logs and metrics are written (to \`${overhead.logFile}\`).`,
    '',
    table(['Case', 'Runs', 'p50', 'p99', 'Mean', 'Max', 'Changes per run'], overhead.cases.map((entry) => [
      entry.case, entry.runs, `${entry.p50Ms} ms`, `${entry.p99Ms} ms`, `${entry.meanMs} ms`, `${entry.maxMs} ms`, entry.changesPerRun,
    ])),
    '',
    '## 3. Cold start',
    '',
    `Median of ${coldStart.samples} fresh \`node\` processes each, timed from spawn to exit. The handler process loads \`assets/updater/index.js\` and runs `
      + 'its first reconcile (direct invoke `{}`) against moto; the group fails over before each sample, so each writes a change. '
      + "**moto's latency is included** (the calls of one failover reconcile, see section 1).",
    '',
    table(['Process', 'Median'], [
      ["bare `node -e ''`", `${coldStart.bareNodeMedianMs} ms`],
      ['`node` + bundle + first reconcile', `${coldStart.handlerMedianMs} ms`],
      ['**difference (cold start over bare node)**', `**${coldStart.overBareNodeMs} ms**`],
      ['inside the handler process: loading the bundle', `${coldStart.inside.loadBundleMs} ms`],
      ['inside the handler process: first reconcile (moto included)', `${coldStart.inside.firstReconcileMs} ms`],
      ['for comparison: the same failover reconcile in a warm process (moto included)', `${coldStart.warmReconcileMedianMs} ms`],
      ['difference less that warm reconcile (≈ the cold part without moto)', `${coldStart.overBareNodeLessWarmReconcileMs} ms`],
    ]),
    '',
    `Record changes per cold reconcile: ${coldStart.changesPerRun}.`,
    '',
    `## 4. Fleet: ${fleet.groups} groups fail over at once, Route 53 throttled`,
    '',
    `A proxy throttles Route 53 like AWS: one token bucket across all Route 53 actions, ${fleet.throttle.ratePerSecond} requests/s, burst ${fleet.throttle.burst}; `
      + 'a request without a token gets HTTP 400 `Throttling` "Rate exceeded" in Route 53\'s XML error shape. '
      + `Each group (primary and two replicas, two names, its own zone) was seeded, then all ${fleet.groups} failed over, then ${fleet.groups} reconciles `
      + 'ran concurrently in one process, each with fresh clients: ours with `reconcile(createUpdaterAws(), settings)` (the handler reads its '
      + 'settings from process.env, so one process can serve only one group through it), the baseline with default SDK clients (3 attempts).',
    '',
    table(['Metric', 'Ours', 'Baseline'], [
      fleetRow('Names the failover left wrong', (entry) => entry.namesNeedingUpdate),
      fleetRow('Time to all correct (last write landed)', (entry) => ms(entry.timeToAllCorrectMs)),
      fleetRow('All invocations finished after', (entry) => ms(entry.allInvocationsDoneMs)),
      fleetRow('Invocation duration p50 / max', (entry) => `${entry.invocationP50Ms} / ${entry.invocationMaxMs} ms`),
      fleetRow('Route 53 requests answered by moto', (entry) => entry.route53Accepted),
      fleetRow('Route 53 writes answered by moto', (entry) => entry.route53Writes),
      fleetRow('Throttled responses (retried by the SDK unless out of attempts)', (entry) => entry.route53Throttled),
      fleetRow('Most attempts one Route 53 call took (of the client\'s maximum)', (entry) => `${entry.route53HighestAttempt} of ${entry.route53MaxAttempts}`),
      fleetRow('ElastiCache reads', (entry) => entry.elastiCacheReads),
      fleetRow('Failed invocations', (entry) => entry.failedInvocations === 0 ? 0
        : `${entry.failedInvocations} (${Object.entries(entry.failures).map(([name, count]) => `${count} ${name}`).join(', ')})`),
      fleetRow('Groups wrong at the end (verifyNames, or invocation failed)', (entry) => entry.groupsWrong),
      fleetRow('Lost updates (names still wrong at the end)', (entry) => entry.lostUpdates),
    ]),
    '',
    '## 5. Data plane: real clients through a failover',
    '',
    renderDataplane(dataplane),
    '',
    '## Method and caveats',
    '',
    '- moto 5.2.1 with the launcher of `test/e2e/moto_launcher.py` (TestFailover swaps roles before it answers). '
      + 'Its latency is not AWS latency: it is in the cold-start and fleet figures, not in the warm overhead.',
    '- Only Route 53 is throttled; ElastiCache\'s own API limits are not emulated, so the baseline\'s account-wide listings cost it time here but are never refused.',
    '- A throttled request takes no token, as in AWS. The SDK retries `Throttling` with exponential backoff and jitter, so fleet times vary from run to run.',
    '- The machine has 2 cores shared with other work; expect noise in every timing, most in p99 and max.',
    '- Setup, failovers and checks talk to moto directly and are neither counted nor throttled.',
  ].join('\n')}\n`;
}

/** The old redis-py code reads through replica1 only, so it has no reads through replica2 when that is the affected name. */
function readsThroughAffectedName(client: ClientResult): string[] {
  const windows = [client.before, client.during, client.after];
  return windows.every((window) => window.reads === 0)
    ? ['no reads through this name', 'n/a']
    : [windows.map(percentOnPrimary).join(' / '), client.backOnReplicaMs === 0 ? 'never left' : ms(client.backOnReplicaMs)];
}

export function renderDataplane(dataplane: DataplaneResult): string {
  const writes = (client: ClientResult) => client.writes
    ? `${client.writes.acknowledged} / ${client.writes.errors} / ${client.writes.lost} (${client.writes.lostAfterSwitch})`
    : 'no writer';
  return [
    'Three `redis-server` 7.0 nodes with TLS, AUTH and TLS replication on their own loopback addresses, moto mirroring their roles, '
      + 'a DNS server answering the zone from moto\'s Route 53 (with a caching resolver in front unless the row says otherwise), and the '
      + `bundled updater, notified ${dataplane.runs[0].result.model.notificationDelayMs} ms after each change (SNS). Each client`
      + ' process reads through every replica name every 25 ms (the old '
      + 'redis-py snippet only through replica1) and, for the README code, writes through `primary.<zone>` every 50 ms. It runs under '
      + '`unshare` with the lab resolver in its `/etc/resolv.conf`, so the README code runs unchanged.',
    '',
    '"Primary reads" are reads through the name whose node the event took away (replica1; replica2 when a replica is removed) that a '
      + 'primary served: before the change / until the names are right and the TTL and a margin passed / after that. "Back on a replica": '
      + 'from the change to the first replica read after the last read a primary served or that failed ("never left": none did). Writes: acknowledged / errors that '
      + 'reached the application / acknowledged but missing afterwards (of those, acknowledged after the switch).',
    '',
    table(['Scenario', 'Names right after', 'Client', 'Primary reads before / during / after', 'Back on a replica', 'Read errors', 'Writes ack / errors / lost (after switch)'],
      dataplane.runs.flatMap(({ row, result }) => result.clients.map((client, index) => [
        index === 0 ? row.label : '',
        index === 0 ? ms(result.namesCorrectAfterMs) : '',
        client.client.replace('recipe', 'README').replace('legacy', 'old README'),
        ...readsThroughAffectedName(client),
        client.readErrors,
        writes(client),
      ]))),
    '',
    `ElastiCache assumptions of the default row (test/dataplane/switches.ts): ${Object.entries(dataplane.runs[0].result.model)
      .map(([name, value]) => `\`${name}\` ${value === null ? 'lost' : value}`).join(', ')}.`,
  ].join('\n');
}
