import { ChildProcess } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import type { ClientConfig, ClientEvent } from './client-config';
import { spawnWithResolvConf } from './privilege';
import { drain, OutputTail, stopChild, withTail } from '../e2e/child-process';

/** The client libraries the lab runs. */
export type ClientLanguage = 'ioredis' | 'redis-py';

/** Debian's interpreter, which has python3-redis (4.3) and python3-dnspython; `python3` on PATH may be another. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const PYTHON_RUNNER = path.join(__dirname, 'client_redis_py.py');

/** Bundles the ioredis TLS check (with the README code it imports) into one file a plain `node` runs. */
export function bundleIoredisRunner(outfile: string): string {
  buildSync({ entryPoints: [path.join(__dirname, 'client-ioredis.ts')], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'error' });
  return outfile;
}

export interface ClientRunnerOptions {
  readonly language: ClientLanguage;
  readonly config: ClientConfig;
  /** The lab's resolv.conf, bind-mounted over /etc/resolv.conf for this process only. */
  readonly resolvConf: string;
  /** The lab CA, trusted as a system CA would be (the README code passes no CA, as ElastiCache's is public). */
  readonly caFile: string;
  readonly password: string;
  /** From {@link bundleIoredisRunner}. */
  readonly ioredisBundle: string;
}

/**
 * One TLS check process. It runs with the lab's resolv.conf over /etc/resolv.conf (privilege.ts), so the
 * client code resolves names with the system resolver, unchanged. It exits when its stdin closes, so it
 * dies with the lab.
 */
export class ClientRunner {
  static start(options: ClientRunnerOptions): ClientRunner {
    const command = options.language === 'ioredis' ? [process.execPath, options.ioredisBundle] : [SYSTEM_PYTHON, PYTHON_RUNNER];
    const child = spawnWithResolvConf(options.resolvConf, command, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: os.userInfo().homedir,
      LAB_CLIENT_CONFIG: JSON.stringify(options.config),
      AUTH_TOKEN: options.password,
      NODE_EXTRA_CA_CERTS: options.caFile,
      SSL_CERT_FILE: options.caFile,
      PYTHONDONTWRITEBYTECODE: '1',
    });
    return new ClientRunner(options.language, options.config, child);
  }

  readonly events: ClientEvent[] = [];
  private readonly stderrTail: OutputTail;
  private partial = '';

  private constructor(readonly language: ClientLanguage, readonly config: ClientConfig, private readonly child: ChildProcess) {
    this.stderrTail = drain(child, [child.stderr!]);
    child.stdout!.setEncoding('utf-8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines.filter((candidate) => candidate.trim().length > 0)) {
        try {
          this.events.push(JSON.parse(line));
        } catch {
          // Not an event: kept with stderr for error messages.
        }
      }
    });
  }

  get label(): string {
    return `${this.language} TLS check`;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** What the process wrote to stderr, for error messages. */
  output(): string {
    return withTail(`${this.label} stderr`, this.stderrTail());
  }

  /** Waits until `done` holds for the events so far; fails if the process exits first or time runs out. */
  async waitFor(done: (events: readonly ClientEvent[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      if (this.exited || Date.now() > deadline) {
        throw new Error(`${this.label}: ${this.exited ? 'exited' : `no ${what} within ${timeoutMs} ms`}${this.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Closes stdin (the runner exits), then makes sure it is gone. */
  async stop(): Promise<void> {
    this.child.stdin!.end();
    await stopChild(this.child, 2_000);
  }
}
