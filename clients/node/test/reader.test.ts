/**
 * StableReader against real redis-server nodes (TLS, AUTH) and a DNS server, with one reader shared by
 * 50 concurrent callers, each reading its own key.
 */
import { execFile, spawn } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import type Redis from 'ioredis';
import { StableReader, StableRedisError, StableWriter } from '../src';
import type { StableReaderOptions } from '../src';
import { Lab, Load, NODE_DOMAIN, PASSWORD, sleep } from './lab';

const LOOPS = 50;
const KEYS = 'lab:r:';
const INTERVAL_MS = 200;

let lab: Lab;
const readers: StableReader[] = [];

beforeAll(async () => {
  lab = await Lab.start();
  const args: string[] = [];
  for (let index = 0; index < LOOPS; index++) {
    args.push(`${KEYS}${index}`, `value-of-${KEYS}${index}`);
  }
  await lab.primaryNode.command('MSET', ...args);
  await lab.primaryNode.command('WAIT', 2, 2_000);
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.close()));
  await lab.reset();
});

function newReaderOptions(): StableReaderOptions {
  return { names: [lab.name('replica1'), lab.name('replica2')], ...lab.clientOptions, roleCheckIntervalMs: INTERVAL_MS };
}

function newReader(options: Partial<StableReaderOptions> = {}): StableReader {
  const reader = new StableReader({ ...newReaderOptions(), ...options });
  readers.push(reader);
  return reader;
}

/** The read and ROLE on the same connection, so each reply says which kind of node served it. */
async function readWithRole(redis: Redis, key: string): Promise<{ value: string | null; role: string }> {
  const [value, role] = await Promise.all([redis.get(key), redis.role() as Promise<unknown[]>]);
  return { value, role: String(role[0]) };
}

function record<T extends string>(reader: StableReader, events: readonly T[]): Array<{ event: T; at: number; payload: unknown }> {
  const seen: Array<{ event: T; at: number; payload: unknown }> = [];
  for (const event of events) {
    reader.on(event as 'move', (payload: unknown) => seen.push({ event, at: Date.now(), payload }));
  }
  return seen;
}

async function expectFailure(promise: Promise<unknown>, code: string): Promise<{ error: StableRedisError; ms: number }> {
  const startedAt = Date.now();
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(StableRedisError);
  expect((error as StableRedisError).code).toBe(code);
  return { error: error as StableRedisError, ms: Date.now() - startedAt };
}

describe('bad input fails at once, with the property and the value', () => {
  test.each([
    [{ names: [] }, /names: received \[\]/],
    [{ names: ['replica1.x', ''] }, /names\[1\]: received ""/],
    [{ names: ['replica1.x', 'REPLICA1.x.'] }, /replica1\.x is there twice/],
    [{ names: ['replica1.x'], timeoutMs: 0 }, /timeoutMs: received 0; allowed: an integer from 1/],
    [{ names: ['replica1.x'], tls: { servername: 'x' } }, /tls\.servername/],
    [{ names: ['replica1.x'], tls: { rejectUnauthorized: false } }, /tls\.rejectUnauthorized/],
    // Falsy values from JavaScript callers would switch verification off as surely as false.
    [{ names: ['replica1.x'], tls: { rejectUnauthorized: 0 } }, /tls\.rejectUnauthorized: received 0; allowed: true or unset/],
    [{ names: ['replica1.x'], tls: { rejectUnauthorized: null } }, /tls\.rejectUnauthorized: received null/],
    [{ names: ['replica1.x'], tls: { rejectUnauthorized: 'false' } }, /tls\.rejectUnauthorized: received "false"/],
    [{ names: ['replica1.x'], dnsServers: ['not an address'] }, /dnsServers/],
  ])('%j', (options, expected) => {
    expect(() => new StableReader(options as StableReaderOptions)).toThrow(expected);
  });

  test('a name that is not a CNAME, or does not exist, fails the first read at once', async () => {
    const notCname = await expectFailure(newReader({ names: [lab.nodes[1].hostname] }).read((r) => r.get('x')), 'NOT_A_CNAME');
    expect(notCname.error.message).toContain(lab.nodes[1].hostname);
    const missing = await expectFailure(newReader({ names: [lab.name('replica9')] }).read((r) => r.get('x')), 'NAME_NOT_FOUND');
    console.log(`not a CNAME: failed in ${notCname.ms} ms; no such name: ${missing.ms} ms (budget 15000 ms)`);
    expect(Math.max(notCname.ms, missing.ms)).toBeLessThan(1_000);
  });

  test('a wrong password fails at once, with AUTH_FAILED', async () => {
    const { error, ms } = await expectFailure(newReader({ password: 'wrong' }).read((r) => r.get('x')), 'AUTH_FAILED');
    expect(error.message).toMatch(/WRONGPASS/);
    console.log(`wrong password: failed in ${ms} ms`);
    expect(ms).toBeLessThan(1_000);
  });
});

test('an RBAC user without +role fails at once, with NO_PERMISSION; with +role it reads', async () => {
  // ACL users are per node (not replicated), so every node gets them.
  const users = [['lab-no-role', '+@read'], ['lab-reader', '+@read', '+role']];
  for (const node of lab.nodes) {
    for (const [user, ...commands] of users) {
      await node.command('ACL', 'SETUSER', user, 'reset', 'on', '>lab-user-pass', '~*', ...commands);
    }
  }
  try {
    const { error, ms } = await expectFailure(newReader({ username: 'lab-no-role', password: 'lab-user-pass' }).read((r) => r.get(`${KEYS}0`)), 'NO_PERMISSION');
    expect(error.message).toMatch(/NOPERM/);
    expect(error.message).toContain('+role');
    console.log(`RBAC user without +role: failed in ${ms} ms (budget 15000 ms)`);
    expect(ms).toBeLessThan(1_000);
    const allowed = newReader({ username: 'lab-reader', password: 'lab-user-pass' });
    expect(await allowed.read((r) => r.get(`${KEYS}0`))).toBe(`value-of-${KEYS}0`);
  } finally {
    await Promise.all(lab.nodes.map((node) => node.command('ACL', 'DELUSER', ...users.map(([user]) => user))));
  }
});

test('a certificate that does not verify (no CA given) fails at once, with TLS_FAILED', async () => {
  const { error, ms } = await expectFailure(newReader({ tls: {} }).read((r) => r.get('x')), 'TLS_FAILED');
  expect(error.message).toMatch(/^the certificate of node-[bc]\.grp\.abc123\.use1\.cache\.test .*did not verify/);
  expect(ms).toBeLessThan(1_000);
});

test('NODE_TLS_REJECT_UNAUTHORIZED=0 does not switch verification off: still TLS_FAILED', async () => {
  // In its own process: Node reads the variable from the real environment, which jest's sandbox does not change.
  const script = `
    const { StableReader } = require('./src');
    const reader = new StableReader(${JSON.stringify({ ...newReaderOptions(), tls: {}, timeoutMs: 3_000 })});
    reader.read((redis) => redis.get('${KEYS}0')).then((value) => console.log(JSON.stringify({ value })),
      (error) => console.log(JSON.stringify({ code: error.code, message: error.message }))).finally(() => reader.close());`;
  // Not execFileSync: the lab's DNS server answers from this process.
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script],
    { cwd: path.join(__dirname, '..'), env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, encoding: 'utf-8' });
  expect(JSON.parse(stdout)).toEqual({ code: 'TLS_FAILED', message: expect.stringMatching(/did not verify/) });
});

test('tls.rejectUnauthorized: true is allowed', () => {
  expect(() => newReader({ tls: { rejectUnauthorized: true } })).not.toThrow();
});

test('50 callers sharing one reader each get their own key\'s value, spread over both replicas', async () => {
  const reader = newReader();
  const connects = record(reader, ['connect']);
  const gets = async () => Promise.all(lab.nodes.map(async (node) => {
    const stats = String(await node.command('INFO', 'commandstats'));
    return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }));
  const before = await gets();
  const load = new Load((key) => reader.read((redis) => readWithRole(redis, key)), LOOPS, KEYS);
  await sleep(1_500);
  await load.stop();
  const served = (await gets()).map((count, index) => count - before[index]);
  console.log(`50 loops: ${connects.length} connections opened by 50 first calls at once; ${load.reads} reads in 1.5 s, ${load.wrong} wrong, ${load.errors.length} errors, GETs per node a/b/c ${served.join('/')}, p99 ${load.percentile(0.99)} ms`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(load.reads).toBeGreaterThan(1_000);
  expect(served[0]).toBe(0);
  // 50 first calls at once made one connection per name, no more.
  expect(connects.map((e) => (e.payload as { target: string }).target).sort()).toEqual([lab.nodes[1].hostname, lab.nodes[2].hostname]);
  expect(Math.min(served[1], served[2])).toBeGreaterThan(served[1] / 3);
});

test('a replica promoted in place: reads leave it within one role-check interval, with no errors, and come home', async () => {
  const reader = newReader();
  const events = record(reader, ['move', 'home', 'connect']);
  await reader.connect();
  const load = new Load((key) => reader.read((redis) => readWithRole(redis, key)), LOOPS, KEYS);
  await sleep(300);
  const promotedAt = Date.now();
  await lab.nodes[1].command('REPLICAOF', 'NO', 'ONE');
  await sleep(1_000);
  const left = load.lastOnPrimaryAt === 0 ? 0 : load.lastOnPrimaryAt - promotedAt;
  // Back to a replica: the slot of replica1 goes home (the name never moved).
  await lab.nodes[1].command('REPLICAOF', lab.nodes[0].ip, 6379);
  await lab.waitInSync();
  const deadline = Date.now() + 3_000;
  while (!events.some((e) => e.event === 'home') && Date.now() < deadline) {
    await sleep(20);
  }
  await load.stop();
  const moved = events.find((e) => e.event === 'move');
  console.log(`promotion: last read on the promoted node ${left} ms after REPLICAOF NO ONE (interval ${INTERVAL_MS} ms); moved after ${moved ? moved.at - promotedAt : '-'} ms; `
    + `${load.reads} reads, ${load.errors.length} errors, ${load.wrong} wrong, max ${load.maxLatency} ms; events ${events.map((e) => e.event).join(',')}`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(left).toBeLessThanOrEqual(INTERVAL_MS + 150);
  expect(moved?.payload).toEqual({ name: lab.name('replica1'), from: lab.nodes[1].hostname, to: lab.nodes[2].hostname });
  expect(events.filter((e) => e.event === 'home')).toHaveLength(1);
  // It borrowed replica2's open connection: no new connection for the move.
  // The two slots connect at once, in either order.
  expect(events.filter((e) => e.event === 'connect').map((e) => (e.payload as { target: string }).target).sort())
    .toEqual([lab.nodes[1].hostname, lab.nodes[2].hostname].sort());
});

test('CLIENT KILL under 50 in-flight reads: one reconnect, no errors', async () => {
  const reader = newReader();
  const events = record(reader, ['connect', 'retire', 'move', 'home']);
  await reader.connect();
  await sleep(2 * INTERVAL_MS);
  const [b, c] = [lab.nodes[1], lab.nodes[2]];
  const before = [await lab.connectionsReceived(b), await lab.connectionsReceived(c)];
  const connectsBefore = events.filter((e) => e.event === 'connect').length;
  let attempts = 0; // runs of the callers' function: one more than the reads it served each time a read is retried
  const load = new Load((key) => reader.read((redis) => {
    attempts++;
    return readWithRole(redis, key);
  }), LOOPS, KEYS);
  await sleep(300);
  const readsAtKill = load.reads;
  await b.killClients(); // also drops the lab's own admin connection, which reconnects once below
  await sleep(1_000);
  await load.stop();
  const retried = attempts - load.reads - load.errors.length;
  const after = [await lab.connectionsReceived(b), await lab.connectionsReceived(c)];
  const newOnB = after[0] - before[0] - 1; // minus the lab's admin connection
  const newOnC = after[1] - before[1];
  const connects = events.filter((e) => e.event === 'connect').length - connectsBefore;
  console.log(`CLIENT KILL: ${retried} in-flight reads retried; ${newOnB} new connections to the killed node, ${newOnC} to the other, ${connects} connect events; `
    + `${load.reads - readsAtKill} reads after the kill, ${load.errors.length} errors, ${load.wrong} wrong, max ${load.maxLatency} ms, p99 ${load.percentile(0.99)} ms`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(retried).toBeGreaterThan(0);
  expect(newOnB).toBe(1);
  expect(newOnC).toBe(0);
  expect(connects).toBe(1);
  expect(load.reads - readsAtKill).toBeGreaterThan(1_000);
});

test('resolver down: a reader that must move reconnects through the last known address, reads never wait for DNS', async () => {
  const reader = newReader();
  const stale = record(reader, ['stale-address']);
  await reader.connect();
  const load = new Load((key) => reader.read((redis) => readWithRole(redis, key)), LOOPS, KEYS);
  await sleep(200);
  await lab.stopResolver();
  await lab.nodes[1].killClients();
  await sleep(1_500);
  const readsWhileDown = load.reads;
  await lab.startResolver();
  await load.stop();
  console.log(`resolver down 1.5 s with a connection killed: ${readsWhileDown} reads, ${load.errors.length} errors, max ${load.maxLatency} ms, ${stale.length} stale-address events`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(stale.length).toBeGreaterThan(0);
  expect(stale[0].payload).toMatchObject({ name: lab.name('replica1'), target: lab.nodes[1].hostname, ip: lab.nodes[1].ip });
  expect(load.maxLatency).toBeLessThan(500);
});

test('no replica anywhere: reads go to the primary the names lead to, then back to a replica', async () => {
  const reader = newReader({ names: [lab.name('replica1')] });
  const events = record(reader, ['fallback', 'fallback-end']);
  await reader.connect();
  lab.pointNames({ replica1: lab.nodes[0] });
  await lab.nodes[1].command('REPLICAOF', 'NO', 'ONE');
  await sleep(3 * INTERVAL_MS);
  const served = await reader.read((redis) => readWithRole(redis, `${KEYS}0`));
  expect(served).toEqual({ value: `value-of-${KEYS}0`, role: 'master' });
  expect(events.map((e) => e.event)).toEqual(['fallback']);
  // As the README warns: while falling back, a write sent through a reader reaches the primary and succeeds.
  expect(await reader.read((redis) => redis.set('lab:r:fallback-write', 'x'))).toBe('OK');
  lab.pointNames({ replica1: lab.nodes[2] });
  await sleep(3 * INTERVAL_MS);
  expect(await reader.read((redis) => readWithRole(redis, `${KEYS}0`))).toEqual({ value: `value-of-${KEYS}0`, role: 'slave' });
  expect(events.map((e) => e.event)).toEqual(['fallback', 'fallback-end']);
  await expect(reader.read((redis) => redis.set('lab:r:fallback-write', 'y'))).rejects.toThrow(/^READONLY/);
  await lab.primaryNode.command('DEL', 'lab:r:fallback-write');
});

test('the budget bounds every call: nodes that do not answer, and a resolver that does not', async () => {
  lab.records.addresses.set(`node-z.${'grp.abc123.use1.cache.test'}`, `${lab.subnet}.99`);
  lab.records.cnames.set(lab.name('replica7'), 'node-z.grp.abc123.use1.cache.test');
  const nowhere = await expectFailure(newReader({ names: [lab.name('replica7')], timeoutMs: 700 }).read((r) => r.get('x')), 'TIMEOUT');
  await lab.stopResolver();
  const noDns = await expectFailure(newReader({ timeoutMs: 700 }).read((r) => r.get('x')), 'TIMEOUT');
  await lab.startResolver();
  console.log(`budget 700 ms: no node listening ${nowhere.ms} ms (${nowhere.error.message}); resolver silent ${noDns.ms} ms`);
  for (const { ms } of [nowhere, noDns]) {
    expect(ms).toBeGreaterThanOrEqual(690);
    expect(ms).toBeLessThan(900);
  }
});

test('Redis errors pass through unchanged and do not move the reader', async () => {
  const reader = newReader();
  const events = record(reader, ['connect', 'move', 'retire']);
  await reader.connect();
  const connects = events.length;
  const error = await reader.read((redis) => redis.lpush(`${KEYS}0`, 'x')).catch((caught: Error) => caught);
  expect((error as Error).name).toBe('ReplyError');
  expect((error as Error).message).toMatch(/^READONLY/);
  const wrongType = await reader.read((redis) => redis.hget(`${KEYS}0`, 'field')).catch((caught: Error) => caught);
  expect((wrongType as Error).message).toMatch(/^WRONGTYPE/);
  const own = await reader.read(async () => {
    throw new TypeError('the caller\'s own bug');
  }).catch((caught: Error) => caught);
  expect(own).toEqual(new TypeError('the caller\'s own bug'));
  await sleep(2 * INTERVAL_MS);
  expect(events.slice(connects)).toEqual([]);
});

test('commands that block or change the shared connection\'s state are refused at once; others, and MULTI in a pipeline, still work', async () => {
  const reader = newReader();
  await reader.connect();
  const refused: Array<[string, (redis: Redis) => Promise<unknown>]> = [
    ['XREAD', (redis) => redis.xread('BLOCK', 1_000, 'STREAMS', 'lab:stream', '$')],
    ['XREADGROUP', (redis) => redis.call('xreadgroup', 'GROUP', 'g', 'c', 'block', 1_000, 'STREAMS', 'lab:stream', '>')],
    ['BLPOP', (redis) => redis.blpop('lab:list', 1)],
    ['BZPOPMIN', (redis) => redis.call('BZPOPMIN', 'lab:zset', 1)],
    ['WAIT', (redis) => redis.wait(1, 1_000)],
    ['WATCH', (redis) => redis.watch(`${KEYS}0`)],
    ['MULTI', (redis) => redis.multi({ pipeline: false }) as unknown as Promise<unknown>],
    ['SELECT', (redis) => redis.select(1)],
    ['SUBSCRIBE', (redis) => redis.subscribe('lab:channel')],
    ['PSUBSCRIBE', (redis) => redis.psubscribe('lab:*')],
    ['CLIENT REPLY', (redis) => redis.call('CLIENT', 'REPLY', 'OFF')],
    ['MONITOR', (redis) => redis.call('monitor')],
  ];
  for (const [name, fn] of refused) {
    const { error, ms } = await expectFailure(reader.read(fn), 'UNSUPPORTED_COMMAND');
    expect(error.message).toContain(`${name} `);
    expect(ms).toBeLessThan(100);
  }
  // The connection is unharmed, and the same commands' harmless forms pass.
  expect(await reader.read((redis) => redis.get(`${KEYS}1`))).toBe(`value-of-${KEYS}1`);
  expect(await reader.read((redis) => redis.xread('COUNT', 1, 'STREAMS', 'lab:block', '0'))).toBeNull();
  expect(await reader.read((redis) => redis.multi().get(`${KEYS}2`).exec())).toEqual([[null, `value-of-${KEYS}2`]]);
  expect(await reader.read((redis) => redis.call('CLIENT', 'ID'))).toEqual(expect.any(Number));
});

test('the node a name points at killed and restarted empty: reads move at once, and come home after its full sync', async () => {
  const reader = newReader();
  const events = record(reader, ['connect', 'move', 'home', 'retire']);
  await reader.connect();
  const load = new Load((key) => reader.read((redis) => readWithRole(redis, key)), LOOPS, KEYS);
  await sleep(200);
  const killedAt = Date.now();
  const readsBefore = load.reads;
  await lab.nodes[1].kill();
  await sleep(500);
  const readsWhileDown = load.reads - readsBefore;
  await lab.nodes[1].start(lab.nodes[0]);
  const restartedAt = Date.now();
  const deadline = Date.now() + 5_000;
  while (!events.some((e) => e.event === 'home') && Date.now() < deadline) {
    await sleep(20);
  }
  await load.stop();
  const after = events.filter((e) => e.at >= killedAt);
  const home = after.find((e) => e.event === 'home');
  console.log(`restart empty: home ${home ? home.at - restartedAt : '-'} ms after the restart (${restartedAt - killedAt} ms after the kill); ${readsWhileDown} reads in the 500 ms it was down, ${load.reads} in all, ${load.errors.length} errors, ${load.wrong} wrong, `
    + `max ${load.maxLatency} ms; events ${after.map((e) => e.event).join(',')}`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(home?.payload).toEqual({ name: lab.name('replica1'), target: lab.nodes[1].hostname });
  // One new connection for the whole event: to the restarted node (refused attempts while it was down open none).
  expect(after.filter((e) => e.event === 'connect').map((e) => (e.payload as { target: string }).target)).toEqual([lab.nodes[1].hostname]);
});

test('a failover as ElastiCache and the updater do it: promoted node left at once, replica1 moved to the old primary, at most 2 new connections', async () => {
  const [a, b, c] = lab.nodes;
  const reader = newReader();
  const events = record(reader, ['connect', 'move', 'home', 'retire', 'fallback', 'fallback-end', 'role-check']);
  await reader.connect();
  const load = new Load((key) => reader.read((redis) => readWithRole(redis, key)), LOOPS, KEYS);
  await sleep(300);
  const failoverAt = Date.now();
  await b.command('REPLICAOF', 'NO', 'ONE');
  await a.command('REPLICAOF', b.ip, 6379);
  await c.command('REPLICAOF', b.ip, 6379);
  await sleep(300); // the notification and the updater's run
  lab.pointNames({ primary: b, replica1: a });
  const deadline = Date.now() + 3_000;
  while (!events.some((e) => e.event === 'home' && (e.payload as { target: string }).target === a.hostname) && Date.now() < deadline) {
    await sleep(20);
  }
  await sleep(300);
  await load.stop();
  const after = events.filter((e) => e.at >= failoverAt && e.event !== 'role-check');
  const connects = after.filter((e) => e.event === 'connect').map((e) => (e.payload as { target: string }).target);
  const left = load.lastOnPrimaryAt === 0 ? 0 : load.lastOnPrimaryAt - failoverAt;
  console.log(`failover: reads on a primary until ${left} ms after the promotion; new connections ${connects.length} (${connects.join(', ')}); `
    + `${load.reads} reads, ${load.errors.length} errors, ${load.wrong} wrong, p99 ${load.percentile(0.99)} ms, max ${load.maxLatency} ms; events ${after.map((e) => e.event).join(',')}`);
  expect(load.errors).toEqual([]);
  expect(load.wrong).toBe(0);
  expect(connects.length).toBeLessThanOrEqual(2);
  expect(after).toContainEqual(expect.objectContaining({ event: 'home', payload: { name: lab.name('replica1'), target: a.hostname } }));
});

test('tls: false reads over plain TCP from a replica', async () => {
  const [primaryIp, replicaIp] = [`${lab.subnet}.12`, `${lab.subnet}.13`];
  const start = (ip: string, ...extra: string[]) => spawn('setpriv', ['--pdeathsig', 'SIGKILL', 'redis-server', '--bind', ip, '--port', '6379',
    '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD, '--masterauth', PASSWORD, '--bind-source-addr', ip,
    '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--dir', lab.dir, '--dbfilename', `${ip}.rdb`, ...extra], { stdio: 'ignore' });
  const children = [start(primaryIp), start(replicaIp, '--replicaof', primaryIp, '6379')];
  try {
    lab.records.addresses.set(`node-p.${NODE_DOMAIN}`, primaryIp);
    lab.records.addresses.set(`node-q.${NODE_DOMAIN}`, replicaIp);
    lab.records.cnames.set(lab.name('plain1'), `node-q.${NODE_DOMAIN}`);
    lab.records.cnames.set(lab.name('plainprimary'), `node-p.${NODE_DOMAIN}`);
    // The writer retries (connection refused) until the server it just started listens.
    const writer = new StableWriter({ ...lab.clientOptions, name: lab.name('plainprimary'), tls: false, timeoutMs: 3_000 });
    await writer.write((redis) => redis.set('plain:k', 'plain value'));
    await writer.close();
    const reader = newReader({ names: [lab.name('plain1')], tls: false, timeoutMs: 3_000 });
    const deadline = Date.now() + 3_000;
    let served = await reader.read((redis) => readWithRole(redis, 'plain:k'));
    while (served.value === null && Date.now() < deadline) { // until the replica has the key
      await sleep(20);
      served = await reader.read((redis) => readWithRole(redis, 'plain:k'));
    }
    expect(served).toEqual({ value: 'plain value', role: 'slave' });
  } finally {
    children.forEach((child) => child.kill('SIGKILL'));
  }
});
