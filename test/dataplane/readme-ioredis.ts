import { promises as dns } from 'dns';
import Redis, { ReplyError } from 'ioredis';

const ROLE_CHECK_MS = 1_000; // each connection sends one ROLE per interval
const RETRY_MS = 30_000; // a command retries this long across a failover before its error reaches you

// Each command fails fast and nothing reconnects on its own: the classes below decide where to go.
const OPTIONS = { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000, commandTimeout: 2_000 };

/** A client on the node `name` points at now; TLS is verified against that node's own name. */
export async function connect(name: string): Promise<Redis> {
  const [node] = await dns.resolveCname(name);
  const redis = new Redis({ ...OPTIONS, host: node, port: 6379, password: process.env.AUTH_TOKEN, tls: { servername: node } });
  redis.on('error', () => undefined); // failed commands reject on their own
  await redis.connect();
  return redis;
}

async function onReplica(redis: Redis): Promise<boolean> {
  const [role, , , state] = await redis.role() as string[];
  return role === 'slave' && state === 'connected';
}

async function retrying<T>(attempt: () => Promise<T>, reset: () => void): Promise<T> {
  const deadline = Date.now() + RETRY_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = !(error instanceof ReplyError) || /^(READONLY|LOADING)/.test((error as Error).message);
      if (!retryable || Date.now() > deadline) throw error;
      reset();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Reads from a replica: its own name's node while that is a replica, else another name's, else the primary. */
export class StableReader {
  name?: string; // the name it reads through now
  private redis?: Redis;
  private checkedAt = 0;

  constructor(private readonly own: string, private readonly names: string[]) {}

  read<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    return retrying(async () => command(await this.client()), () => this.use());
  }

  private async client(): Promise<Redis> {
    if (this.redis && Date.now() - this.checkedAt < ROLE_CHECK_MS) return this.redis;
    this.checkedAt = Date.now();
    const ok = this.redis ? await onReplica(this.redis).catch(() => false) : false;
    if (!ok || this.name !== this.own) await this.move(ok);
    if (this.redis?.status !== 'ready') this.use(this.own, await connect(this.own)); // no replica anywhere: read from the primary
    return this.redis!;
  }

  // Its own name first, then (if its node is not a good replica) the others; DNS need not have moved the names yet.
  private async move(currentOk: boolean): Promise<void> {
    for (const name of currentOk ? [this.own] : [this.own, ...this.names.filter((other) => other !== this.own)]) {
      const redis = await connect(name).catch(() => undefined);
      if (redis && await onReplica(redis).catch(() => false)) return this.use(name, redis);
      redis?.disconnect();
    }
  }

  private use(name?: string, redis?: Redis): void {
    if (this.redis !== redis) this.redis?.disconnect();
    [this.name, this.redis] = [name, redis];
  }
}

/** Writes through primary.<zone>: on a node that is not (or no longer) the primary it reconnects and retries. */
export class StableWriter {
  private redis?: Redis;

  constructor(private readonly name: string) {}

  write<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    return retrying(async () => command(this.redis ??= await this.connectPrimary()), () => {
      this.redis?.disconnect();
      this.redis = undefined;
    });
  }

  private async connectPrimary(): Promise<Redis> {
    const redis = await connect(this.name);
    if ((await redis.role())[0] === 'master') return redis;
    redis.disconnect();
    throw new Error(`${this.name} is not on a primary yet`);
  }
}
