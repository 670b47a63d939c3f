/**
 * Job 3: cold start. Each sample is a fresh `node` process that loads the bundle and runs its first
 * reconcile (a direct invoke `{}`) against moto, timed from spawn to exit, set against a bare
 * `node -e ''` timed the same way. Before each sample the group fails over, so every first
 * reconcile has a real change to write. moto's own latency is included, so the same failover
 * reconcile is also timed in a warm process (the e2e tests' bundled-handler runner) for comparison.
 */
import { spawn } from 'child_process';
import { BenchGroup, MotoAdmin, sdkEnv, updaterEnv } from './moto-fixtures';
import { median, nowMs, round, withTimeout } from './util';
import { startBundledHandler } from '../e2e/bundled-handler';
import { LOOPBACK_GUARD_JS } from '../support/loopback-guard';

/** The function process: the guard, then the bundle, then one invoke; timings go to fd 3. */
const RUNNER = `${LOOPBACK_GUARD_JS}
const fs = require('fs');
const startedMs = performance.now();
const { handler } = require(process.argv[1]);
const loadedMs = performance.now();
handler({}).then((response) => {
  const doneMs = performance.now();
  fs.writeSync(3, JSON.stringify({ bootMs: startedMs, loadMs: loadedMs - startedMs, reconcileMs: doneMs - loadedMs, changes: response.changes }));
  process.exit(0);
}, (error) => {
  fs.writeSync(3, JSON.stringify({ error: String((error && error.stack) || error) }));
  process.exit(1);
});
`;

/** What the function process measured itself (performance.now() counts from its own start). */
interface RunnerReport {
  readonly bootMs: number;
  readonly loadMs: number;
  readonly reconcileMs: number;
  readonly changes: number;
  readonly error?: string;
}

export interface ColdStartResult {
  /** The Node.js that ran both the bare and the handler processes. */
  readonly nodeVersion: string;
  readonly samples: number;
  readonly bareNodeMedianMs: number;
  readonly handlerMedianMs: number;
  /** handlerMedianMs - bareNodeMedianMs: what the updater adds to a cold start. */
  readonly overBareNodeMs: number;
  /** Medians measured inside the function process. */
  readonly inside: { readonly nodeBootMs: number; readonly loadBundleMs: number; readonly firstReconcileMs: number };
  /** Record changes per cold reconcile (1: each handled a real failover). */
  readonly changesPerRun: number;
  /** For comparison: median of the same failover reconcile in a warm process (moto's latency plus the warm handler). */
  readonly warmReconcileMedianMs: number;
  /** overBareNodeMs - warmReconcileMedianMs: roughly what is cold about a cold start, with moto's latency taken out. */
  readonly overBareNodeLessWarmReconcileMs: number;
  readonly rawMs: { readonly bareNode: number[]; readonly handler: number[] };
}

export interface ColdStartOptions {
  readonly bundle: string;
  readonly motoUrl: string;
  readonly admin: MotoAdmin;
  readonly group: BenchGroup;
  readonly samples: number;
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const env = { PATH: process.env.PATH ?? '', ...sdkEnv(options.motoUrl), ...updaterEnv(options.group.settings) };
  const bare: number[] = [];
  const handler: number[] = [];
  const reports: RunnerReport[] = [];
  for (let sample = 0; sample < options.samples; sample++) {
    await options.admin.failover(options.group);
    // Alternate the order, so neither side always runs right after the other.
    const runBare = async () => bare.push((await timeProcess(['-e', ''], env)).wallMs);
    const runHandler = async () => {
      const { wallMs, fd3 } = await timeProcess(['-e', RUNNER, options.bundle], env);
      const report = JSON.parse(fd3 || '{"error":"no report on fd 3"}') as RunnerReport;
      if (report.error !== undefined) {
        throw new Error(`cold-start run failed: ${report.error}`);
      }
      handler.push(wallMs);
      reports.push(report);
    };
    if (sample % 2 === 0) {
      await runBare();
      await runHandler();
    } else {
      await runHandler();
      await runBare();
    }
  }
  const bareNodeMedianMs = median(bare);
  const handlerMedianMs = median(handler);
  const warmReconcileMedianMs = median(await timeWarmReconciles(options, env));
  return {
    nodeVersion: process.version,
    samples: options.samples,
    bareNodeMedianMs: round(bareNodeMedianMs),
    handlerMedianMs: round(handlerMedianMs),
    overBareNodeMs: round(handlerMedianMs - bareNodeMedianMs),
    inside: {
      nodeBootMs: round(median(reports.map((report) => report.bootMs))),
      loadBundleMs: round(median(reports.map((report) => report.loadMs))),
      firstReconcileMs: round(median(reports.map((report) => report.reconcileMs))),
    },
    changesPerRun: reports.reduce((sum, report) => sum + report.changes, 0) / reports.length,
    warmReconcileMedianMs: round(warmReconcileMedianMs),
    overBareNodeLessWarmReconcileMs: round(handlerMedianMs - bareNodeMedianMs - warmReconcileMedianMs),
    rawMs: { bareNode: bare.map(round), handler: handler.map(round) },
  };
}

/** Times the same failover reconcile as the cold samples, in one warm function process (IPC round trip included). */
async function timeWarmReconciles(options: ColdStartOptions, env: Record<string, string>): Promise<number[]> {
  const warm = await startBundledHandler({ bundle: options.bundle, env });
  try {
    await warm.invoke({});
    const samples: number[] = [];
    for (let sample = 0; sample < options.samples; sample++) {
      await options.admin.failover(options.group);
      const started = nowMs();
      await warm.invoke({});
      samples.push(nowMs() - started);
    }
    return samples;
  } finally {
    await warm.stop();
  }
}

/** Spawns `node <args>` and times it from spawn to exit; also returns what it wrote to fd 3. */
async function timeProcess(args: string[], env: Record<string, string>): Promise<{ wallMs: number; fd3: string }> {
  const started = nowMs();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let fd3 = '';
  child.stderr!.setEncoding('utf-8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf-8').on('data', (chunk: string) => {
    fd3 += chunk;
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const [code, wallMs] = await withTimeout(new Promise<[number | null, number]>((resolve, reject) => {
    child.once('exit', (exitCode) => resolve([exitCode, nowMs() - started]));
    child.once('error', reject);
  }), 30_000, `node ${args[0]}`).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  await closed;
  if (code !== 0 && fd3 === '') {
    throw new Error(`node ${args[0]} exited with code ${code}: ${stderr}`);
  }
  return { wallMs, fd3 };
}
