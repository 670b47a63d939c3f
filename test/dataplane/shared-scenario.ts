/**
 * Runs one scripted event in a fresh lab with shared-reader clients (one reader object per process, shared by
 * its loops), and judges each, plus the connections the servers saw.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Lab } from './lab';
import type { InstalledClients } from './packaged-clients';
import type { Scenario } from './scenarios';
import type { SharedClientKind } from './shared-config';
import { judgeShared, SharedClientResult } from './shared-metrics';
import { SharedRunner } from './shared-runner';
import { DEFAULT_MODEL, ElastiCacheModel } from './switches';
import type { MotoServer } from '../e2e/moto';

export interface SharedClientSpec {
  readonly kind: SharedClientKind;
  readonly loops: number;
  /** Pause between one loop's reads. @default 50 */
  readonly readIntervalMs?: number;
  /** Code known to crash when shared (the old redis-py recipe): a crash before the event is its result, not the lab's failure. */
  readonly mayCrash?: boolean;
}

/** The concurrency: 50 loops (Node), 8 threads (Python sync), 50 tasks (asyncio). */
export const PACKAGED_CLIENTS: readonly SharedClientSpec[] = [
  { kind: 'node-package', loops: 50 },
  { kind: 'python-threads', loops: 8 },
  { kind: 'python-asyncio', loops: 50 },
];

/** The README's old code, shared as applications share a client. */
export const README_CLIENTS: readonly SharedClientSpec[] = [
  { kind: 'node-readme', loops: 50 },
  { kind: 'python-readme', loops: 8, mayCrash: true },
];

export interface SharedScenarioOptions {
  readonly dir: string;
  readonly moto: MotoServer;
  readonly nodeBundle: string;
  readonly installed: InstalledClients;
  readonly clients: readonly SharedClientSpec[];
  /** The construct's recordTtl. @default 10 */
  readonly recordTtlSeconds?: number;
  readonly model?: Partial<ElastiCacheModel>;
  /** Keys the primary holds besides the loops' (a full resync then takes a moment). @default 0 */
  readonly bulkKeys?: number;
  readonly log?: (message: string) => void;
}

export interface SharedScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly recordTtlSeconds: number;
  readonly model: ElastiCacheModel;
  readonly namesCorrectAfterMs: number;
  readonly wallSeconds: number;
  /** Reader objects in the lab (one per client process). */
  readonly readers: number;
  /**
   * New client connections per node from just before the event to the end, as the servers counted them
   * (INFO stats, less the lab's own and replication connections), and their sum.
   */
  readonly serverConnections: Record<string, number>;
  readonly serverConnectionsTotal: number;
  /**
   * GETs a primary served from the change on, as the servers counted them (INFO commandstats, sampled every
   * 100 ms with ROLE), over every client in the lab: the view for clients that cannot tell which node served a read.
   */
  readonly server: ServerReads;
  readonly clients: SharedClientResult[];
}

const BEFORE_MS = 2_000;
/** After the TTL: one role check interval (1 s) and a margin for a busy machine. */
const SETTLE_MARGIN_MS = 2_500;
const AFTER_MS = 3_000;
const KEY_PREFIX = 'lab:r:';

export async function runSharedScenario(scenario: Scenario, options: SharedScenarioOptions): Promise<SharedScenarioResult> {
  const started = Date.now();
  const recordTtlSeconds = options.recordTtlSeconds ?? 10;
  const model: ElastiCacheModel = { ...DEFAULT_MODEL, ...scenario.model, ...options.model };
  const lab = await Lab.start({ dir: options.dir, model, replicas: scenario.replicas, recordTtlSeconds, moto: options.moto, log: options.log });
  const runners: SharedRunner[] = [];
  try {
    const nonce = randomBytes(4).toString('hex');
    const primary = lab.nodes.get(await lab.primaryId())!;
    const most = Math.max(...options.clients.map((client) => client.loops));
    await primary.command('MSET', ...Array.from({ length: most }, (_, loop) => [`${KEY_PREFIX}${loop}`, `${loop}:${nonce}`]).flat());
    if (options.bulkKeys) {
      await primary.command('DEBUG', 'POPULATE', options.bulkKeys, 'lab:bulk', 64);
    }
    await lab.waitForReplicasInSync();
    // A link in sync is not the keys replicated: without WAIT, a first read on a replica could miss its key (a stale read, not a wrong reply).
    const acknowledged = await primary.command('WAIT', scenario.replicas, 10_000);
    if (acknowledged !== scenario.replicas) {
      throw new Error(`only ${String(acknowledged)} of ${scenario.replicas} replicas acknowledged the seeded keys within 10 s`);
    }
    for (const spec of options.clients) {
      runners.push(SharedRunner.start({
        config: {
          kind: spec.kind,
          names: lab.names,
          primaryName: lab.primaryName,
          loops: spec.loops,
          readIntervalMs: spec.readIntervalMs ?? 50,
          keyPrefix: KEY_PREFIX,
          nonce,
        },
        resolvConf: lab.resolvConf,
        caFile: lab.certificates.caFile,
        password: lab.password,
        nodeBundle: options.nodeBundle,
        installed: options.installed,
      }));
    }
    await Promise.all(runners.map((runner, index) => runner.waitUntilEveryLoopRead(20_000, options.clients[index].mayCrash ?? false)));
    await sleep(BEFORE_MS);

    const connectionsBefore = await connectionCounts(lab);
    const sampler = new PrimaryGetSampler(lab);
    const times = await scenario.run(lab);
    const namesCorrectAt = await lab.waitFor(() => lab.namesOnReplicas(), 60_000, 'names on replicas after the event');
    const settledAt = namesCorrectAt + recordTtlSeconds * 1000 + SETTLE_MARGIN_MS;
    await sleep(settledAt + AFTER_MS - Date.now());
    const end = Date.now();
    const connectionsAfter = await connectionCounts(lab);
    const server = await sampler.stop(times.changedAt);
    await Promise.all(runners.map((runner) => runner.stop()));

    const serverConnections = Object.fromEntries([...connectionsAfter.entries()]
      .map(([id, count]) => [id, count - (connectionsBefore.get(id) ?? 0)]));
    const clients = runners.map((runner) => judgeShared(runner, { times, settledAt }, end));
    for (const runner of runners) {
      // Every read, for whoever wants to look behind the numbers.
      fs.writeFileSync(path.join(options.dir, `${runner.config.kind}.reads.json`), JSON.stringify(runner.reads));
    }
    return {
      scenario: scenario.id,
      title: scenario.title,
      recordTtlSeconds,
      model,
      namesCorrectAfterMs: namesCorrectAt - times.changedAt,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      readers: runners.length,
      serverConnections,
      serverConnectionsTotal: Object.values(serverConnections).reduce((sum, count) => sum + count, 0),
      server,
      clients,
    };
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
    await lab.stop();
  }
}

async function connectionCounts(lab: Lab): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [id, node] of lab.nodes) {
    if (node.running) counts.set(id, await node.clientConnections());
  }
  return counts;
}

export interface ServerReads {
  /** GETs served by a node while it was a primary, from the change on. */
  readonly primaryGetsAfterChange: number;
  /** From the change to the last sample in which a primary had served GETs; 0 when none did; null when one still did at the end. */
  readonly primaryGetsStopMs: number | null;
}

/** Samples every running node's GET count and role every 100 ms: when did a primary last serve reads? */
class PrimaryGetSampler {
  private readonly last = new Map<string, number>();
  private primaryGets = 0;
  private lastPrimaryGetAt?: number;
  private lastSampleHadPrimaryGets = false;
  private readonly done: Promise<void>;
  private stopped = false;
  private changedAt = Number.MAX_SAFE_INTEGER;

  constructor(private readonly lab: Lab) {
    this.done = this.loop();
  }

  async stop(changedAt: number): Promise<ServerReads> {
    this.changedAt = changedAt;
    this.stopped = true;
    await this.done;
    return {
      primaryGetsAfterChange: this.primaryGets,
      primaryGetsStopMs: this.lastSampleHadPrimaryGets ? null : this.lastPrimaryGetAt === undefined ? 0 : this.lastPrimaryGetAt - changedAt,
    };
  }

  private async loop(): Promise<void> {
    const samples: Array<{ at: number; primaryGets: number }> = [];
    while (!this.stopped) {
      let primaryGets = 0;
      for (const [id, node] of this.lab.nodes) {
        if (!node.running) continue;
        try {
          const [info, role] = await Promise.all([node.command('INFO', 'commandstats'), node.role()]);
          const gets = Number(/^cmdstat_get:calls=(\d+)/m.exec(String(info))?.[1] ?? 0);
          const previous = this.last.get(id);
          this.last.set(id, gets);
          if (role.role === 'master' && previous !== undefined && gets > previous) primaryGets += gets - previous;
        } catch {
          this.last.delete(id); // down or restarting: its counter starts again
        }
      }
      samples.push({ at: Date.now(), primaryGets });
      await sleep(100);
    }
    // Judged once the change time is known (the event itself sets it).
    for (const sample of samples.filter((entry) => entry.at >= this.changedAt)) {
      this.primaryGets += sample.primaryGets;
      if (sample.primaryGets > 0) this.lastPrimaryGetAt = sample.at;
    }
    this.lastSampleHadPrimaryGets = (samples[samples.length - 1]?.primaryGets ?? 0) > 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
