/** StableWriter against real redis-server nodes (TLS, AUTH) and a DNS server, with 50 concurrent writers. */
import { StableRedisError, StableWriter } from '../src';
import type { StableWriterOptions } from '../src';
import { Lab, sleep } from './lab';

const LOOPS = 50;

let lab: Lab;
const writers: StableWriter[] = [];

beforeAll(async () => {
  lab = await Lab.start();
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(async () => {
  await Promise.all(writers.splice(0).map((writer) => writer.close()));
  await lab.reset();
});

function newWriter(options: Partial<StableWriterOptions> = {}): StableWriter {
  const writer = new StableWriter({ name: lab.name('primary'), ...lab.clientOptions, ...options });
  writers.push(writer);
  return writer;
}

async function failure(promise: Promise<unknown>): Promise<{ error: StableRedisError; ms: number }> {
  const startedAt = Date.now();
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(StableRedisError);
  return { error: error as StableRedisError, ms: Date.now() - startedAt };
}

test('bad input fails at once: no name, a name that is not a CNAME, a wrong password', async () => {
  expect(() => new StableWriter({ name: '' })).toThrow(/name: received ""/);
  const notCname = await failure(newWriter({ name: lab.nodes[0].hostname }).write((r) => r.set('k', 'v')));
  expect(notCname.error.code).toBe('NOT_A_CNAME');
  const wrongPassword = await failure(newWriter({ password: 'wrong' }).write((r) => r.set('k', 'v')));
  expect(wrongPassword.error.code).toBe('AUTH_FAILED');
  console.log(`writer: not a CNAME failed in ${notCname.ms} ms, wrong password in ${wrongPassword.ms} ms`);
  expect(Math.max(notCname.ms, wrongPassword.ms)).toBeLessThan(1_000);
});

test('an RBAC user without +role fails at once, with NO_PERMISSION; with +role it writes', async () => {
  const users = [['lab-no-role', '+@read', '+@write'], ['lab-writer', '+@read', '+@write', '+role']];
  for (const [user, ...commands] of users) {
    await lab.nodes[0].command('ACL', 'SETUSER', user, 'reset', 'on', '>lab-user-pass', '~*', ...commands);
  }
  try {
    const denied = await failure(newWriter({ username: 'lab-no-role', password: 'lab-user-pass' }).write((r) => r.set('w:rbac', 'v')));
    expect(denied.error.code).toBe('NO_PERMISSION');
    expect(denied.error.message).toContain('+role');
    console.log(`writer: RBAC user without +role failed in ${denied.ms} ms (budget 15000 ms)`);
    expect(denied.ms).toBeLessThan(1_000);
    expect(await newWriter({ username: 'lab-writer', password: 'lab-user-pass' }).write((r) => r.set('w:rbac', 'v'))).toBe('OK');
  } finally {
    await lab.nodes[0].command('ACL', 'DELUSER', ...users.map(([user]) => user));
  }
});

test('writes reach the primary; Redis errors such as WRONGTYPE pass through unchanged, without a retry', async () => {
  const writer = newWriter();
  const connects: unknown[] = [];
  writer.on('connect', (event) => connects.push(event));
  expect(await writer.write((redis) => redis.set('w:plain', 'v'))).toBe('OK');
  let runs = 0;
  const error = await writer.write((redis) => {
    runs++;
    return redis.lpush('w:plain', 'x');
  }).catch((caught: Error) => caught);
  expect((error as Error).name).toBe('ReplyError');
  expect((error as Error).message).toMatch(/^WRONGTYPE/);
  expect(runs).toBe(1);
  expect(connects).toEqual([expect.objectContaining({ target: lab.nodes[0].hostname, role: 'master' })]);
});

test('a blocking command, which would stall every writer sharing the connection, is refused at once', async () => {
  const writer = newWriter();
  const startedAt = Date.now();
  const error = await writer.write((redis) => redis.blpop('w:queue', 1)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StableRedisError);
  expect((error as StableRedisError).code).toBe('UNSUPPORTED_COMMAND');
  expect((error as StableRedisError).message).toMatch(/^BLPOP /);
  expect(Date.now() - startedAt).toBeLessThan(500);
  expect(await writer.write((redis) => redis.lpush('w:queue', 'job'))).toBe(1);
  expect(await writer.write((redis) => redis.lpop('w:queue'))).toBe('job');
});

test('failover under 50 concurrent writers: READONLY and dropped connections are retried onto the new primary, no errors', async () => {
  const writer = newWriter();
  const events: string[] = [];
  writer.on('connect', (event) => events.push(`connect ${event.target}`));
  writer.on('retire', (event) => events.push(`retire ${event.target}`));
  await writer.connect();
  const [a, b] = [lab.nodes[0], lab.nodes[1]];
  const before = [await lab.connectionsReceived(a), await lab.connectionsReceived(b)];
  let running = true;
  let writes = 0;
  let slowest = 0;
  const errors: unknown[] = [];
  const loops = Promise.all(Array.from({ length: LOOPS }, async (_, index) => {
    for (let n = 0; running; n++) {
      const startedAt = Date.now();
      try {
        await writer.write((redis) => redis.set(`w:${index}`, String(n)));
        writes++;
        slowest = Math.max(slowest, Date.now() - startedAt);
      } catch (error) {
        errors.push(error);
      }
    }
  }));
  await sleep(300);
  // The failover: b promoted, a demoted to its replica (it then answers writes with READONLY), the name moved 500 ms later.
  const failoverAt = Date.now();
  await b.command('REPLICAOF', 'NO', 'ONE');
  await a.command('REPLICAOF', b.ip, 6379);
  await sleep(500);
  lab.pointNames({ primary: b });
  await sleep(700);
  running = false;
  await loops;
  const after = [await lab.connectionsReceived(a), await lab.connectionsReceived(b)];
  const lastOnB = Number(await b.command('GET', 'w:0'));
  console.log(`writer failover: ${writes} writes, ${errors.length} errors, slowest ${slowest} ms (name moved ${500} ms after the promotion); `
    + `connections received by a/b ${after[0] - before[0]}/${after[1] - before[1]}; events ${events.join(', ')}; ${Date.now() - failoverAt} ms`);
  expect(errors).toEqual([]);
  expect(slowest).toBeLessThan(2_000);
  expect(lastOnB).toBeGreaterThan(0);
  // The new primary received two: the writer's one, and its new replica's replication link.
  expect(after[1] - before[1]).toBe(2);
  expect(events.filter((event) => event.startsWith('connect'))).toEqual([`connect ${a.hostname}`, `connect ${b.hostname}`]);
});

test('the budget bounds every write: a name that never leads to a primary times out on time, on one connection', async () => {
  lab.pointNames({ primary: lab.nodes[2] });
  const replica = lab.nodes[2];
  const before = await lab.connectionsReceived(replica);
  const { error, ms } = await failure(newWriter({ timeoutMs: 800 }).write((r) => r.set('k', 'v')));
  const opened = await lab.connectionsReceived(replica) - before - 1; // minus the lab's own INFO connection if it reconnected
  console.log(`writer budget 800 ms: ${ms} ms, ${error.message}; connections opened ${Math.max(0, opened)}`);
  expect(error.code).toBe('TIMEOUT');
  expect(error.message).toMatch(/not the primary/);
  expect(ms).toBeGreaterThanOrEqual(790);
  expect(ms).toBeLessThan(1_000);
  expect(opened).toBeLessThanOrEqual(1);
});
