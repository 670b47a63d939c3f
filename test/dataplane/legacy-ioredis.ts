// The README's ioredis code before the data-plane lab (commit eeb3cef), kept to show the lab catches what
// it gets wrong. Only `export` is added, so the client runner can call it.
import { promises as dns } from 'dns';
import Redis from 'ioredis';

export async function connectReader(name: string): Promise<Redis> {
  const [node] = await dns.resolveCname(name);
  return new Redis({ host: name, port: 6379, password: process.env.AUTH_TOKEN, tls: { servername: node }, retryStrategy: () => null });
}
