/**
 * Child process of job 5 (dataplane.ts): runs the data-plane lab's scenarios (test/dataplane) with shared-reader
 * clients, and sends the results to the parent over IPC. A child of its own because the lab's nodes live on
 * 127.x.y.z addresses, which the bench process's loopback guard (127.0.0.1 only) refuses; the updater it runs
 * still has the guard (bundled-handler.ts).
 *
 * argv: <report directory> <rows as JSON>.
 */
import * as path from 'path';
import { ROW_CLIENTS, type DataplaneResult, type DataplaneRow, type DataplaneRun } from './dataplane';
import { installPackagedClients } from '../dataplane/packaged-clients';
import { scenario } from '../dataplane/scenarios';
import { bundleSharedNodeRunner } from '../dataplane/shared-runner';
import { runSharedScenario } from '../dataplane/shared-scenario';
import { startMoto } from '../e2e/moto';

// Dies with the bench: its nodes and clients then die with it (parent-death signal, or their stdin closing).
process.on('disconnect', () => process.exit(1));

async function main(): Promise<void> {
  const [dir, rowsJson] = process.argv.slice(2);
  const rows: DataplaneRow[] = JSON.parse(rowsJson);
  const installed = installPackagedClients(path.join(dir, 'packages'));
  const nodeBundle = bundleSharedNodeRunner(path.join(dir, 'shared-node-runner.js'));
  const moto = await startMoto({ logFile: path.join(dir, 'moto.log') });
  const runs: DataplaneRun[] = [];
  try {
    for (const [index, row] of rows.entries()) {
      console.log(`[dataplane] ${index + 1}/${rows.length}: ${row.label}, ${row.clients}`);
      const result = await runSharedScenario(scenario(row.scenario), {
        dir: path.join(dir, `${index + 1}-${row.scenario}-${row.clients}`),
        moto,
        nodeBundle,
        installed,
        clients: ROW_CLIENTS[row.clients],
        recordTtlSeconds: row.recordTtlSeconds,
        model: row.model,
        bulkKeys: row.bulkKeys,
      });
      runs.push({ row, result });
    }
  } finally {
    await moto.stop();
  }
  const result: DataplaneResult = { installedFrom: `${installed.nodeFrom}; ${installed.pythonFrom}`, runs };
  process.send!(result, () => process.exit(0));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
