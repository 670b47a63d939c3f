/**
 * The client packages as users install them: the Node package from the tarball `npm pack` makes, the Python
 * package from its wheel. Built from a copy of clients/ in a scratch directory, so a read-only checkout works.
 * `LAB_NODE_CLIENT_TARBALL` / `LAB_PYTHON_CLIENT_WHEEL` use artifacts built elsewhere (the release build) instead.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SYSTEM_PYTHON } from './client-runner';

const REPO = path.join(__dirname, '../..');
const NODE_MODULES = path.join(REPO, 'node_modules');

export interface InstalledClients {
  /** NODE_PATH for a runner: the installed package (and its ioredis peer), then the repository's modules (GLIDE). */
  readonly nodePath: string;
  /** PYTHONPATH for a runner: the unpacked wheel. */
  readonly pythonPath: string;
  /** Where each came from, for reports. */
  readonly nodeFrom: string;
  readonly pythonFrom: string;
}

const run = (command: string, args: string[], cwd?: string) => execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf-8' });

function copyWithout(from: string, to: string, skip: readonly string[]): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true, filter: (source) => !skip.includes(path.basename(source)) });
}

/** Compiles clients/node and packs it with npm, as a release does; returns the tarball. */
function packNode(dir: string): string {
  const source = path.join(dir, 'node-src');
  copyWithout(path.join(REPO, 'clients/node'), source, ['node_modules', 'dist']);
  fs.symlinkSync(NODE_MODULES, path.join(source, 'node_modules'));
  run(process.execPath, [path.join(NODE_MODULES, 'typescript/bin/tsc'), '-p', source, '--typeRoots', path.join(NODE_MODULES, '@types')]);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--offline', '--pack-destination', dir], source));
  return path.join(dir, packed[0].filename);
}

/** Builds the wheel of clients/python with Debian's build frontend, offline. */
function buildWheel(dir: string): string {
  const source = path.join(dir, 'py-src');
  copyWithout(path.join(REPO, 'clients/python'), source, ['build', 'dist', '__pycache__', '.pytest_cache']);
  const out = path.join(dir, 'wheel');
  fs.rmSync(out, { recursive: true, force: true });
  run(SYSTEM_PYTHON, ['-m', 'build', '--no-isolation', '--skip-dependency-check', '--wheel', '--outdir', out, source]);
  return path.join(out, fs.readdirSync(out).find((name) => name.endsWith('.whl'))!);
}

export function installPackagedClients(dir: string): InstalledClients {
  fs.mkdirSync(dir, { recursive: true });
  const tarball = process.env.LAB_NODE_CLIENT_TARBALL ?? packNode(dir);
  const modules = path.join(dir, 'node_modules');
  const installed = path.join(modules, 'redis-stable-readers');
  fs.rmSync(modules, { recursive: true, force: true });
  fs.mkdirSync(installed, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  // The peer dependency, as the application would have it.
  fs.symlinkSync(path.join(NODE_MODULES, 'ioredis'), path.join(modules, 'ioredis'));

  const wheel = process.env.LAB_PYTHON_CLIENT_WHEEL ?? buildWheel(dir);
  const site = path.join(dir, 'py-site');
  fs.rmSync(site, { recursive: true, force: true });
  run(SYSTEM_PYTHON, ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', wheel, site]);
  return {
    nodePath: [modules, NODE_MODULES].join(path.delimiter),
    pythonPath: site,
    nodeFrom: `${path.basename(tarball)} (npm pack${process.env.LAB_NODE_CLIENT_TARBALL ? ', given' : ' of clients/node'})`,
    pythonFrom: `${path.basename(wheel)} (${process.env.LAB_PYTHON_CLIENT_WHEEL ? 'given' : 'python -m build of clients/python'})`,
  };
}
