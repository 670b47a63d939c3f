/**
 * The lab's two privileged steps, run as root directly or through `sudo -n` for a normal user (GitHub's
 * `runner` has passwordless sudo): a client's private /etc/resolv.conf (a mount namespace) and the DNS
 * port 53. Everything else (nodes, DNS server, updater, clients themselves) runs as the user.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';

export const IS_ROOT = process.getuid?.() === 0;

/** What the lab needs to become root for a moment, or undefined when it has it. */
export function missingPrivilege(): string | undefined {
  if (IS_ROOT) {
    return undefined;
  }
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'sudo is not installed' : 'sudo -n asks for a password';
    return `root or passwordless sudo (${reason}): each client gets its own /etc/resolv.conf in a mount namespace, `
      + `and the lab DNS answers on port 53 (running as ${os.userInfo().username})`;
  }
}

/**
 * Starts `command` with `resolvConf` bind-mounted over /etc/resolv.conf for it alone, so the system
 * resolver (glibc, c-ares) asks the lab DNS. Only `unshare` and `mount` run as root: the command itself
 * runs as the calling user (setpriv), with exactly `env` (sudo would reset it anyway).
 */
export function spawnWithResolvConf(resolvConf: string, command: readonly string[], env: Record<string, string>): ChildProcess {
  const { uid, gid } = os.userInfo();
  const dropToUser = IS_ROOT ? '' : `setpriv --reuid=${uid} --regid=${gid} --init-groups `;
  const inner = [
    'unshare', '--mount', 'sh', '-c', `mount --bind "$0" /etc/resolv.conf && exec ${dropToUser}"$@"`, resolvConf, ...command,
  ];
  const withEnv = ['env', '-i', ...Object.entries(env).map(([name, value]) => `${name}=${value}`), ...inner];
  // As root the kernel kills the client when the lab dies. Through sudo it cannot (sudo is its parent, and a
  // parent-death signal does not survive a change of user): there the client exits when its stdin closes.
  const argv = IS_ROOT ? ['setpriv', '--pdeathsig', 'SIGKILL', ...withEnv] : ['sudo', '-n', ...withEnv];
  return spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Port 53 for a normal user: a forwarder started with sudo binds `<ip>:53` (UDP), drops to the user at once and
 * relays each query to the lab DNS on `upstreamPort`. Chosen over lowering `ip_unprivileged_port_start`
 * (a machine-wide setting that outlives the lab) and over a resolv.conf port (glibc has none): root is held
 * for one bind, and the lab's own DNS server (with its switches) stays an ordinary process.
 * It exits when its stdin closes, that is with the lab.
 */
export function startPort53Forwarder(ip: string, upstreamPort: number): ChildProcess {
  const { uid, gid } = os.userInfo();
  return spawn('sudo', ['-n', '/usr/bin/python3', path.join(__dirname, 'dns_forwarder.py'), ip, String(upstreamPort), String(uid), String(gid)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
