/**
 * Turns the measurements into test-reports/bench/results.json and results.md. Every ✓/✗ is
 * computed here from the numbers of this run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CallsResult, EventCalls } from './calls';
import type { ColdStartResult } from './cold-start';
import type { DataplaneResult, DataplaneRun } from './dataplane';
import type { FleetResult, FleetRun } from './fleet';
import type { OverheadResult } from './overhead';
import type { SharedClientResult } from '../dataplane/shared-metrics';
import type { SharedScenarioResult } from '../dataplane/shared-scenario';

export interface RunInfo {
  readonly startedAt: string;
  readonly runtimeSeconds: number;
  readonly node: string;
  readonly cpus: number;
  readonly quick: boolean;
  /** The machine's 1-minute load average when the run started and ended: other work on the cores shows in every latency. */
  readonly loadAverage?: readonly [atStart: number, atEnd: number];
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

/** Thresholds of the issues "Proof and performance" and "A thousand caches in one AZ outage". */
export const TARGETS = {
  maxRoute53WritesPerEvent: 1,
  /** Route 53 requests (reads and writes) for one failover notification. */
  route53RequestsPerFailover: { 'failover, warm function': 1, 'failover, cold function': 2 } as Record<string, number>,
  maxWarmOverheadP50Ms: 20,
  maxColdStartOverBareNodeMs: 60,
  /** Fleet size -> the most its time to all correct may be, as a multiple of the floor. */
  maxFleetRatioToFloor: { 100: 1.2, 300: 1.3, 1000: 1.3 } as Record<number, number>,
  /** The data plane: after a failover with another replica available, reads leave the primary within this (issues 9, 14). */
  maxPrimaryReadsAfterFailoverMs: 1_500,
  /** New connections per reader object per event (issue 14). */
  maxConnectionsPerReaderPerEvent: 2,
  /** p99 read latency while a failover lasts (issue 14). */
  maxP99DuringFailoverMs: 10,
} as const;

export function evaluateGoals(results: Omit<BenchResults, 'goals' | 'run'>): Goal[] {
  const writes = (pick: (row: CallsResult['rows'][number]) => EventCalls): Verdict => {
    const met = results.calls.rows.every((row) => pick(row).route53Writes <= (row.scenario === 'in-sync' ? 0 : TARGETS.maxRoute53WritesPerEvent));
    return { met, detail: results.calls.rows.map((row) => `${row.scenario} ${pick(row).route53Writes}`).join(', ') };
  };
  const requests = (pick: (row: CallsResult['rows'][number]) => EventCalls): Verdict => {
    const rows = results.calls.rows.filter((row) => TARGETS.route53RequestsPerFailover[row.scenario] !== undefined);
    const total = (row: CallsResult['rows'][number]) => pick(row).route53Reads + pick(row).route53Writes;
    return {
      met: rows.every((row) => total(row) <= TARGETS.route53RequestsPerFailover[row.scenario]),
      detail: rows.map((row) => `${row.scenario.replace('failover, ', '')} ${total(row)}`).join(', '),
    };
  };
  const overhead = results.overhead.cases;
  const fleet = (run: FleetRun | undefined): Verdict | undefined => {
    if (run === undefined) {
      return undefined;
    }
    const maxRatio = run.implementation === 'ours' ? TARGETS.maxFleetRatioToFloor[run.groups] : undefined;
    const withinRatio = maxRatio === undefined || (run.ratioToFloor !== null && run.ratioToFloor <= maxRatio);
    return {
      met: run.timeToAllCorrectMs !== null && run.groupsWrong === 0 && run.lostUpdates === 0 && run.deadLettered === 0 && withinRatio,
      detail: `${ms(run.timeToAllCorrectMs)}, ${run.ratioToFloor ?? '-'}× the floor${maxRatio === undefined ? '' : ` (≤ ${maxRatio}×)`}, `
        + `${run.groupsWrong} wrong, ${run.lostUpdates} lost, ${run.deadLettered} dead-lettered`,
    };
  };
  const fleetRun = (implementation: FleetRun['implementation'], groups: number) => results.fleet.runs
    .find((run) => run.implementation === implementation && run.groups === groups);
  const fleetSizes = [...new Set(results.fleet.runs.map((run) => run.groups))];
  return [
    {
      goal: `≤ ${TARGETS.maxRoute53WritesPerEvent} Route 53 write per event (0 in sync)`,
      ours: writes((row) => row.ours),
      baseline: writes((row) => row.baseline),
    },
    {
      goal: 'Route 53 requests per failover: 1 warm, 2 cold',
      ours: requests((row) => row.ours),
      baseline: requests((row) => row.baseline),
    },
    {
      goal: `Warm handler overhead p50 ≤ ${TARGETS.maxWarmOverheadP50Ms} ms`,
      ours: {
        met: overhead.every((entry) => entry.p50Ms <= TARGETS.maxWarmOverheadP50Ms),
        detail: overhead.map((entry) => `${entry.case} ${entry.p50Ms} ms`).join(', '),
      },
    },
    {
      // moto's latency is no part of a cold start, so the same reconcile in a warm process is taken off (section 3).
      goal: `Cold start ≤ ${TARGETS.maxColdStartOverBareNodeMs} ms over bare node start-up (Node ${results.coldStart.nodeVersion})`,
      ours: {
        met: results.coldStart.overBareNodeLessWarmReconcileMs <= TARGETS.maxColdStartOverBareNodeMs,
        detail: `${results.coldStart.overBareNodeLessWarmReconcileMs} ms less a warm reconcile (${results.coldStart.overBareNodeMs} ms with moto's latency)`,
      },
    },
    ...fleetSizes.map((groups) => ({
      goal: `Fleet of ${groups}: all correct, zero lost updates, nothing dead-lettered`
        + `${TARGETS.maxFleetRatioToFloor[groups] ? `, ≤ ${TARGETS.maxFleetRatioToFloor[groups]}× the floor` : ''}`,
      ours: fleet(fleetRun('ours', groups))!,
      baseline: fleet(fleetRun('baseline', groups)),
    })),
    ...dataplaneGoals(results.dataplane),
  ];
}

/** One client's figures in one data-plane run, whichever way they were measured. */
export interface ClientFigures {
  readonly client: string;
  /** Reads a primary served stop this long after the promotion (null: still on a primary at the end, or no promotion). */
  readonly backOnReplicaMs: number | null;
  /** How it was measured: the client's own ROLE per read, or the servers' GET counts (GLIDE cannot tell). */
  readonly measuredBy: 'client' | 'server';
  readonly p99DuringMs: number;
  readonly p99BeforeMs: number;
  readonly maxMs: number;
  /** Reads a primary served from the change on (the servers' count for GLIDE, over its lab). */
  readonly onPrimaryAfterChange: number;
  /** New connections during the event: the client's own count, or the servers' when it runs alone in its lab. */
  readonly connections: number | undefined;
  readonly errors: number;
  readonly wrong: number;
  readonly crashed?: string;
}

export function clientFigures(result: SharedScenarioResult, client: SharedClientResult): ClientFigures {
  const roleUnknown = client.withRole === 0;
  return {
    client: client.client,
    backOnReplicaMs: roleUnknown ? result.server.primaryGetsStopMs : client.primaryReadsStopMs,
    measuredBy: roleUnknown ? 'server' : 'client',
    p99DuringMs: client.p99DuringMs,
    p99BeforeMs: client.p99BeforeMs,
    maxMs: client.maxMs,
    onPrimaryAfterChange: roleUnknown ? result.server.primaryGetsAfterChange : client.onPrimary.during + client.onPrimary.after,
    connections: client.connectionsOpened ?? (result.readers === 1 ? result.serverConnectionsTotal : undefined),
    errors: client.errors,
    wrong: client.wrong,
    crashed: client.crashed,
  };
}

export function dataplaneGoals(dataplane: DataplaneResult): Goal[] {
  const ours = dataplane.runs.filter((run) => run.row.clients === 'packages');
  const others = dataplane.runs.filter((run) => run.row.clients !== 'packages');
  const defaults = (runs: DataplaneRun[]) => runs.filter((run) => run.row.scenario === 'failover' && !run.row.model);
  const figures = (runs: DataplaneRun[]) => runs.flatMap((run) => run.result.clients
    .map((client) => ({ run, ...clientFigures(run.result, client) })));
  const back = (runs: DataplaneRun[]): Verdict => {
    const all = figures(defaults(runs));
    return {
      met: all.length > 0 && all.every((entry) => !entry.crashed
        && entry.backOnReplicaMs !== null && entry.backOnReplicaMs <= TARGETS.maxPrimaryReadsAfterFailoverMs),
      detail: all.map((entry) => `${entry.client} ${entry.crashed ? entry.crashed : ms(entry.backOnReplicaMs)}`).join(', '),
    };
  };
  const clean = (runs: DataplaneRun[]): Verdict => {
    const all = figures(runs);
    const bad = all.filter((entry) => entry.errors > 0 || entry.wrong > 0 || entry.crashed
      || entry.connections === undefined || entry.connections > TARGETS.maxConnectionsPerReaderPerEvent);
    return {
      met: all.length > 0 && bad.length === 0,
      detail: bad.length === 0 ? `${all.length} client runs clean`
        : bad.map((entry) => `${entry.client} in ${entry.run.row.scenario}: ${entry.crashed ?? `${entry.errors} errors, ${entry.wrong} wrong, ${entry.connections ?? '?'} connections`}`).join('; '),
    };
  };
  const p99 = (runs: DataplaneRun[]): Verdict => {
    const all = figures(defaults(runs));
    return {
      met: all.length > 0 && all.every((entry) => !entry.crashed && entry.p99DuringMs <= TARGETS.maxP99DuringFailoverMs),
      detail: all.map((entry) => `${entry.client} ${entry.crashed ?? latency(entry.p99DuringMs)}`).join(', '),
    };
  };
  return [
    {
      goal: `Data plane: back on a replica ≤ ${TARGETS.maxPrimaryReadsAfterFailoverMs} ms after the promotion (failover, 10 s TTL, caching resolver), `
        + 'every client and concurrency (ours: the client packages; baseline: GLIDE and the README\'s old code)',
      ours: back(ours),
      baseline: back(others),
    },
    {
      goal: `Data plane: 0 application errors, 0 wrong replies, ≤ ${TARGETS.maxConnectionsPerReaderPerEvent} new connections per reader per event, every scenario`,
      ours: clean(ours),
      baseline: clean(others),
    },
    {
      goal: `Data plane: p99 read latency during a failover ≤ ${TARGETS.maxP99DuringFailoverMs} ms (10 s TTL, caching resolver)`,
      ours: p99(ours),
      baseline: p99(others),
    },
  ];
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
/** A latency figure; none (null after JSON) when a client had no reads in the window. */
const latency = (value: number | null) => (value === null || Number.isNaN(value) ? '–' : `${value} ms`);
const yesNo = (value: boolean) => value ? '✓' : '✗';

/** The data-plane job alone (`--dataplane-only`): its goals and section 5. */
export function writeDataplaneReport(directory: string, run: RunInfo, dataplane: DataplaneResult): { json: string; markdown: string } {
  fs.mkdirSync(directory, { recursive: true });
  const goals = dataplaneGoals(dataplane);
  const json = path.join(directory, 'dataplane.json');
  const markdown = path.join(directory, 'dataplane.md');
  fs.writeFileSync(json, `${JSON.stringify({ run, goals, dataplane }, undefined, 2)}\n`);
  fs.writeFileSync(markdown, `${[
    '# Benchmark results: the data plane only',
    '',
    `Measured in one run of \`npx projen bench --dataplane-only\` on ${run.startedAt}: Node ${run.node}, ${run.cpus} CPUs, ${run.runtimeSeconds} s in all`
      + `${run.loadAverage ? `, load average ${run.loadAverage[0]} at the start and ${run.loadAverage[1]} at the end` : ''}.`,
    '',
    table(['Goal', 'Ours', 'Baseline'], goals.map((goal) => [goal.goal, mark(goal.ours), mark(goal.baseline)])),
    '',
    renderDataplane(dataplane),
  ].join('\n')}\n`);
  return { json, markdown };
}

export function renderMarkdown(results: BenchResults): string {
  const { run, calls, overhead, coldStart, fleet, dataplane } = results;
  const fleetRow = (label: string, value: (entry: FleetRun) => string | number) => [label, ...fleet.runs.map(value)];
  const fleetHeader = fleet.runs.map((entry) => `${entry.implementation === 'ours' ? 'Ours' : 'Baseline'}, ${entry.groups} groups`
    + `${entry.timeScale === 1 ? '' : ` (clock ×${entry.timeScale})`}`);
  return `${[
    '# Benchmark results',
    '',
    `Measured in one run of \`npx projen bench\` on ${run.startedAt}: Node ${run.node}, ${run.cpus} CPUs, ${run.runtimeSeconds} s in all`
      + `${run.loadAverage ? `, load average ${run.loadAverage[0]} at the start and ${run.loadAverage[1]} at the end` : ''}.`
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
    '## 4. Fleet: an AZ outage fails every group over at once, Route 53 throttled',
    '',
    `A proxy throttles Route 53 like AWS: one token bucket across all Route 53 actions, ${fleet.throttle.ratePerSecond} requests/s, burst ${fleet.throttle.burst}; `
      + 'a request without a token gets HTTP 400 `Throttling` "Rate exceeded" in Route 53\'s XML error shape and takes no token. '
      + 'Each group (primary and two replicas, two names, its own zone) has its own updater, run as Lambda runs one: its own container '
      + '(clients, and its memory of the zone from the custom resource\'s Create that seeded the names), a deadline of the 5-minute '
      + 'timeout less 5 s, and Lambda\'s asynchronous retries (1 and 2 minutes after a failure) before the dead-letter queue. All groups fail '
      + 'over, then every container gets its notification at once (`reconcile` with what the handler passes: the handler reads its settings '
      + 'from process.env, so one process serves one group through it). The floor is (Route 53 requests answered − burst) / rate: no updater '
      + 'can do better with those requests. The baseline (fresh default SDK clients, 3 attempts, UPSERT of every name) runs once per group, '
      + 'without Lambda\'s retries.',
    '',
    table(['Metric', ...fleetHeader], [
      fleetRow('Names the failover left wrong', (entry) => entry.namesNeedingUpdate),
      fleetRow('Time to all correct (last write landed)', (entry) => ms(entry.timeToAllCorrectMs)),
      fleetRow('Floor for the Route 53 requests answered', (entry) => ms(entry.floorMs)),
      fleetRow('**Ratio to the floor**', (entry) => entry.ratioToFloor === null ? '-' : `**${entry.ratioToFloor}**`),
      fleetRow('All invocations finished after', (entry) => ms(entry.allInvocationsDoneMs)),
      fleetRow('Invocation duration p50 / max', (entry) => `${entry.invocationP50Ms} / ${entry.invocationMaxMs} ms`),
      fleetRow('Route 53 requests answered (per event)', (entry) => `${entry.route53Accepted} (${entry.route53PerEvent})`),
      fleetRow('Route 53 writes answered', (entry) => entry.route53Writes),
      fleetRow('Throttled responses', (entry) => entry.route53Throttled),
      fleetRow('Most attempts one Route 53 call took', (entry) => entry.route53HighestAttempt),
      fleetRow('ElastiCache reads', (entry) => entry.elastiCacheReads),
      fleetRow('Failed invocations', (entry) => entry.failedInvocations === 0 ? 0
        : `${entry.failedInvocations} (${Object.entries(entry.failures).map(([name, count]) => `${count} ${name}`).join(', ')})`),
      fleetRow('Dead-lettered events', (entry) => entry.implementation === 'ours' ? entry.deadLettered : 'n/a'),
      fleetRow('Groups wrong at the end', (entry) => entry.groupsWrong),
      fleetRow('Lost updates (names still wrong at the end)', (entry) => entry.lostUpdates),
    ]),
    '',
    '## 5. Data plane: shared readers through failovers, a replica back empty and a resolver outage',
    '',
    renderDataplane(dataplane),
    '',
    '## Method and caveats',
    '',
    '- moto 5.2.1 with the launcher of `test/e2e/moto_launcher.py` (TestFailover swaps roles before it answers). '
      + 'Its latency is not AWS latency: it is in the cold-start and fleet figures, not in the warm overhead.',
    '- Only Route 53 is throttled; ElastiCache\'s own API limits are not emulated, so the baseline\'s account-wide listings cost it time here but are never refused.',
    '- A throttled request takes no token (AWS documents the bucket, not what a refused request costs). Retries wait a random time up to a tenth '
      + 'of the time already waited (lambda/updater/retry.ts), so fleet times vary from run to run.',
    '- The machine has 2 cores shared with other work; expect noise in every timing, most in p99 and max.',
    '- Setup, failovers and checks talk to moto directly and are neither counted nor throttled.',
  ].join('\n')}\n`;
}

const CLIENT_NAMES: Record<string, string> = {
  'node-package': 'redis-stable-readers (Node), 50 loops',
  'python-threads': 'redis-stable-readers (Python), 8 threads',
  'python-asyncio': 'redis-stable-readers (asyncio), 50 tasks',
  'node-glide': 'Valkey GLIDE (Node), 50 loops',
  'node-readme': "README's old ioredis code, 50 loops",
  'python-readme': "README's old redis-py code, 8 threads",
};

export function renderDataplane(dataplane: DataplaneResult): string {
  const first = dataplane.runs[0].result;
  return [
    'Three `redis-server` 7.0 nodes with TLS, AUTH and TLS replication on their own loopback addresses, moto mirroring their roles, '
      + 'a DNS server answering the zone from moto\'s Route 53 behind a caching resolver, and the bundled updater, notified '
      + `${first.model.notificationDelayMs} ms after each change (SNS). Each client process holds **one reader object shared by every loop** `
      + '(request loop, thread or task), as applications share a client; each loop reads its own key every 50 ms, whose value is unique '
      + 'to it, so a reply meant for another loop is caught. The packages run as installed '
      + `(${dataplane.installedFrom}); every process runs with the lab resolver in its own \`/etc/resolv.conf\`, unchanged.`,
    '',
    '"Back on a replica": from the promotion to the end of the last read a primary served ("never": still on it at the end; '
      + '"–": nothing was promoted). Our clients and the old code send GET and ROLE on one connection, so each read names its node\'s role; '
      + 'GLIDE cannot, so for it the servers\' GET counts are sampled every 100 ms with each node\'s role (†). p99: read latency from the change '
      + 'until the names are right and the TTL and a margin have passed (before the event, in brackets). Connections: opened during the event, as the '
      + 'client counts them (GLIDE: as the servers count them, less the lab\'s own and replication connections). Errors reached the application.',
    '',
    table(['Scenario', 'Client', 'Reads', 'Reads on a primary after the change', 'Back on a replica', 'p99 during (before)', 'Max', 'Connections opened', 'Errors',
      'Wrong replies'],
    dataplane.runs.flatMap(({ row, result }) => result.clients.map((client, index) => {
      const figures = clientFigures(result, client);
      const promotes = row.scenario.includes('failover') || row.scenario.includes('down');
      return [
        index === 0 ? `${row.label} (names right after ${ms(result.namesCorrectAfterMs)})` : '',
        CLIENT_NAMES[client.kind] ?? client.client,
        client.reads,
        `${figures.onPrimaryAfterChange}${figures.measuredBy === 'server' ? ' †' : ''}`,
        figures.crashed ? `**${figures.crashed}**` : !promotes ? '–' : `${ms(figures.backOnReplicaMs)}${figures.measuredBy === 'server' ? ' †' : ''}`,
        `${latency(figures.p99DuringMs)} (${latency(figures.p99BeforeMs)})`,
        latency(figures.maxMs),
        figures.connections ?? '?',
        client.errors,
        client.wrong,
      ];
    }))),
    '',
    'Per row, new connections as the servers counted them (INFO stats total_connections_received, less the lab\'s own and replication '
      + `connections), over every reader in the lab: ${dataplane.runs.map(({ row, result }) => `${row.scenario}/${row.clients} ${result.serverConnectionsTotal}`).join(', ')}.`,
    '',
    `ElastiCache assumptions of the default rows (test/dataplane/switches.ts): ${Object.entries(first.model)
      .map(([name, value]) => `\`${name}\` ${value === null ? 'lost' : value}`).join(', ')}.`,
  ].join('\n');
}
