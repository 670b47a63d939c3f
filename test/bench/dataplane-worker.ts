/**
 * Child process of job 5 (dataplane.ts): runs the data-plane lab's scenarios (test/dataplane) with
 * every client, and sends the results to the parent over IPC. A child of its own because the lab's
 * nodes live on 127.x.y.z addresses, which the bench process's loopback guard (127.0.0.1 only) refuses;
 * the updater it runs still has the guard (bundled-handler.ts).
 *
 * argv: <report directory> <rows as JSON>.
 */
import * as path from 'path';
import type { DataplaneRow, DataplaneRun } from './dataplane';
import { bundleIoredisRunner } from '../dataplane/client-runner';
import { runScenario } from '../dataplane/run-scenario';
import { scenario } from '../dataplane/scenarios';
import { startMoto } from '../e2e/moto';

// Dies with the bench: its nodes and clients then die with it (they are started with a parent-death signal).
process.on('disconnect', () => process.exit(1));

async function main(): Promise<void> {
  const [dir, rowsJson] = process.argv.slice(2);
  const rows: DataplaneRow[] = JSON.parse(rowsJson);
  const moto = await startMoto({ logFile: path.join(dir, 'moto.log') });
  const runs: DataplaneRun[] = [];
  try {
    const ioredisBundle = bundleIoredisRunner(path.join(dir, 'ioredis-runner.js'));
    for (const [index, row] of rows.entries()) {
      console.log(`[dataplane] ${index + 1}/${rows.length}: ${row.label}`);
      const result = await runScenario(scenario(row.scenario), {
        dir: path.join(dir, `${index + 1}-${row.scenario}`),
        moto,
        ioredisBundle,
        recordTtlSeconds: row.recordTtlSeconds,
        model: row.model,
      });
      runs.push({ row, result });
    }
  } finally {
    await moto.stop();
  }
  process.send!(runs, () => process.exit(0));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
