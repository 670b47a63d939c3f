// The README's use snippet: one reader and one writer per process, shared by every request handler.
import { StableReader, StableWriter } from 'redis-stable-readers';

// REPLICA_HOSTNAMES: the stable replica names, comma-separated; PRIMARY_HOSTNAME: primary.<zone>.
export const reader = new StableReader({ names: process.env.REPLICA_HOSTNAMES!.split(','), password: process.env.AUTH_TOKEN });
export const writer = new StableWriter({ name: process.env.PRIMARY_HOSTNAME!, password: process.env.AUTH_TOKEN });

export async function example(): Promise<string | null> {
  await writer.write((redis) => redis.set('key', 'value'));
  return reader.read((redis) => redis.get('key'));
}
