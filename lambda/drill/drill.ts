/**
 * `cdk-redis-stable-readers drill`: fails a replication group over and times how fast every
 * replica name follows. It honours the SDK's AWS_ENDPOINT_URL* variables, so it runs against
 * a local emulator too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { ElastiCacheClient, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { parseRecordNames } from '../../src/private/contract';
import { createUpdaterAws, GroupState, UpdaterAws } from '../updater/aws';
import type { CurrentRecord } from '../updater/plan';
import { verifyNames, VerifyResult } from '../updater/verify';

/** What the drill needs to know about one deployed construct. */
export interface DrillTarget {
  readonly replicationGroupId: string;
  readonly hostedZoneId: string;
  readonly names: readonly string[];
}

/** Options of one drill run. */
export interface DrillOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly nodeGroupId: string;
  /** Called on every poll while waiting, for progress output. */
  readonly onProgress?: (status: string) => void;
}

/** One step of the timeline, with its time since the failover was requested. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly event: 'failover-requested' | 'primary-changed' | 'name-repointed' | 'all-names-correct';
  readonly detail: string;
}

/** The drill's outcome. */
export interface DrillResult {
  readonly ok: boolean;
  readonly message: string;
  readonly timeline: TimelineEvent[];
  readonly finalCheck?: VerifyResult;
}

/** The AWS calls the drill makes beyond the updater's reads. */
export interface DrillAws extends Pick<UpdaterAws, 'readGroup' | 'readRecords'> {
  testFailover(replicationGroupId: string, nodeGroupId: string): Promise<void>;
}

export function createDrillAws(): DrillAws {
  const updaterAws = createUpdaterAws();
  const elastiCache = new ElastiCacheClient({});
  return {
    readGroup: updaterAws.readGroup,
    readRecords: updaterAws.readRecords,
    testFailover: async (replicationGroupId, nodeGroupId) => {
      await elastiCache.send(new TestFailoverCommand({ ReplicationGroupId: replicationGroupId, NodeGroupId: nodeGroupId }));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function primaryOf(group: GroupState): string | undefined {
  return group.members.find((member) => member.role === 'primary')?.cacheClusterId;
}

function describeProblems(check: VerifyResult): string {
  return check.names.filter((name) => name.problem).map((name) => `${name.name} ${name.problem}${name.target ? ` (${name.target})` : ''}`).join('; ');
}

/**
 * Checks the names, requests a failover, then polls the group and the zone until the primary
 * has changed and every name is on a live replica again, or the timeout passes.
 */
export async function runDrill(aws: DrillAws, target: DrillTarget, options: DrillOptions): Promise<DrillResult> {
  const read = async (): Promise<[GroupState, CurrentRecord[], VerifyResult]> => {
    const [group, records] = await Promise.all([aws.readGroup(target.replicationGroupId), aws.readRecords(target.hostedZoneId, target.names)]);
    return [group, records, verifyNames(group.members, records, target.names)];
  };

  const [groupBefore, , checkBefore] = await read();
  if (!checkBefore.ok) {
    return { ok: false, message: `Names are wrong before the drill, so it did not fail over: ${describeProblems(checkBefore)}`, timeline: [], finalCheck: checkBefore };
  }
  const primaryBefore = primaryOf(groupBefore);
  // With no replica serving, verifyNames accepts a name anywhere (the fallback), even on the new primary. So the
  // drill also waits until as many replicas serve as before, which makes the check demand names on replicas again.
  const replicasBefore = checkBefore.servingReplicas;
  const targetsBefore = new Map(checkBefore.names.map((name) => [name.name, name.cacheClusterId]));

  const started = Date.now();
  const timeline: TimelineEvent[] = [];
  const record = (event: TimelineEvent['event'], detail: string) => timeline.push({ atMs: Date.now() - started, event, detail });

  await aws.testFailover(target.replicationGroupId, options.nodeGroupId);
  record('failover-requested', `TestFailover ${target.replicationGroupId} node group ${options.nodeGroupId} (primary ${primaryBefore})`);

  let primaryChanged = false;
  const repointed = new Set<string>();
  let last: VerifyResult = checkBefore;
  while (Date.now() - started < options.timeoutMs) {
    const [group, , check] = await read();
    last = check;
    const primaryNow = primaryOf(group);
    if (!primaryChanged && primaryNow !== undefined && primaryNow !== primaryBefore) {
      primaryChanged = true;
      record('primary-changed', `${primaryBefore} -> ${primaryNow}`);
    }
    for (const name of check.names) {
      if (!repointed.has(name.name) && name.cacheClusterId !== targetsBefore.get(name.name)) {
        repointed.add(name.name);
        record('name-repointed', `${name.name}: ${targetsBefore.get(name.name)} -> ${name.cacheClusterId ?? 'nothing'}`);
      }
    }
    if (primaryChanged && check.ok && check.servingReplicas >= replicasBefore) {
      record('all-names-correct', `${check.names.length} name(s) on ${check.servingReplicas} serving replica(s)`);
      return { ok: true, message: `Every name followed the failover in ${(Date.now() - started) / 1000} s`, timeline, finalCheck: check };
    }
    const correct = check.names.filter((name) => !name.problem).length;
    options.onProgress?.(`${Math.round((Date.now() - started) / 1000)} s: primary ${primaryNow ?? 'unknown'}${primaryChanged ? '' : ' (not changed yet)'}, `
      + `${correct}/${check.names.length} names correct, ${check.servingReplicas}/${replicasBefore} replicas serving`);
    await sleep(options.pollIntervalMs);
  }
  const why = !primaryChanged
    ? `the primary is still ${primaryBefore}`
    : !last.ok
      ? `names still wrong: ${describeProblems(last)}`
      : `only ${last.servingReplicas} of ${replicasBefore} replica(s) serving again`;
  return { ok: false, message: `Timed out after ${options.timeoutMs / 1000} s: ${why}`, timeline, finalCheck: last };
}

const USAGE = `Usage: cdk-redis-stable-readers drill [options]

Fails a replication group over (TestFailover) and times how fast every replica name follows.

  --replication-group-id ID   the group to fail over
  --hosted-zone-id ID         the private hosted zone holding the names
  --names a,b,...             the replica names (replica1.<zone>,...)
  --outputs FILE              instead of the three above: a 'cdk deploy --outputs-file' JSON whose
                              outputs end in ReplicationGroupId, HostedZoneId and ReplicaHostnames
  --timeout SECONDS           give up after this long (default 900)
  --poll-interval SECONDS     time between checks (default 5)
  --node-group-id ID          the node group to fail over (default 0001)
  --json                      print the result as JSON
  --version                   print the package's version

Exit codes: 0 every name followed, 1 timed out or a name is wrong, 2 bad usage or AWS error.`;

/**
 * The package's version, from the package.json two folders up: from the bundle (assets/drill/) in the
 * npm package or in the wheel's embedded copy of it, and from this source (lambda/drill/) in the repo.
 */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Reads the target from flags or from a cdk outputs file. */
export function resolveTarget(values: Record<string, string | boolean | undefined>): DrillTarget {
  if (typeof values.outputs === 'string') {
    const outputs = readOutputsFile(values.outputs);
    for (const stackOutputs of Object.values(outputs)) {
      if (!isObject(stackOutputs)) {
        continue;
      }
      const find = (suffix: string) => {
        const value = Object.entries(stackOutputs).find(([key]) => key.endsWith(suffix))?.[1];
        return typeof value === 'string' ? value : undefined;
      };
      const replicationGroupId = find('ReplicationGroupId');
      const hostedZoneId = find('HostedZoneId');
      const names = find('ReplicaHostnames');
      if (replicationGroupId && hostedZoneId && names) {
        return { replicationGroupId, hostedZoneId, names: parseRecordNames(names) };
      }
    }
    throw new UsageError(`${values.outputs} has no stack with outputs ending in ReplicationGroupId, HostedZoneId and ReplicaHostnames`);
  }
  const missing = ['replication-group-id', 'hosted-zone-id', 'names'].filter((flag) => typeof values[flag] !== 'string');
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((flag) => `--${flag}`).join(', ')} (or give --outputs)`);
  }
  return {
    replicationGroupId: String(values['replication-group-id']).toLowerCase(),
    hostedZoneId: String(values['hosted-zone-id']),
    names: parseRecordNames(String(values.names)),
  };
}

class UsageError extends Error {}

/** The parsed `cdk deploy --outputs-file` JSON; a file that is missing or not such JSON is a usage error, not an AWS one. */
function readOutputsFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf-8');
  } catch (error) {
    throw new UsageError(`cannot read the --outputs file ${file}: ${(error as Error).message}`);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the --outputs file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(outputs)) {
    throw new UsageError(`the --outputs file ${file} is not a 'cdk deploy --outputs-file' JSON object of stacks and their outputs`);
  }
  return outputs;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveSeconds(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--${flag} must be a positive number of seconds, got '${String(value)}'`);
  }
  return seconds;
}

/** The command line: `drill` and its flags. Returns the exit code. */
export async function main(argv: string[], aws: DrillAws = createDrillAws()): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'replication-group-id': { type: 'string' },
        'hosted-zone-id': { type: 'string' },
        'names': { type: 'string' },
        'outputs': { type: 'string' },
        'timeout': { type: 'string' },
        'poll-interval': { type: 'string' },
        'node-group-id': { type: 'string' },
        'json': { type: 'boolean' },
        'help': { type: 'boolean' },
        'version': { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'drill') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const json = values.json === true;
  try {
    const target = resolveTarget(values);
    const result = await runDrill(aws, target, {
      timeoutMs: positiveSeconds(values.timeout, 'timeout', 900) * 1000,
      pollIntervalMs: positiveSeconds(values['poll-interval'], 'poll-interval', 5) * 1000,
      nodeGroupId: typeof values['node-group-id'] === 'string' ? values['node-group-id'] : '0001',
      onProgress: (status) => process.stderr.write(`  waiting: ${status}\n`),
    });
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...target, ...result }, null, 2)}\n`);
    } else {
      for (const step of result.timeline) {
        process.stdout.write(`${(step.atMs / 1000).toFixed(1).padStart(7)} s  ${step.event.padEnd(18)} ${step.detail}\n`);
      }
      process.stdout.write(`${result.ok ? 'OK' : 'FAILED'}: ${result.message}\n`);
    }
    return result.ok ? 0 : 1;
  } catch (error) {
    const message = error instanceof UsageError ? `${error.message}\n\n${USAGE}` : `AWS error: ${(error as Error).name}: ${(error as Error).message}`;
    if (json) {
      process.stdout.write(`${JSON.stringify({ ok: false, message })}\n`);
    } else {
      process.stderr.write(`${message}\n`);
    }
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
