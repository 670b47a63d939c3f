/**
 * Job 5: the data plane. Real clients (ioredis, redis-py) running the README's Connecting code, and the
 * README's old code beside it, read and write through the names while the lab fails the group over,
 * loses its primary, adds and removes replicas (test/dataplane). Runs in a child process (dataplane-worker.ts).
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { REPORT_DIR } from './moto-fixtures';
import { withTimeout } from './util';
import type { ScenarioResult } from '../dataplane/run-scenario';
import type { ElastiCacheModel } from '../dataplane/switches';

/** One row of the data-plane table: a scenario under a TTL and model. */
export interface DataplaneRow {
  readonly label: string;
  readonly scenario: string;
  readonly recordTtlSeconds: number;
  readonly model?: Partial<ElastiCacheModel>;
}

export interface DataplaneRun {
  readonly row: DataplaneRow;
  readonly result: ScenarioResult;
}

export interface DataplaneResult {
  readonly runs: DataplaneRun[];
}

/** The default row first: the product's 10 s TTL behind a caching resolver, and the lab's default model. */
export const DATAPLANE_ROWS: readonly DataplaneRow[] = [
  { label: 'failover (default: 10 s TTL, caching resolver)', scenario: 'failover', recordTtlSeconds: 10 },
  { label: 'failover, 2 s TTL, no resolver cache', scenario: 'failover', recordTtlSeconds: 2, model: { resolverCaches: false } },
  { label: 'failover, promoted node closes its connections', scenario: 'failover-drop', recordTtlSeconds: 10 },
  { label: 'old primary down 4 s (reported available), then back as a replica', scenario: 'primary-down', recordTtlSeconds: 10 },
  {
    label: 'failover, notification lost, schedule every 10 s (the product: 5 min)',
    scenario: 'failover',
    recordTtlSeconds: 10,
    model: { notificationDelayMs: null, scheduleIntervalMs: 10_000 },
  },
  { label: 'replica added', scenario: 'replica-added', recordTtlSeconds: 10 },
  { label: 'replica removed', scenario: 'replica-removed', recordTtlSeconds: 10 },
  { label: 'one replica: old primary down 4 s', scenario: 'one-replica-down', recordTtlSeconds: 10 },
];

const WORKER = path.join(__dirname, 'dataplane-worker.ts');

export async function measureDataplane(options: { readonly quick: boolean }): Promise<DataplaneResult> {
  const rows = options.quick ? DATAPLANE_ROWS.slice(0, 1) : DATAPLANE_ROWS;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WORKER, path.join(REPORT_DIR, 'dataplane'), JSON.stringify(rows)], {
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.dev.json') },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf-8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const runs = await withTimeout(new Promise<DataplaneRun[]>((resolve, reject) => {
    child.once('message', (message) => resolve(message as DataplaneRun[]));
    child.once('exit', (code) => reject(new Error(`data-plane worker exited with code ${code}: ${stderr}`)));
  }), 60_000 * rows.length, 'the data-plane worker').finally(() => child.kill());
  return { runs };
}
