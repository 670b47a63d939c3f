/**
 * The failover drill command (assets/drill/index.js) end to end against moto_server on 127.0.0.1.
 *
 * As in AWS, the moto launcher answers TestFailover at once and swaps the roles a moment later.
 * ElastiCache would then notify the topic; here the lab plays that part: it watches for the role
 * change and invokes the bundled updater with the FailoverComplete notification.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { BundledHandler, startBundledHandler } from './bundled-handler';
import { createMotoReplicationGroup, MotoServer, startMoto } from './moto';
import { ReconcileResourceProps, UpdaterEnv } from '../../src/private/contract';

jest.setTimeout(60_000);

const DRILL = path.join(__dirname, '../../assets/drill/index.js');
const UPDATER = path.join(__dirname, '../../assets/updater/index.js');
const REPORTS = path.join(__dirname, '../../test-reports');
const REGION = 'us-east-1';
const ZONE_NAME = 'drill.e2e.internal';
const NAMES = [`replica1.${ZONE_NAME}`, `replica2.${ZONE_NAME}`];
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
/** The launcher swaps roles this long after TestFailover, as AWS does not fail over instantly. */
const FAILOVER_DELAY_SECONDS = 1;

let moto: MotoServer;
let elastiCache: ElastiCacheClient;
let route53: Route53Client;

beforeAll(async () => {
  moto = await startMoto({ failoverDelaySeconds: FAILOVER_DELAY_SECONDS, logFile: path.join(REPORTS, 'e2e-drill-moto.log') });
  const clientConfig = { endpoint: moto.url, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  elastiCache = new ElastiCacheClient(clientConfig);
  route53 = new Route53Client(clientConfig);
});

afterAll(async () => {
  await moto?.stop();
});

/** A fresh group, a zone, and an updater that seeded the names. */
async function givenSeededGroup(groupId: string): Promise<{ zoneId: string; updater: BundledHandler; env: Record<string, string> }> {
  await createMotoReplicationGroup(elastiCache, groupId);
  const zone = await route53.send(new CreateHostedZoneCommand({
    Name: ZONE_NAME,
    CallerReference: `${groupId}-${Date.now()}`,
    HostedZoneConfig: { PrivateZone: true },
    VPC: { VPCId: 'vpc-0d0000000000000e2', VPCRegion: REGION },
  }));
  const zoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  const env = { AWS_ENDPOINT_URL: moto.url, AWS_REGION: REGION, ...CREDENTIALS, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' };
  const updater = await startBundledHandler({
    bundle: UPDATER,
    logFile: path.join(REPORTS, `e2e-drill-${groupId}-updater.log`),
    env: {
      ...env,
      [UpdaterEnv.REPLICATION_GROUP_ID]: groupId,
      [UpdaterEnv.HOSTED_ZONE_ID]: zoneId,
      [UpdaterEnv.REPLICA_RECORD_NAMES]: NAMES.join(','),
      [UpdaterEnv.RECORD_TTL_SECONDS]: '10',
      [UpdaterEnv.NO_REPLICA_FALLBACK]: 'primary',
    },
  });
  await updater.invoke({
    RequestType: 'Create',
    ResourceProperties: { ServiceToken: 'token', [ReconcileResourceProps.HOSTED_ZONE_ID]: zoneId, [ReconcileResourceProps.REPLICA_RECORD_NAMES]: NAMES.join(',') },
  });
  return { zoneId, updater, env };
}

interface DrillRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the drill command as a user would, with the SDK's endpoint variable pointing at moto. */
function runDrill(args: string[], env: Record<string, string>): Promise<DrillRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRILL, 'drill', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => stdout += chunk);
    child.stderr.on('data', (chunk) => stderr += chunk);
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

async function primaryOf(groupId: string): Promise<string | undefined> {
  const group = (await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }))).ReplicationGroups![0];
  return group.NodeGroups![0].NodeGroupMembers!.find((member) => member.CurrentRole === 'primary')?.CacheClusterId;
}

/** Plays ElastiCache's notification: once the primary changes, the updater hears FailoverComplete. */
async function notifyOnFailover(groupId: string, updater: BundledHandler, deadline: number): Promise<void> {
  const before = await primaryOf(groupId);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (await primaryOf(groupId) !== before) {
      await updater.invoke({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ 'ElastiCache:FailoverComplete': groupId }) } }] });
      return;
    }
  }
}

test('the drill fails over, sees every name re-pointed and exits 0 with a timeline', async () => {
  // GIVEN a group whose names are right
  const groupId = 'drill-ok';
  const { zoneId, updater, env } = await givenSeededGroup(groupId);
  try {
    // WHEN the drill runs while ElastiCache's notification reaches the updater
    const args = ['--replication-group-id', groupId, '--hosted-zone-id', zoneId, '--names', NAMES.join(','), '--poll-interval', '0.2', '--timeout', '20', '--json'];
    const [run] = await Promise.all([runDrill(args, env), notifyOnFailover(groupId, updater, Date.now() + 20_000)]);

    // THEN it reports success, and the timeline is in order
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
    const events = result.timeline.map((step: { event: string }) => step.event);
    expect(events[0]).toBe('failover-requested');
    expect(events).toContain('primary-changed');
    expect(events).toContain('name-repointed');
    expect(events[events.length - 1]).toBe('all-names-correct');
    expect(events.indexOf('primary-changed')).toBeLessThan(events.indexOf('all-names-correct'));
    const atMs = result.timeline.map((step: { atMs: number }) => step.atMs);
    expect([...atMs].sort((a, b) => a - b)).toEqual(atMs);
    // The swap happens FAILOVER_DELAY_SECONDS after the request, so the primary cannot have changed sooner.
    expect(result.timeline.find((step: { event: string }) => step.event === 'primary-changed').atMs).toBeGreaterThanOrEqual(FAILOVER_DELAY_SECONDS * 1000 - 100);
    expect(result.finalCheck.names.every((name: { problem?: string }) => name.problem === undefined)).toBe(true);
    // Progress shows while it waits.
    expect(run.stderr).toContain('waiting:');
  } finally {
    await updater.stop();
  }
});

test('the drill exits 1 naming the stale name when no updater re-points it', async () => {
  // GIVEN seeded names, but nothing will tell the updater about the failover
  const groupId = 'drill-stale';
  const { zoneId, updater, env } = await givenSeededGroup(groupId);
  await updater.stop();

  // WHEN the drill runs with a short timeout
  const run = await runDrill(['--replication-group-id', groupId, '--hosted-zone-id', zoneId, '--names', NAMES.join(','), '--poll-interval', '0.2', '--timeout', '3'], env);

  // THEN it fails, and says which name still targets the new primary
  expect(run.exitCode).toBe(1);
  expect(run.stdout).toMatch(/FAILED: Timed out after 3 s: names still wrong: replica\d\.drill\.e2e\.internal points at drill-stale-00\d, which is the primary node/);
  expect(run.stdout).toContain('primary-changed');
});

test('the drill refuses to start when names are already wrong, and explains bad usage', async () => {
  // GIVEN a group whose names were never created
  const groupId = 'drill-unseeded';
  await createMotoReplicationGroup(elastiCache, groupId, 1);
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'unseeded.e2e.internal', CallerReference: `unseeded-${Date.now()}` }));
  const env = { AWS_ENDPOINT_URL: moto.url, AWS_REGION: REGION, ...CREDENTIALS };

  // WHEN / THEN
  const refused = await runDrill(['--replication-group-id', groupId, '--hosted-zone-id', zone.HostedZone!.Id!, '--names', 'replica1.unseeded.e2e.internal'], env);
  expect(refused.exitCode).toBe(1);
  expect(refused.stdout).toContain('Names are wrong before the drill, so it did not fail over: replica1.unseeded.e2e.internal does not exist');
  expect(await primaryOf(groupId)).toBe(`${groupId}-001`);

  const usage = await runDrill(['--names', 'x'], env);
  expect(usage.exitCode).toBe(2);
  expect(usage.stderr).toContain('missing --replication-group-id, --hosted-zone-id (or give --outputs)');
});
