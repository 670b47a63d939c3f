/**
 * The Node shared-reader runner (shared-config.ts): one reader object, `loops` concurrent loops, each reading
 * its own key with GET and ROLE on one connection. Runs the packaged client (`redis-stable-readers`, from the
 * NODE_PATH the lab installs its tarball into), the README's old code, or Valkey GLIDE.
 * Bundled by esbuild (the package and GLIDE stay external) and started with the lab's resolv.conf.
 */
import * as fs from 'fs';
import Redis from 'ioredis';
import { StableReader as ReadmeReader } from './readme-ioredis';
import { expectedValue, ReadRecord, SharedClientConfig, SharedEvent } from './shared-config';

const config: SharedClientConfig = JSON.parse(process.env.LAB_CLIENT_CONFIG!);
const password = process.env.AUTH_TOKEN!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error as Error)?.message ?? String(error);
const emit = (event: SharedEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
// The lab stops a runner by closing its stdin; it also dies with the lab that way.
process.stdin.on('end', () => {
  flush();
  process.exit(0);
}).resume();

let batch: ReadRecord[] = [];
const counters: Record<string, number> = {};
const count = (name: string) => counters[name] = (counters[name] ?? 0) + 1;
let reported = { errors: 0, wrong: 0 };
function flush(): void {
  if (batch.length > 0) {
    emit({ e: 'reads', r: batch });
    batch = [];
  }
}
setInterval(flush, 100).unref();
setInterval(() => emit({ e: 'stats', t: Date.now(), counters }), 250).unref();

/** One read: the value of `key` and the role of the node that served it (undefined when the client cannot say). */
type Read = (key: string) => Promise<{ value: string | null; role?: string }>;

async function loop(index: number, read: Read): Promise<void> {
  const key = `${config.keyPrefix}${index}`;
  const expected = expectedValue(config, index);
  // Spread the loops over one interval, as independent requests arrive.
  await sleep((config.readIntervalMs * index) / config.loops);
  for (;;) {
    const started = performance.now();
    try {
      const { value, role } = await read(key);
      const t = Date.now();
      if (value !== expected) {
        batch.push([t, index, Math.round(performance.now() - started), 'w']);
        if (reported.wrong++ < 20) emit({ e: 'wrong', t, loop: index, got: String(value) });
      } else {
        batch.push([t, index, Math.round((performance.now() - started) * 100) / 100, role === undefined ? 'v' : role === 'master' ? 'm' : 's']);
      }
    } catch (error) {
      const t = Date.now();
      batch.push([t, index, Math.round(performance.now() - started), 'x']);
      if (reported.errors++ < 20) emit({ e: 'error', t, loop: index, error: message(error) });
    }
    await sleep(config.readIntervalMs);
  }
}

/** The packaged client: `reader.read(fn)` runs fn's commands on one node. */
async function packageReader(): Promise<Read> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StableReader, DEFAULT_TIMEOUT_MS } = require('redis-stable-readers');
  const reader = new StableReader({ names: config.names, password });
  // Every event the reader emits is counted (connect, move, fallback, home, ...), without knowing their names.
  const emitEvent = reader.emit.bind(reader);
  reader.emit = (name: string, ...args: unknown[]) => {
    count(`event:${name}`);
    return emitEvent(name, ...args);
  };
  reader.on('error', () => undefined);
  // The lab gives no timeoutMs: the default budget is what applications get.
  emit({ e: 'budget', ms: DEFAULT_TIMEOUT_MS });
  return async (key) => {
    const [value, role] = await reader.read((redis: Redis) => Promise.all([redis.get(key), redis.role()])) as [string | null, unknown[]];
    return { value, role: String(role[0]) };
  };
}

/** The README's old code, shared: one StableReader (its own name replica1) for every loop. */
function readmeReader(): Read {
  const connect = Redis.prototype.connect;
  Redis.prototype.connect = function countedConnect(this: Redis, ...args: Parameters<Redis['connect']>) {
    count('connections');
    return connect.apply(this, args);
  };
  emit({ e: 'budget', ms: 30_000 });
  const reader = new ReadmeReader(config.names[0], [...config.names]);
  return async (key) => {
    const [value, role] = await reader.read((redis) => Promise.all([redis.get(key), redis.role()]));
    return { value, role: String(role[0]) };
  };
}

/**
 * GLIDE's standalone client, given primary.<zone> and the replica names. It cannot verify TLS through the stable
 * names (the certificate names the nodes), so certificate checks are off, as a user of these names would have to.
 * Which node served a read is not visible to it: the lab counts GETs per node on the servers instead.
 */
async function glideReader(): Promise<Read> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GlideClient } = require('@valkey/valkey-glide');
  const requestTimeout = 2_000;
  emit({ e: 'budget', ms: requestTimeout });
  const client = await GlideClient.createClient({
    addresses: [config.primaryName, ...config.names].map((host) => ({ host, port: 6379 })),
    useTLS: true,
    credentials: { password },
    readFrom: 'preferReplica',
    requestTimeout,
    advancedConfiguration: { tlsAdvancedConfiguration: { insecure: true } },
  });
  count('clients');
  return async (key) => {
    const value = await client.get(key);
    return { value: value === null ? null : String(value) };
  };
}

async function main(): Promise<void> {
  const read = config.kind === 'node-package' ? await packageReader()
    : config.kind === 'node-glide' ? await glideReader()
      : readmeReader();
  await Promise.all(Array.from({ length: config.loops }, (_, index) => loop(index, read)));
}

main().catch((error) => {
  fs.writeSync(2, `${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
