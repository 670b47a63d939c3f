/** Judges a shared-reader client's reads: errors, wrong replies, where reads went, latency, and connections. */
import type { EventTimes } from './scenarios';
import type { ReadRecord } from './shared-config';
import { percentile } from '../bench/util';

export interface SharedWindows {
  readonly times: EventTimes;
  /** From here on reads are "after": names correct, TTL passed, one role check interval and a margin. */
  readonly settledAt: number;
}

export interface SharedClientResult {
  /** e.g. `node-package ×50`. */
  readonly client: string;
  readonly kind: string;
  readonly loops: number;
  /** How the process ended before the lab stopped it, if it did (a crash is a result too). */
  readonly crashed?: string;
  readonly reads: number;
  /** Errors that reached the application, and the first few. */
  readonly errors: number;
  readonly firstErrors: string[];
  /** Replies with another key's value (or none): one loop got what another asked for. */
  readonly wrong: number;
  readonly firstWrong: string[];
  /** Reads whose serving node's role the client reported (GLIDE's it cannot: see servedByPrimary in the scenario). */
  readonly withRole: number;
  readonly onPrimary: { readonly before: number; readonly during: number; readonly after: number };
  /**
   * After a promotion: from the promotion to the end of the last read a primary served, 0 when none did; null
   * when reads were still on a primary at the end or the event promotes nothing.
   */
  readonly primaryReadsStopMs: number | null;
  /** Read latency in the 1.5 s before the event (the machine's baseline), while it lasted (from the change until settled), and over the whole run. */
  readonly p99BeforeMs: number;
  readonly p99DuringMs: number;
  readonly p50DuringMs: number;
  readonly maxMs: number;
  /** The client's budget for one call, and calls slower than it. */
  readonly budgetMs?: number;
  readonly slowerThanBudget: number;
  /** While the resolver answered nothing: reads, as many as at the pace before, those from a replica, and loops with none from a replica. */
  readonly whileResolverDown?: {
    readonly reads: number;
    readonly expected: number;
    readonly onReplica: number;
    readonly loopsWithoutReplicaRead: number;
  };
  /** What the client says it did during the event (its own counters, differences). */
  readonly clientCounters: Record<string, number>;
  /** Connections the client says it opened during the event (the counter of {@link CONNECTION_COUNTERS}). */
  readonly connectionsOpened?: number;
}

/** Each client's own counter of the connections it opened. */
const CONNECTION_COUNTERS: Record<string, string> = {
  'node-package': 'event:connect',
  'python-threads': 'connections_opened',
  'python-asyncio': 'connections_opened',
  'node-readme': 'connections',
  'python-readme': 'connections',
};

export interface SharedRunnerView {
  readonly label: string;
  readonly config: { readonly kind: string; readonly loops: number; readonly readIntervalMs: number };
  readonly reads: readonly ReadRecord[];
  readonly errors: ReadonlyArray<{ readonly error: string; readonly loop: number }>;
  readonly wrong: ReadonlyArray<{ readonly got: string; readonly loop: number }>;
  readonly budgetMs?: number;
  readonly crashed?: string;
  countersAt(t: number): Record<string, number>;
}

/** The steady state before an event, for its latency baseline (the runners' start, with its TLS handshakes, lies before). */
const STEADY_BEFORE_MS = 1_500;

/** A read is judged by when it ended. */
export function judgeShared(runner: SharedRunnerView, windows: SharedWindows, end: number): SharedClientResult {
  const { changedAt, promotes, resolverDown } = windows.times;
  const reads = runner.reads;
  const inWindow = (from: number, to: number) => reads.filter(([t]) => t >= from && t < to);
  const primary = (records: readonly ReadRecord[]) => records.filter((read) => read[3] === 'm').length;
  const during = inWindow(changedAt, windows.settledAt);
  const afterChange = inWindow(changedAt, Number.MAX_SAFE_INTEGER);
  const lastOnPrimary = afterChange.filter((read) => read[3] === 'm').pop();
  const stillOnPrimary = afterChange.length > 0 && afterChange[afterChange.length - 1][3] === 'm'
    && afterChange.slice(-runner.config.loops).every((read) => read[3] === 'm');
  const budgetMs = runner.budgetMs;
  let whileResolverDown: SharedClientResult['whileResolverDown'];
  if (resolverDown) {
    const inside = inWindow(resolverDown.from, resolverDown.to);
    const onReplica = inside.filter((read) => read[3] === 's' || read[3] === 'v');
    const loopsWithReplicaRead = new Set(onReplica.map((read) => read[1]));
    const readsJustBefore = inWindow(resolverDown.from - STEADY_BEFORE_MS, resolverDown.from).length;
    whileResolverDown = {
      reads: inside.length,
      // At the client's own pace just before (on a busy machine a client may read slower than its loops ask).
      expected: Math.floor((readsJustBefore * (resolverDown.to - resolverDown.from)) / STEADY_BEFORE_MS),
      onReplica: onReplica.length,
      loopsWithoutReplicaRead: runner.config.loops - loopsWithReplicaRead.size,
    };
  }
  const before = runner.countersAt(changedAt);
  const last = runner.countersAt(end);
  const clientCounters = Object.fromEntries(Object.entries(last).map(([name, value]) => [name, value - (before[name] ?? 0)]));
  const latencies = (records: readonly ReadRecord[]) => records.map((read) => read[2]);
  return {
    client: runner.label,
    kind: runner.config.kind,
    loops: runner.config.loops,
    crashed: runner.crashed,
    reads: reads.length,
    errors: reads.filter((read) => read[3] === 'x').length,
    firstErrors: runner.errors.slice(0, 3).map((error) => `loop ${error.loop}: ${error.error}`),
    wrong: reads.filter((read) => read[3] === 'w').length,
    firstWrong: runner.wrong.slice(0, 3).map((wrong) => `loop ${wrong.loop} got ${wrong.got}`),
    withRole: reads.filter((read) => read[3] === 'm' || read[3] === 's').length,
    onPrimary: {
      before: primary(inWindow(0, changedAt)),
      during: primary(during),
      after: primary(inWindow(windows.settledAt, Number.MAX_SAFE_INTEGER)),
    },
    primaryReadsStopMs: !promotes || stillOnPrimary ? null : lastOnPrimary ? lastOnPrimary[0] - changedAt : 0,
    p99BeforeMs: round(percentile(latencies(inWindow(changedAt - STEADY_BEFORE_MS, changedAt)), 0.99)),
    p99DuringMs: round(percentile(latencies(during), 0.99)),
    p50DuringMs: round(percentile(latencies(during), 0.5)),
    maxMs: round(Math.max(0, ...latencies(reads))),
    budgetMs,
    slowerThanBudget: budgetMs === undefined ? 0 : reads.filter((read) => read[2] > budgetMs).length,
    whileResolverDown,
    clientCounters,
    connectionsOpened: clientCounters[CONNECTION_COUNTERS[runner.config.kind]],
  };
}

const round = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : value);
