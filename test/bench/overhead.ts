/**
 * Job 2: the handler's own cost per reconcile, with AWS latency taken out. The bundled handler
 * runs in a child process (overhead-worker.ts) with an in-memory AWS that answers at once.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPORT_DIR, sdkEnv, updaterEnv } from './moto-fixtures';
import type { OverheadSamples } from './overhead-worker';
import { mean, percentile, round, withTimeout } from './util';
import type { UpdaterSettings } from '../../lambda/updater/settings';

export interface OverheadCase {
  readonly case: 'failover' | 'in-sync';
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Record changes per run (failover: 1, in sync: 0), proof that each run did the intended work. */
  readonly changesPerRun: number;
}

export interface OverheadResult {
  readonly warmUpRunsPerCase: number;
  readonly cases: OverheadCase[];
  readonly logFile: string;
}

export interface OverheadOptions {
  readonly bundle: string;
  /** Settings the handler reads from its environment; the in-memory AWS ignores the zone. */
  readonly settings: UpdaterSettings;
  readonly warmUpRuns: number;
  readonly runs: number;
}

const WORKER = path.join(__dirname, 'overhead-worker.ts');

export async function measureOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const logFile = path.join(REPORT_DIR, 'overhead-handler.log');
  const log = fs.openSync(logFile, 'w');
  try {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WORKER, options.bundle, String(options.warmUpRuns), String(options.runs)], {
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.dev.json'),
        // No endpoint is ever used (the AWS layer is replaced), but nothing may point at AWS anyway.
        ...sdkEnv('http://127.0.0.1:9'),
        ...updaterEnv(options.settings),
      },
      stdio: ['ignore', log, 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf-8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const samples = await withTimeout(new Promise<OverheadSamples>((resolve, reject) => {
      child.once('message', (message) => resolve(message as OverheadSamples));
      child.once('exit', (code) => reject(new Error(`overhead worker exited with code ${code}: ${stderr}`)));
    }), 180_000, 'the overhead worker').finally(() => child.kill());
    return {
      warmUpRunsPerCase: options.warmUpRuns,
      cases: [
        summarize('failover', samples.failoverMs, samples.failoverChanges),
        summarize('in-sync', samples.inSyncMs, samples.inSyncChanges),
      ],
      logFile: path.relative(process.cwd(), logFile),
    };
  } finally {
    fs.closeSync(log);
  }
}

function summarize(name: OverheadCase['case'], samples: number[], changes: number): OverheadCase {
  return {
    case: name,
    runs: samples.length,
    p50Ms: round(percentile(samples, 0.5)),
    p99Ms: round(percentile(samples, 0.99)),
    meanMs: round(mean(samples)),
    maxMs: round(Math.max(...samples)),
    changesPerRun: changes / samples.length,
  };
}
