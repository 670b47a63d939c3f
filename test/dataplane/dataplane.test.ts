/**
 * The data-plane lab in CI: real redis-server nodes, the emulated ElastiCache and Route 53, a DNS
 * server, the bundled updater, and real ioredis and redis-py clients running the README's Connecting
 * code verbatim (see lab.ts). Needs root (unshare), redis-server, openssl and Debian's python3-redis:
 * `.ci/run` installs them. A missing piece fails every test with a message saying which.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { ClientEvent } from './client-config';
import { bundleIoredisRunner, ClientRunner, ClientLanguage, SYSTEM_PYTHON } from './client-runner';
import { Lab } from './lab';
import { missingPrivilege } from './privilege';
import { ClientResult, percentOnPrimary } from './metrics';
import { runScenario, ScenarioResult } from './run-scenario';
import { scenario } from './scenarios';
import { DEFAULT_MODEL } from './switches';
import { MotoServer, startMoto } from '../e2e/moto';

// Three scenarios of about 25 s each and a TLS check; one scenario on a busy machine may take longer.
jest.setTimeout(100_000);

const REPORTS = path.join(__dirname, '../../test-reports/dataplane');
const README = path.join(__dirname, '../../README.md');
const UPDATER_BUNDLE = path.join(__dirname, '../../assets/updater/index.js');
/** The issue's goal is 1.5 s (the benchmark's); CI allows 3 s so a busy machine does not fail it. */
const MAX_PRIMARY_READS_AFTER_CHANGE_MS = 3_000;
/** The old README code: reads through the promoted node's name stay on the primary. */
const MIN_LEGACY_PRIMARY_SHARE = 0.95;

let moto: MotoServer;
let ioredisBundle: string;

beforeAll(async () => {
  checkPrerequisites();
  fs.mkdirSync(REPORTS, { recursive: true });
  moto = await startMoto({ logFile: path.join(REPORTS, 'moto.log') });
  ioredisBundle = bundleIoredisRunner(path.join(REPORTS, 'ioredis-runner.js'));
});

afterAll(async () => {
  await moto?.stop();
});

describe('README Connecting code', () => {
  test.each([
    ['readme-ioredis.ts', 'ts'],
    ['readme_redis_py.py', 'python'],
  ])('%s appears verbatim in README.md, inside the Connecting section', (file, language) => {
    const readme = fs.readFileSync(README, 'utf-8');
    const connecting = readme.slice(readme.indexOf('\n## Connecting\n'), readme.indexOf('\n## ', readme.indexOf('\n## Connecting\n') + 1));
    const source = fs.readFileSync(path.join(__dirname, file), 'utf-8').trim();
    expect(connecting).toContain(`\`\`\`${language}\n${source}\n\`\`\``);
  });
});

describe('data-plane lab', () => {
  test('TLS: through the stable name hostname verification fails, through its target it passes, in both clients', async () => {
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

  test('failover, 10 s TTL and a caching resolver: the recipe leaves the primary at once; the old README code never does', async () => {
    const result = await run('failover');

    for (const client of recipeClients(result)) {
      expectRecipeHeldUp(client);
    }
    // The old code, through the promoted node's name: the lab does catch a client that stays on the primary.
    for (const client of result.clients.filter((candidate) => candidate.client.endsWith('legacy'))) {
      expect(client.after.reads).toBeGreaterThan(0);
      expect({ client: client.client, shareOnPrimary: client.after.onPrimary / client.after.reads, backOnReplicaMs: client.backOnReplicaMs })
        .toEqual({ client: client.client, shareOnPrimary: expect.any(Number), backOnReplicaMs: null });
      expect(client.after.onPrimary / client.after.reads).toBeGreaterThanOrEqual(MIN_LEGACY_PRIMARY_SHARE);
    }
  });

  test('old primary down while reported available, promoted node closes its connections: no error reaches the application', async () => {
    const result = await run('primary-down', [{ language: 'ioredis', code: 'recipe' }, { language: 'redis-py', code: 'recipe' }]);

    for (const client of recipeClients(result)) {
      expectRecipeHeldUp(client);
    }
  });

  test('one replica, old primary down: the recipe reads from the primary meanwhile, without errors, and goes home', async () => {
    const result = await run('one-replica-down', [{ language: 'ioredis', code: 'recipe' }, { language: 'redis-py', code: 'recipe' }]);

    for (const client of recipeClients(result)) {
      expectRecipeFellBackAndCameHome(client);
    }
  });
});

/** What the recipe must do with no replica for a while: read from the primary, then go home once DNS has the replica again. */
function expectRecipeFellBackAndCameHome(client: ClientResult): void {
  const summary = {
    client: client.client,
    readErrors: client.readErrors,
    firstReadError: client.firstReadError,
    cameBack: client.backOnReplicaMs !== null,
    readsAfterOnPrimary: client.after.onPrimary,
    readersHome: client.readersHome,
    writeErrors: client.writes?.errors,
    firstWriteError: client.writes?.firstError,
    lostAfterSwitch: client.writes?.lostAfterSwitch,
  };
  expect(summary).toEqual({
    ...summary,
    readErrors: 0,
    firstReadError: undefined,
    cameBack: true,
    readsAfterOnPrimary: 0,
    readersHome: client.readers,
    writeErrors: 0,
    firstWriteError: undefined,
    lostAfterSwitch: 0,
  });
  // With no replica anywhere it reads from the primary rather than failing.
  expect(client.during.onPrimary).toBeGreaterThan(0);
  expect(client.after.reads).toBeGreaterThan(0);
}

/** What the recipe must do whenever another replica is available. */
function expectRecipeHeldUp(client: ClientResult): void {
  const summary = {
    client: client.client,
    readErrors: client.readErrors,
    firstReadError: client.firstReadError,
    primaryReadsStopWithinLimit: client.backOnReplicaMs !== null && client.backOnReplicaMs <= MAX_PRIMARY_READS_AFTER_CHANGE_MS,
    backOnReplicaMs: client.backOnReplicaMs,
    readsAfterOnPrimary: client.after.onPrimary,
    readersHome: client.readersHome,
    writeErrors: client.writes?.errors,
    firstWriteError: client.writes?.firstError,
    lostAfterSwitch: client.writes?.lostAfterSwitch,
  };
  expect(summary).toEqual({
    ...summary,
    readErrors: 0,
    firstReadError: undefined,
    primaryReadsStopWithinLimit: true,
    readsAfterOnPrimary: 0,
    readersHome: client.readers,
    writeErrors: 0,
    firstWriteError: undefined,
    lostAfterSwitch: 0,
  });
  expect(client.after.reads).toBeGreaterThan(0);
  expect(client.writes?.acknowledged).toBeGreaterThan(0);
}

function recipeClients(result: ScenarioResult): ClientResult[] {
  const clients = result.clients.filter((client) => client.client.endsWith('recipe'));
  expect(clients.map((client) => client.client).sort()).toEqual(['ioredis recipe', 'redis-py recipe']);
  return clients;
}

async function run(id: string, clients?: Parameters<typeof runScenario>[1]['clients']): Promise<ScenarioResult> {
  const result = await runScenario(scenario(id), { dir: path.join(REPORTS, id), moto, ioredisBundle, clients });
  fs.writeFileSync(path.join(REPORTS, `${id}.json`), JSON.stringify(result, null, 2));
  // Writes lost to asynchronous replication in the failover window are Redis's, but they are reported, never hidden.
  const lines = result.clients.map((client) =>
    `  ${client.client}: primary reads before/during/after ${[client.before, client.during, client.after].map(percentOnPrimary).join(' / ')}, `
    + `back on a replica after ${client.backOnReplicaMs === null ? 'never' : `${client.backOnReplicaMs} ms`}, ${client.readErrors} read errors`
    + (client.writes ? `, writes ${client.writes.acknowledged} acknowledged, ${client.writes.errors} errors, ${client.writes.lost} lost` : ''));
  console.log(`${result.title} (names correct after ${result.namesCorrectAfterMs} ms, ${result.wallSeconds} s):\n${lines.join('\n')}`);
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
  if (!works(SYSTEM_PYTHON, ['-c', 'import redis'])) missing.push(`redis-py for ${SYSTEM_PYTHON} (apt-get install python3-redis)`);
  const privilege = missingPrivilege();
  if (privilege) missing.push(privilege);
  if (!works('setpriv', ['--pdeathsig', 'SIGKILL', 'true'])) missing.push('setpriv --pdeathsig (util-linux)');
  if (!fs.existsSync(UPDATER_BUNDLE)) missing.push(`${UPDATER_BUNDLE} (run \`npx projen bundle\`)`);
  if (missing.length > 0) {
    throw new Error(`The data-plane lab cannot run. Missing:\n- ${missing.join('\n- ')}\n.ci/run installs them.`);
  }
}
