import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import Redis from 'ioredis';
import type { LabCertificates } from './certificates';
import { drain, OutputTail, stopChild, withTail } from '../e2e/child-process';

/** The port every node listens on, TLS only, as ElastiCache's default. */
export const REDIS_PORT = 6379;

/** Where a node runs and how it is reached. */
export interface RedisNodeOptions {
  /** Its own loopback address. */
  readonly ip: string;
  /** Its name in the node domain: what the certificate covers and what TLS is verified against. */
  readonly hostname: string;
  readonly password: string;
  readonly certificates: LabCertificates;
  /** Working directory (no persistence is written; Redis still wants one). */
  readonly dir: string;
}

/**
 * One `redis-server` as ElastiCache runs it: TLS only, AUTH, TLS replication, no persistence
 * (a restarted node comes back empty and syncs from its primary, as a replaced node does).
 */
export class RedisNode {
  private child?: ChildProcess;
  private output?: OutputTail;
  private admin?: Redis;
  /** The lab's own connections to this node, in its current life. */
  private adminConnects = 0;
  /** Client connections counted in earlier lives of this node (a killed node's counters start again at 0). */
  private earlierLives = 0;
  private lastCount = 0;

  constructor(readonly options: RedisNodeOptions) {}

  get ip(): string {
    return this.options.ip;
  }

  get hostname(): string {
    return this.options.hostname;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server, as a replica of `primary` when given, and waits until it answers. */
  async start(primary?: RedisNode): Promise<void> {
    const { ip, password, certificates, dir } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    const args = [
      '--bind', ip, '--port', '0', '--tls-port', String(REDIS_PORT),
      '--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile, '--tls-ca-cert-file', certificates.caFile,
      '--tls-replication', 'yes', '--tls-auth-clients', 'no',
      '--requirepass', password, '--masterauth', password,
      // Without it a replica reaches its primary from 127.0.0.1, not from its own address.
      '--bind-source-addr', ip,
      // Redis otherwise waits 5 s before a diskless full sync.
      '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
      // DEBUG POPULATE fills a primary for a full resync that takes a moment (loopback only).
      '--enable-debug-command', 'local',
      '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', '--daemonize', 'no',
      ...(primary ? ['--replicaof', primary.ip, String(REDIS_PORT)] : []),
    ];
    // The kernel kills the server when the process that started it dies, so nothing outlives the lab.
    this.child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', 'redis-server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = drain(this.child, [this.child.stdout!, this.child.stderr!]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.command('PING');
        return;
      } catch (error) {
        if (!this.running || Date.now() > deadline) {
          throw new Error(`redis-server on ${ip} did not start: ${String(error)}${withTail('Its output ends with', this.output())}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Kills the server at once, as a failed node goes. */
  async kill(): Promise<void> {
    await this.clientConnections().catch(() => undefined);
    this.earlierLives = this.lastCount;
    this.adminConnects = 0;
    this.dropAdmin();
    if (this.child) {
      const exited = new Promise((resolve) => this.child!.once('exit', resolve));
      if (this.running) {
        this.child.kill('SIGKILL');
        await exited;
      }
    }
  }

  /** Stops the server gracefully (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    this.dropAdmin();
    if (this.child) {
      await stopChild(this.child, 2_000);
    }
  }

  /** Sends one command on the lab's own connection (verified against the node's hostname). */
  async command(...args: Array<string | number>): Promise<unknown> {
    this.admin ??= this.connectAdmin();
    const [name, ...rest] = args;
    try {
      return await this.admin.call(String(name), ...rest);
    } catch (error) {
      this.dropAdmin();
      throw error;
    }
  }

  /** `master` or `slave`, and for a replica its link state (`connected` once synced). */
  async role(): Promise<{ role: string; linkState?: string }> {
    const reply = await this.command('ROLE') as string[];
    return { role: reply[0], linkState: reply[0] === 'slave' ? reply[3] : undefined };
  }

  /**
   * Connections clients opened to this node so far, as the server counts them (INFO stats
   * total_connections_received), less the lab's own and the replicas' (each replica connection asks for one
   * sync, full or partial: sync_full + sync_partial_ok). Kept across restarts.
   */
  async clientConnections(): Promise<number> {
    const info = String(await this.command('INFO', 'stats'));
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const replication = field('sync_full') + field('sync_partial_ok');
    this.lastCount = this.earlierLives + field('total_connections_received') - this.adminConnects - replication;
    return this.lastCount;
  }

  /** Closes every normal client connection, as a node that drops them would. */
  async killClients(): Promise<void> {
    // The admin connection goes too; it reconnects on its next command.
    await this.command('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
    this.dropAdmin();
  }

  private connectAdmin(): Redis {
    const { ip, hostname, password, certificates } = this.options;
    this.adminConnects++;
    const admin = new Redis({
      host: ip,
      port: REDIS_PORT,
      password,
      tls: { servername: hostname, ca: fs.readFileSync(certificates.caFile) },
      lazyConnect: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: 5_000,
    });
    admin.on('error', () => undefined);
    return admin;
  }

  private dropAdmin(): void {
    this.admin?.disconnect();
    this.admin = undefined;
  }
}
