/**
 * The ioredis TLS check: connecting through a stable name with hostname verification must fail (the certificate
 * names the nodes), and through the name's CNAME target, as the README's old code (readme-ioredis.ts) and the
 * client package do, must pass. Prints one JSON line per attempt. Bundled by esbuild, run with the lab's resolv.conf.
 */
import Redis from 'ioredis';
import type { ClientConfig, ClientEvent } from './client-config';
import { connect } from './readme-ioredis';

const config: ClientConfig = JSON.parse(process.env.LAB_CLIENT_CONFIG!);
const emit = (event: ClientEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
const message = (error: unknown) => (error as Error)?.message ?? String(error);

async function main(): Promise<void> {
  const name = config.name;
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

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
