/** Runs one scripted event in a fresh lab with real clients reading and writing through it, and judges the outcome. */
import * as fs from 'fs';
import * as path from 'path';
import type { ClientConfig } from './client-config';
import { ClientLanguage, ClientRunner } from './client-runner';
import { Lab } from './lab';
import { ClientResult, judgeReads, judgeWrites } from './metrics';
import type { Scenario } from './scenarios';
import { DEFAULT_MODEL, ElastiCacheModel } from './switches';
import type { MotoServer } from '../e2e/moto';

/** A client library running either the README's code or the old README code. */
export interface ClientSpec {
  readonly language: ClientLanguage;
  readonly code: ClientConfig['code'];
}

export const ALL_CLIENTS: readonly ClientSpec[] = [
  { language: 'ioredis', code: 'recipe' },
  { language: 'redis-py', code: 'recipe' },
  { language: 'ioredis', code: 'legacy' },
  { language: 'redis-py', code: 'legacy' },
];

export interface RunScenarioOptions {
  readonly dir: string;
  readonly moto: MotoServer;
  readonly ioredisBundle: string;
  readonly clients?: readonly ClientSpec[];
  /** The construct's recordTtl. @default 10 */
  readonly recordTtlSeconds?: number;
  /** Switches on top of the scenario's. */
  readonly model?: Partial<ElastiCacheModel>;
  readonly log?: (message: string) => void;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly recordTtlSeconds: number;
  readonly model: ElastiCacheModel;
  /** From the change until every name pointed at a replica again (the updater's work). */
  readonly namesCorrectAfterMs: number;
  readonly wallSeconds: number;
  readonly clients: ClientResult[];
  readonly updaterRuns: Array<{ readonly afterMs: number; readonly trigger: string; readonly error?: string }>;
}

/** Reads every 25 ms per reader, writes every 50 ms: frequent enough to time a switch, light on 2 cores. */
const READ_INTERVAL_MS = 25;
const WRITE_INTERVAL_MS = 50;
/** Reads before the event. */
const BEFORE_MS = 2_000;
/** After the TTL: one role check interval (1 s) and a margin for a busy machine. */
const SETTLE_MARGIN_MS = 2_500;
/** Reads judged as "after". */
const AFTER_MS = 3_000;
const READ_KEY = 'lab:probe';

export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const recordTtlSeconds = options.recordTtlSeconds ?? 10;
  const model: ElastiCacheModel = { ...DEFAULT_MODEL, ...scenario.model, ...options.model };
  const lab = await Lab.start({
    dir: options.dir, model, replicas: scenario.replicas, recordTtlSeconds, moto: options.moto, log: options.log,
  });
  const runners: ClientRunner[] = [];
  try {
    await lab.nodes.get(await lab.primaryId())!.command('SET', READ_KEY, 'x');
    await lab.waitForReplicasInSync();
    for (const spec of options.clients ?? ALL_CLIENTS) {
      runners.push(ClientRunner.start({
        language: spec.language,
        ioredisBundle: options.ioredisBundle,
        resolvConf: lab.resolvConf,
        caFile: lab.certificates.caFile,
        password: lab.password,
        config: {
          code: spec.code,
          mode: 'run',
          readers: lab.names,
          names: lab.names,
          writer: spec.code === 'recipe' ? lab.primaryName : undefined,
          readIntervalMs: READ_INTERVAL_MS,
          writeIntervalMs: WRITE_INTERVAL_MS,
          readKey: READ_KEY,
          writePrefix: writePrefix(spec),
        },
      }));
    }
    // Every reader on a replica before the event.
    await Promise.all(runners.map((runner) => runner.waitFor(
      (events) => events.some((event) => event.e === 'read' && event.role === 'slave'), 15_000, 'read from a replica')));
    await sleep(BEFORE_MS);

    const times = await scenario.run(lab);
    const namesCorrectAt = await lab.waitFor(() => lab.namesOnReplicas(), 60_000, 'names on replicas after the event');
    const settledAt = namesCorrectAt + recordTtlSeconds * 1000 + SETTLE_MARGIN_MS;
    await sleep(settledAt + AFTER_MS - Date.now());
    await Promise.all(runners.map((runner) => runner.stop()));

    for (const runner of runners) {
      // Every read and write, for whoever wants to look behind the numbers.
      fs.writeFileSync(path.join(options.dir, `${runner.language}-${runner.config.code}.jsonl`), runner.events.map((event) => JSON.stringify(event)).join('\n'));
    }
    const targets = await lab.zoneTargets();
    const primary = lab.nodes.get(await lab.primaryId())!;
    const clients: ClientResult[] = [];
    for (const runner of runners) {
      const result = judgeReads(runner.label, runner.events, { times, settledAt }, targets);
      const spec = { language: runner.language, code: runner.config.code };
      const acknowledged = runner.events.flatMap((event) => (event.e === 'write' ? [event.seq] : []));
      const present = acknowledged.length === 0
        ? new Set<number>()
        : await storedSeqs(primary.command.bind(primary), writePrefix(spec), Math.max(...acknowledged));
      clients.push(runner.config.writer ? { ...result, writes: judgeWrites(runner.events, times.switchedAt, present) } : result);
    }
    return {
      scenario: scenario.id,
      title: scenario.title,
      recordTtlSeconds,
      model,
      namesCorrectAfterMs: namesCorrectAt - times.changedAt,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      clients,
      updaterRuns: lab.invocations.map((run) => ({ afterMs: run.at - times.changedAt, trigger: run.trigger, error: run.error })),
    };
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
    await lab.stop();
  }
}

/** Which of the writes `<prefix>1..<prefix>max` the primary holds. */
async function storedSeqs(command: (...args: string[]) => Promise<unknown>, prefix: string, max: number): Promise<Set<number>> {
  const seqs = Array.from({ length: max }, (_, index) => index + 1);
  const values = await command('MGET', ...seqs.map((seq) => `${prefix}${seq}`)) as Array<string | null>;
  return new Set(seqs.filter((_, index) => values[index] !== null));
}

function writePrefix(spec: ClientSpec): string {
  return `lab:write:${spec.language}:${spec.code}:`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

