/**
 * The ioredis client runner: runs the README's code (readme-ioredis.ts) or the old README code
 * (legacy-ioredis.ts) as an application would, and prints one JSON line per read and write.
 * Bundled by esbuild and started under `unshare` so the system resolver reaches the lab DNS.
 */
import Redis from 'ioredis';
import type { ClientConfig, ClientEvent } from './client-config';
import { connectReader } from './legacy-ioredis';
import { connect, StableReader, StableWriter } from './readme-ioredis';

const config: ClientConfig = JSON.parse(process.env.LAB_CLIENT_CONFIG!);
const emit = (event: ClientEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error as Error)?.message ?? String(error);
// The lab stops a runner by closing its stdin; it also dies with the lab that way.
process.stdin.on('end', () => process.exit(0)).resume();

/** GET and ROLE on one connection, so the role is that of the node that served the read. */
async function readWithRole(redis: Redis): Promise<{ role: string; host?: string }> {
  const [, role] = await Promise.all([redis.get(config.readKey), redis.role()]);
  return { role: String(role[0]), host: redis.options.host };
}

async function recipeReader(own: string): Promise<void> {
  const reader = new StableReader(own, [...config.names]);
  for (;;) {
    try {
      const served = await reader.read(readWithRole);
      emit({ e: 'read', t: Date.now(), reader: own, name: reader.name, ...served });
    } catch (error) {
      emit({ e: 'read-error', t: Date.now(), reader: own, error: message(error) });
    }
    await sleep(config.readIntervalMs);
  }
}

// As the old README said: on a dropped connection, call connectReader again.
async function legacyReader(own: string): Promise<void> {
  let redis: Redis | undefined;
  for (;;) {
    try {
      redis ??= await connectReader(own);
      emit({ e: 'read', t: Date.now(), reader: own, name: own, ...await readWithRole(redis) });
    } catch (error) {
      emit({ e: 'read-error', t: Date.now(), reader: own, error: message(error) });
      redis?.disconnect();
      redis = undefined;
    }
    await sleep(config.readIntervalMs);
  }
}

async function recipeWriter(name: string): Promise<void> {
  const writer = new StableWriter(name);
  for (let seq = 1; ; seq++) {
    try {
      await writer.write((redis) => redis.set(`${config.writePrefix}${seq}`, String(seq)));
      emit({ e: 'write', t: Date.now(), seq });
    } catch (error) {
      emit({ e: 'write-error', t: Date.now(), seq, error: message(error) });
    }
    await sleep(config.writeIntervalMs);
  }
}

/** Connecting through the stable name with hostname verification must fail; through its target (the recipe) must work. */
async function tlsCheck(name: string): Promise<void> {
  const direct = new Redis({
    host: name, port: 6379, password: process.env.AUTH_TOKEN, tls: { servername: name }, lazyConnect: true, retryStrategy: () => null,
  });
  // The TLS error comes as an 'error' event; connect() then only says the connection closed.
  let tlsError: NodeJS.ErrnoException | undefined;
  direct.on('error', (error) => tlsError ??= error);
  try {
    await direct.connect();
    await direct.ping();
    emit({ e: 'tls', via: 'stable-name', ok: true });
  } catch (error) {
    emit({ e: 'tls', via: 'stable-name', ok: false, error: tlsError?.code ?? (error as NodeJS.ErrnoException).code ?? message(error) });
  } finally {
    direct.disconnect();
  }
  try {
    const viaTarget = await connect(name);
    await viaTarget.ping();
    viaTarget.disconnect();
    emit({ e: 'tls', via: 'target', ok: true });
  } catch (error) {
    emit({ e: 'tls', via: 'target', ok: false, error: (error as NodeJS.ErrnoException).code ?? message(error) });
  }
}

async function main(): Promise<void> {
  if (config.mode === 'tls') {
    await tlsCheck(config.readers[0]);
    process.exit(0);
  }
  const readers = config.readers.map((own) => (config.code === 'recipe' ? recipeReader(own) : legacyReader(own)));
  const writers = config.writer && config.code === 'recipe' ? [recipeWriter(config.writer)] : [];
  await Promise.all([...readers, ...writers]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
