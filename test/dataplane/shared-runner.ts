/** Starts a shared-reader client process (shared-node.ts, shared_py.py) with the lab's resolver and collects what it prints. */
import { ChildProcess } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { SYSTEM_PYTHON } from './client-runner';
import type { InstalledClients } from './packaged-clients';
import { spawnWithResolvConf } from './privilege';
import type { ReadRecord, SharedClientConfig, SharedEvent } from './shared-config';
import { drain, OutputTail, stopChild, withTail } from '../e2e/child-process';

/** Bundles the Node runner; the package under test, its ioredis peer and GLIDE stay outside, found through NODE_PATH. */
export function bundleSharedNodeRunner(outfile: string): string {
  buildSync({
    entryPoints: [path.join(__dirname, 'shared-node.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'error',
    external: ['redis-stable-readers', 'ioredis', '@valkey/valkey-glide'],
  });
  return outfile;
}

export interface SharedRunnerOptions {
  readonly config: SharedClientConfig;
  readonly resolvConf: string;
  readonly caFile: string;
  readonly password: string;
  readonly nodeBundle: string;
  readonly installed: InstalledClients;
}

export class SharedRunner {
  static start(options: SharedRunnerOptions): SharedRunner {
    const python = options.config.kind.startsWith('python');
    const command = python ? [SYSTEM_PYTHON, path.join(__dirname, 'shared_py.py')] : [process.execPath, options.nodeBundle];
    const child = spawnWithResolvConf(options.resolvConf, command, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: os.userInfo().homedir,
      LAB_CLIENT_CONFIG: JSON.stringify(options.config),
      AUTH_TOKEN: options.password,
      // The lab CA, trusted as a system CA would be (ElastiCache's is public, so applications pass none).
      NODE_EXTRA_CA_CERTS: options.caFile,
      SSL_CERT_FILE: options.caFile,
      NODE_PATH: options.installed.nodePath,
      PYTHONPATH: options.installed.pythonPath,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    });
    return new SharedRunner(options.config, child);
  }

  readonly reads: ReadRecord[] = [];
  readonly errors: Array<Extract<SharedEvent, { e: 'error' }>> = [];
  readonly wrong: Array<Extract<SharedEvent, { e: 'wrong' }>> = [];
  readonly stats: Array<Extract<SharedEvent, { e: 'stats' }>> = [];
  budgetMs?: number;
  /** How the process ended before the lab stopped it (a crash), if it did. */
  crashed?: string;
  private stopping = false;
  private readonly stderrTail: OutputTail;
  private partial = '';

  private constructor(readonly config: SharedClientConfig, private readonly child: ChildProcess) {
    this.stderrTail = drain(child, [child.stderr!]);
    child.once('exit', (code, signal) => {
      if (!this.stopping) {
        this.crashed = signal ? `killed by ${signal}` : `exited with code ${code}`;
      }
    });
    child.stdout!.setEncoding('utf-8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        this.take(line);
      }
    });
  }

  get label(): string {
    return `${this.config.kind} ×${this.config.loops}`;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  output(): string {
    return withTail(`${this.label} stderr`, this.stderrTail());
  }

  /**
   * Waits until every loop has read its own value from a replica (or, for GLIDE, at all); fails if the process exits
   * (unless `mayCrash`: then the crash is what is measured) or time runs out.
   */
  async waitUntilEveryLoopRead(timeoutMs: number, mayCrash = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const good = new Set<number>();
    let seen = 0;
    for (;;) {
      for (; seen < this.reads.length; seen++) {
        const [, loop, , outcome] = this.reads[seen];
        if (outcome === 's' || outcome === 'v') good.add(loop);
      }
      if (good.size === this.config.loops || (mayCrash && this.crashed !== undefined)) return;
      if (this.exited || Date.now() > deadline) {
        throw new Error(`${this.label}: ${this.exited ? `exited (${this.crashed})` : `only ${good.size} of ${this.config.loops} loops read from a replica within ${timeoutMs} ms`}`
          + `${this.errors[0] ? `; first error: ${this.errors[0].error}` : ''}${this.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The client's own counters as last reported at or before `t` (cumulative). */
  countersAt(t: number): Record<string, number> {
    return [...this.stats].reverse().find((entry) => entry.t <= t)?.counters ?? {};
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.child.stdin!.end();
    await stopChild(this.child, 3_000);
  }

  private take(line: string): void {
    if (line.trim().length === 0) return;
    let event: SharedEvent;
    try {
      event = JSON.parse(line);
    } catch {
      return; // not an event
    }
    switch (event.e) {
      case 'reads': this.reads.push(...event.r); break;
      case 'error': this.errors.push(event); break;
      case 'wrong': this.wrong.push(event); break;
      case 'stats': this.stats.push(event); break;
      case 'budget': this.budgetMs = event.ms; break;
    }
  }
}
