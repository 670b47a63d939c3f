/**
 * Job 5: the data plane. One reader object per client process, shared by many concurrent loops each reading its
 * own key: the client packages as installed (50 loops in Node, 8 threads and 50 asyncio tasks in Python), and beside
 * them what a user would pick instead (Valkey GLIDE for Node) and the README's old code, through failovers, dropped
 * connections, a replica back empty and a resolver outage (test/dataplane). Runs in a child process (dataplane-worker.ts).
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { REPORT_DIR } from './moto-fixtures';
import { withTimeout } from './util';
import { PACKAGED_CLIENTS, README_CLIENTS } from '../dataplane/shared-scenario';
import type { SharedClientSpec, SharedScenarioResult } from '../dataplane/shared-scenario';
import type { ElastiCacheModel } from '../dataplane/switches';

/** Which clients a row runs, each in one lab. */
export type DataplaneClients = 'packages' | 'glide' | 'old-readme';

export const ROW_CLIENTS: Record<DataplaneClients, readonly SharedClientSpec[]> = {
  'packages': PACKAGED_CLIENTS,
  'glide': [{ kind: 'node-glide', loops: 50 }],
  'old-readme': README_CLIENTS,
};

/** One row of the data-plane table: a scenario under a TTL and model, with one set of clients. */
export interface DataplaneRow {
  readonly label: string;
  readonly scenario: string;
  readonly clients: DataplaneClients;
  readonly recordTtlSeconds: number;
  readonly model?: Partial<ElastiCacheModel>;
  readonly bulkKeys?: number;
}

export interface DataplaneRun {
  readonly row: DataplaneRow;
  readonly result: SharedScenarioResult;
}

export interface DataplaneResult {
  /** Where the packages under test came from (npm pack tarball, wheel). */
  readonly installedFrom: string;
  readonly runs: DataplaneRun[];
}

const DEFAULT_FAILOVER = 'failover (10 s TTL, caching resolver)';
const DROP = 'failover, promoted node closes its connections';

/** The default row first for each set of clients: the product's 10 s TTL behind a caching resolver, and the lab's default model. */
export const DATAPLANE_ROWS: readonly DataplaneRow[] = [
  { label: DEFAULT_FAILOVER, scenario: 'failover', clients: 'packages', recordTtlSeconds: 10 },
  { label: DEFAULT_FAILOVER, scenario: 'failover', clients: 'glide', recordTtlSeconds: 10 },
  { label: DEFAULT_FAILOVER, scenario: 'failover', clients: 'old-readme', recordTtlSeconds: 10 },
  { label: DROP, scenario: 'failover-drop', clients: 'packages', recordTtlSeconds: 10 },
  { label: DROP, scenario: 'failover-drop', clients: 'glide', recordTtlSeconds: 10 },
  { label: DROP, scenario: 'failover-drop', clients: 'old-readme', recordTtlSeconds: 10 },
  { label: 'the node replica1 points at killed, back empty after 4 s (full resync of 200k keys)', scenario: 'replica-restart', clients: 'packages', recordTtlSeconds: 10, bulkKeys: 200_000 },
  { label: 'resolver answers nothing for 5 s while replica1\'s node is promoted', scenario: 'resolver-down-failover', clients: 'packages', recordTtlSeconds: 10 },
  { label: 'one replica: old primary down 4 s', scenario: 'one-replica-down', clients: 'packages', recordTtlSeconds: 10 },
];

const WORKER = path.join(__dirname, 'dataplane-worker.ts');

export async function measureDataplane(options: { readonly quick: boolean }): Promise<DataplaneResult> {
  const rows = options.quick ? DATAPLANE_ROWS.slice(0, 3) : DATAPLANE_ROWS;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WORKER, path.join(REPORT_DIR, 'dataplane'), JSON.stringify(rows)], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.dev.json'),
      ...(process.env.MOTO_PYTHON ? { MOTO_PYTHON: process.env.MOTO_PYTHON } : {}),
    },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf-8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const result = await withTimeout(new Promise<DataplaneResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as DataplaneResult));
    child.once('exit', (code) => reject(new Error(`data-plane worker exited with code ${code}: ${stderr}`)));
  }), 60_000 * (rows.length + 1), 'the data-plane worker').finally(() => child.kill());
  return result;
}
