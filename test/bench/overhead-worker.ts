/**
 * Child process of job 2 (overhead.ts): loads the BUNDLED handler, gives it an in-memory AWS that
 * answers at once, and times `handler({})` (a direct invoke). Powertools logs and metrics go to
 * stdout, which the parent points at a file, as they would go to the Lambda runtime.
 *
 * Each measured iteration is a pair: a failover (the primary moves, so one name must move:
 * one change) and then an invoke with nothing to do (in sync: no change). Interleaving the two
 * cases spreads the machine's noise evenly over both.
 *
 * argv: <bundle> <warm-up pairs> <measured pairs>. The result goes to the parent over IPC.
 */
import type { GroupState, UpdaterAws } from '../../lambda/updater/aws';
import type { CurrentRecord, RecordChange } from '../../lambda/updater/plan';
import type * as UpdaterModule from '../../lambda/updater/updater.lambda';
import { normalizeRecordName, ReconcileResourceProps, UpdaterEnv } from '../../src/private/contract';

/** What the worker sends back. */
export interface OverheadSamples {
  /** Milliseconds per handler call, after the warm-up. */
  readonly failoverMs: number[];
  readonly inSyncMs: number[];
  /** Record changes per call, summed over the measured calls (failover must be one per call, in sync zero). */
  readonly failoverChanges: number;
  readonly inSyncChanges: number;
}

/** One group of three nodes whose primary alternates between -001 and -002 on each failover. */
class InMemoryAws implements UpdaterAws {
  private primary: string;
  private readonly records = new Map<string, CurrentRecord>();

  constructor(private readonly groupId: string) {
    this.primary = this.node(1);
  }

  failOver(): void {
    this.primary = this.primary === this.node(1) ? this.node(2) : this.node(1);
  }

  async readGroup(): Promise<GroupState> {
    return {
      status: 'available',
      members: [1, 2, 3].map((index) => ({
        cacheClusterId: this.node(index),
        role: this.node(index) === this.primary ? 'primary' : 'replica',
        address: `${this.node(index)}.abc123.0001.use1.cache.amazonaws.com`,
        status: 'available',
      })),
    };
  }

  async readRecords(_hostedZoneId: string, names: readonly string[]): Promise<CurrentRecord[]> {
    return names.flatMap((name) => this.records.get(normalizeRecordName(name)) ?? []);
  }

  async applyChanges(_hostedZoneId: string, changes: readonly RecordChange[]): Promise<void> {
    for (const change of changes) {
      if (change.action === 'DELETE') {
        this.records.delete(change.name);
      } else {
        this.records.set(change.name, { name: `${change.name}.`, target: change.target, ttl: change.ttl });
      }
    }
  }

  private node(index: number): string {
    return `${this.groupId}-00${index}`;
  }
}

async function main(): Promise<void> {
  const [bundle, warmUpText, pairsText] = process.argv.slice(2);
  // The bundle is plain CommonJS built by `npx projen bundle`; its types are the source's.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler, setUpdaterAws } = require(bundle) as typeof UpdaterModule;
  const aws = new InMemoryAws(process.env[UpdaterEnv.REPLICATION_GROUP_ID]!);
  setUpdaterAws(aws);

  const invoke = async (): Promise<[number, number]> => {
    const started = process.hrtime.bigint();
    const response = await handler({});
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return [elapsedMs, 'changes' in response ? response.changes : Number.NaN];
  };

  // Seeds the lease and the names, as the custom resource's Create does at deploy time.
  await handler({
    RequestType: 'Create',
    ResourceProperties: {
      [ReconcileResourceProps.HOSTED_ZONE_ID]: process.env[UpdaterEnv.HOSTED_ZONE_ID],
      [ReconcileResourceProps.REPLICA_RECORD_NAMES]: process.env[UpdaterEnv.REPLICA_RECORD_NAMES],
    },
  });
  const samples = { failoverMs: [] as number[], inSyncMs: [] as number[], failoverChanges: 0, inSyncChanges: 0 };
  const warmUp = Number(warmUpText);
  const pairs = Number(pairsText);
  for (let pair = 0; pair < warmUp + pairs; pair++) {
    aws.failOver();
    const [failoverMs, failoverChanges] = await invoke();
    const [inSyncMs, inSyncChanges] = await invoke();
    if (pair >= warmUp) {
      samples.failoverMs.push(failoverMs);
      samples.inSyncMs.push(inSyncMs);
      samples.failoverChanges += failoverChanges;
      samples.inSyncChanges += inSyncChanges;
    }
  }
  const result: OverheadSamples = samples;
  process.send!(result, () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`overhead worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
