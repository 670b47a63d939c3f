/**
 * The data-plane lab in CI: real redis-server nodes with TLS, the emulated ElastiCache and Route 53, a DNS
 * server, the bundled updater, and real clients: the packages of clients/ as installed (npm tarball, wheel),
 * one reader object shared by 50 loops (Node), 8 threads (Python) and 50 tasks (asyncio), each loop reading its
 * own key; and beside them the README's old code, shared the same way, which fails. Needs redis-server, openssl,
 * Debian's python3-redis and python3-dnspython, and root or passwordless sudo (privilege.ts). A missing piece
 * fails every test with a message saying which.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { ClientEvent } from './client-config';
import { bundleIoredisRunner, ClientRunner, ClientLanguage, SYSTEM_PYTHON } from './client-runner';
import { Lab } from './lab';
import { installPackagedClients, InstalledClients } from './packaged-clients';
import { missingPrivilege } from './privilege';
import { scenario } from './scenarios';
import { SharedClientResult } from './shared-metrics';
import { bundleSharedNodeRunner } from './shared-runner';
import { PACKAGED_CLIENTS, README_CLIENTS, runSharedScenario, SharedClientSpec, SharedScenarioResult } from './shared-scenario';
import { DEFAULT_MODEL } from './switches';
import { MotoServer, startMoto } from '../e2e/moto';

// One scenario takes about 25 s; on a busy machine longer.
jest.setTimeout(120_000);

const REPORTS = path.join(__dirname, '../../test-reports/dataplane');
const UPDATER_BUNDLE = path.join(__dirname, '../../assets/updater/index.js');
/** The issue's goal is 1.5 s (the benchmark's); CI allows 3 s so a busy machine does not fail it. */
const MAX_PRIMARY_READS_AFTER_PROMOTION_MS = 3_000;
/** The issue: at most 2 new connections per reader per event. */
const MAX_CONNECTIONS_PER_READER = 2;
/** While the resolver is down, a reader on a known replica keeps reading: at least this share of the reads it would make. */
const MIN_READS_WHILE_RESOLVER_DOWN = 0.5;
/** Keys a primary holds in the resync scenario, so a restarted replica's full sync takes a moment. */
const BULK_KEYS = 200_000;

let moto: MotoServer;
let ioredisBundle: string;
let sharedBundle: string;
let installed: InstalledClients;

beforeAll(async () => {
  checkPrerequisites();
  fs.mkdirSync(REPORTS, { recursive: true });
  moto = await startMoto({ logFile: path.join(REPORTS, 'moto.log') });
  ioredisBundle = bundleIoredisRunner(path.join(REPORTS, 'ioredis-runner.js'));
  sharedBundle = bundleSharedNodeRunner(path.join(REPORTS, 'shared-node-runner.js'));
  installed = installPackagedClients(path.join(REPORTS, 'packages'));
  console.log(`clients under test: ${installed.nodeFrom}; ${installed.pythonFrom}`);
});

afterAll(async () => {
  await moto?.stop();
});

test('TLS: through the stable name hostname verification fails, through its target it passes, in ioredis and redis-py', async () => {
  const lab = await Lab.start({ dir: path.join(REPORTS, 'tls'), model: DEFAULT_MODEL, replicas: 2, recordTtlSeconds: 10, moto });
  try {
    for (const language of ['ioredis', 'redis-py'] as const) {
      const events = await tlsEvents(lab, language);
      const result = (via: string) => events.find((event) => event.e === 'tls' && event.via === via) as Extract<ClientEvent, { e: 'tls' }>;
      expect({ language, ok: result('stable-name')?.ok, error: result('stable-name')?.error })
        .toEqual({ language, ok: false, error: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID|Hostname mismatch|doesn't match/) });
      expect({ language, ok: result('target')?.ok, error: result('target')?.error }).toEqual({ language, ok: true, error: undefined });
    }
  } finally {
    await lab.stop();
  }
});

describe('redis-stable-readers as installed, one reader shared by 50 loops (Node), 8 threads (Python), 50 tasks (asyncio)', () => {
  test.each([
    ['failover', 'failover, 10 s TTL, caching resolver'],
    ['failover-drop', 'the promoted node closes its connections'],
    ['replica-restart', 'the node a name points at killed and back empty (full resync)'],
    ['resolver-down', 'resolver down 5 s in steady state'],
    ['resolver-down-failover', 'resolver down 5 s while a reader must move'],
  ])('%s (%s): no error or wrong reply, off the primary in time, ≤ 2 new connections per reader, no call over budget', async (id) => {
    const result = await run(id, PACKAGED_CLIENTS, id === 'replica-restart' ? BULK_KEYS : 0);
    const promotes = id.includes('failover');
    expectConnectionsWithinLimit(result);
    for (const client of result.clients) {
      expectNoFailureReachedTheApplication(client);
      expectFewConnections(client);
      if (promotes) {
        const stop = client.primaryReadsStopMs;
        expect({ client: client.client, stop, withinLimit: stop !== null && stop <= MAX_PRIMARY_READS_AFTER_PROMOTION_MS })
          .toEqual({ client: client.client, stop, withinLimit: true });
      } else {
        // Another replica is up the whole time: no read goes to the primary.
        expect({ client: client.client, onPrimary: client.onPrimary }).toEqual({ client: client.client, onPrimary: { before: 0, during: 0, after: 0 } });
      }
      expect({ client: client.client, onPrimaryAfter: client.onPrimary.after }).toEqual({ client: client.client, onPrimaryAfter: 0 });
      if (id.startsWith('resolver-down')) {
        const down = client.whileResolverDown!;
        expect({ client: client.client, loopsWithoutReplicaRead: down.loopsWithoutReplicaRead, enoughReads: down.reads >= MIN_READS_WHILE_RESOLVER_DOWN * down.expected, down })
          .toEqual({ client: client.client, loopsWithoutReplicaRead: 0, enoughReads: true, down });
      }
    }
  });

  test('one replica, old primary down: reads go to the primary meanwhile, without errors, and come home', async () => {
    const result = await run('one-replica-down', PACKAGED_CLIENTS);
    expectConnectionsWithinLimit(result);
    for (const client of result.clients) {
      expectNoFailureReachedTheApplication(client);
      expectFewConnections(client);
      expect({ client: client.client, fellBack: client.onPrimary.during > 0, onPrimaryAfter: client.onPrimary.after })
        .toEqual({ client: client.client, fellBack: true, onPrimaryAfter: 0 });
    }
  });
});

describe("the README's old code, shared as applications share a client", () => {
  test('promoted node closes its connections: redis-py shared by 8 threads fails (crash, wrong replies or errors); ioredis shared by 50 loops opens more than 2 connections', async () => {
    const result = await run('failover-drop', README_CLIENTS);
    const python = result.clients.find((client) => client.kind === 'python-readme')!;
    const node = result.clients.find((client) => client.kind === 'node-readme')!;
    // What went wrong is in the report (crash signal, first wrong replies and errors); any one of them fails an application.
    expect({ crashed: python.crashed !== undefined, wrong: python.wrong > 0, errors: python.errors > 0 })
      .not.toEqual({ crashed: false, wrong: false, errors: false });
    const opened = node.clientCounters.connections;
    expect({ crashed: node.crashed, opened, overLimit: opened > MAX_CONNECTIONS_PER_READER })
      .toEqual({ crashed: undefined, opened, overLimit: true });
  });
});

function expectNoFailureReachedTheApplication(client: SharedClientResult): void {
  const summary = {
    client: client.client,
    crashed: client.crashed,
    errors: client.errors,
    firstErrors: client.firstErrors,
    wrong: client.wrong,
    firstWrong: client.firstWrong,
    slowerThanBudget: client.slowerThanBudget,
    budgetKnown: client.budgetMs !== undefined,
  };
  expect(summary).toEqual({ ...summary, crashed: undefined, errors: 0, firstErrors: [], wrong: 0, firstWrong: [], slowerThanBudget: 0, budgetKnown: true });
  expect(client.reads).toBeGreaterThan(0);
}

/** The client's own count of the connections it opened (the servers' count, below, covers every reader in the lab). */
function expectFewConnections(client: SharedClientResult): void {
  const opened = client.connectionsOpened;
  expect({ client: client.client, opened, withinLimit: opened !== undefined && opened <= MAX_CONNECTIONS_PER_READER })
    .toEqual({ client: client.client, opened, withinLimit: true });
}

/** The servers' count, less the lab's own and replication connections, over every reader in the lab. */
function expectConnectionsWithinLimit(result: SharedScenarioResult): void {
  const total = result.serverConnectionsTotal;
  const limit = MAX_CONNECTIONS_PER_READER * result.readers;
  expect({ perNode: result.serverConnections, total, limit, withinLimit: total <= limit })
    .toEqual({ perNode: result.serverConnections, total, limit, withinLimit: true });
}

async function run(id: string, clients: readonly SharedClientSpec[], bulkKeys = 0): Promise<SharedScenarioResult> {
  const name = `${id}${clients === README_CLIENTS ? '-readme' : ''}`;
  const result = await runSharedScenario(scenario(id), {
    dir: path.join(REPORTS, name), moto, nodeBundle: sharedBundle, installed, clients, bulkKeys,
  });
  fs.writeFileSync(path.join(REPORTS, `${name}.json`), JSON.stringify(result, null, 2));
  const lines = result.clients.map((client) => `  ${client.client}: ${client.reads} reads, ${client.errors} errors, ${client.wrong} wrong`
    + `${client.crashed ? `, ${client.crashed}` : ''}, primary reads before/during/after ${Object.values(client.onPrimary).join('/')}`
    + `, stop after ${client.primaryReadsStopMs ?? '-'} ms, p99 before ${client.p99BeforeMs} ms, p50/p99 during ${client.p50DuringMs}/${client.p99DuringMs} ms`
    + `, max ${client.maxMs} ms, ${client.connectionsOpened ?? '?'} connections opened`
    + `, client counters ${JSON.stringify(client.clientCounters)}`);
  console.log(`${result.title} (names right after ${result.namesCorrectAfterMs} ms, ${result.wallSeconds} s): server-counted new connections `
    + `${result.serverConnectionsTotal} for ${result.readers} readers ${JSON.stringify(result.serverConnections)}\n${lines.join('\n')}`);
  return result;
}

async function tlsEvents(lab: Lab, language: ClientLanguage): Promise<ClientEvent[]> {
  const runner = ClientRunner.start({
    language,
    ioredisBundle,
    resolvConf: lab.resolvConf,
    caFile: lab.certificates.caFile,
    password: lab.password,
    config: {
      code: 'recipe', mode: 'tls', readers: [lab.names[0]], names: lab.names, readIntervalMs: 0, writeIntervalMs: 0, readKey: '', writePrefix: '',
    },
  });
  try {
    await runner.waitFor((events) => events.filter((event) => event.e === 'tls').length >= 2, 20_000, 'TLS results');
    return runner.events;
  } finally {
    await runner.stop();
  }
}

/** Fails with what is missing and how to get it, instead of skipping. */
function checkPrerequisites(): void {
  const missing: string[] = [];
  const works = (command: string, args: string[]) => {
    try {
      execFileSync(command, args, { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  if (!works('redis-server', ['--version'])) missing.push('redis-server (apt-get install redis-server)');
  if (!works('openssl', ['version'])) missing.push('openssl (apt-get install openssl)');
  if (!works(SYSTEM_PYTHON, ['-c', 'import redis, dns'])) missing.push(`redis-py and dnspython for ${SYSTEM_PYTHON} (apt-get install python3-redis python3-dnspython)`);
  if (!works(SYSTEM_PYTHON, ['-m', 'build', '--version'])) missing.push(`the build frontend for ${SYSTEM_PYTHON} (apt-get install python3-build)`);
  const privilege = missingPrivilege();
  if (privilege) missing.push(privilege);
  if (!works('setpriv', ['--pdeathsig', 'SIGKILL', 'true'])) missing.push('setpriv --pdeathsig (util-linux)');
  if (!fs.existsSync(UPDATER_BUNDLE)) missing.push(`${UPDATER_BUNDLE} (run \`npx projen bundle\`)`);
  if (missing.length > 0) {
    throw new Error(`The data-plane lab cannot run. Missing:\n- ${missing.join('\n- ')}\n.ci/run installs them.`);
  }
}
