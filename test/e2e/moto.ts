import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { CreateReplicationGroupCommand, ElastiCacheClient, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { drain, OutputTail, stopChild, withTail } from './child-process';

const LAUNCHER = path.join(__dirname, 'moto_launcher.py');
const READY_PREFIX = 'MOTO_READY ';

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** Seconds between TestFailover and the role swap; 0 swaps before the response. @default 0 */
  readonly failoverDelaySeconds?: number;
  /** How long to wait for the ready line. @default 20_000 */
  readonly readyTimeoutMs?: number;
  /** Where the launcher's stderr (one line per request) is written. @default - kept in memory only */
  readonly logFile?: string;
}

/** A running moto launcher. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The end of what the launcher wrote to stderr. */
  stderrTail(): string;
  /** Stops the launcher: SIGTERM, then SIGKILL if it has not exited in time. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `moto_launcher.py` on a free port of 127.0.0.1 and waits for its ready line.
 *
 * The interpreter is `$MOTO_PYTHON`, else `python3` from PATH (the one that has moto installed).
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const args = [LAUNCHER, '--port', '0', '--failover-delay-seconds', String(options.failoverDelaySeconds ?? 0)];
  // stdin stays an open pipe: the launcher exits on its EOF, so it dies with jest even if afterAll never runs.
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // The launcher logs every request to stderr.
  const stderrTail = drain(child, [child.stderr!], options.logFile);

  const url = await waitForReady(child, options.readyTimeoutMs ?? 20_000, stderrTail);
  // Nothing else comes on stdout, but a pipe nobody reads can still fill.
  child.stdout!.resume();

  let stopped: Promise<void> | undefined;
  return {
    url,
    stderrTail,
    stop: () => stopped ??= stopChild(child),
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderrTail: OutputTail): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (reason: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`moto launcher ${reason}${withTail('Its stderr ends with', stderrTail())}`));
    };
    const onData = (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(READY_PREFIX));
      if (line !== undefined) {
        cleanup();
        resolve(line.slice(READY_PREFIX.length).trim());
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited before it was ready (code ${code}, signal ${signal})`);
    const onError = (error: Error) => fail(`could not be started: ${error.message}`);
    const timer = setTimeout(() => fail(`printed no ${READY_PREFIX.trim()} line within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout!.setEncoding('utf-8');
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * Sets what DescribeCacheClusters reports as a member's `CacheClusterStatus`, through the
 * launcher's test-only action (no SDK knows it, so it is a plain unsigned form POST).
 */
export async function setCacheClusterStatusForTest(motoUrl: string, cacheClusterId: string, status: string, region = 'us-east-1'): Promise<void> {
  const response = await fetch(`${motoUrl}/elasticache_${region}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'SetCacheClusterStatusForTest', CacheClusterId: cacheClusterId, Status: status }).toString(),
  });
  if (!response.ok) {
    throw new Error(`SetCacheClusterStatusForTest ${cacheClusterId}=${status} failed: HTTP ${response.status} ${await response.text()}`);
  }
}

/**
 * Makes the `count` DescribeReplicationGroups calls that follow the next Route 53 change batch fail with `Throttling`,
 * through the launcher's test-only action: a read after a write that fails once the SDK's retries are spent.
 */
export async function throttleGroupReadsAfterNextChangeForTest(motoUrl: string, count: number, region = 'us-east-1'): Promise<void> {
  const response = await fetch(`${motoUrl}/elasticache_${region}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'ThrottleGroupReadsAfterNextChangeForTest', Count: String(count) }).toString(),
  });
  if (!response.ok) {
    throw new Error(`ThrottleGroupReadsAfterNextChangeForTest failed: HTTP ${response.status} ${await response.text()}`);
  }
}

/**
 * Creates a cluster-mode-disabled group of one primary (`<id>-001`) and `replicas` replicas in moto.
 *
 * moto ignores NumCacheClusters (it would create one node), so the replicas are asked for with
 * ReplicasPerNodeGroup, which in AWS is create-only and never what the construct renders.
 */
export async function createMotoReplicationGroup(
  elastiCache: ElastiCacheClient,
  replicationGroupId: string,
  replicas = 2,
): Promise<ReplicationGroup> {
  const response = await elastiCache.send(new CreateReplicationGroupCommand({
    ReplicationGroupId: replicationGroupId,
    ReplicationGroupDescription: `moto group ${replicationGroupId}`,
    Engine: 'redis',
    CacheNodeType: 'cache.t4g.micro',
    NumNodeGroups: 1,
    ReplicasPerNodeGroup: replicas,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
  }));
  return response.ReplicationGroup!;
}
