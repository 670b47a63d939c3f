/**
 * The npm tarball: built from src, holding the compiled code, its types, README, CHANGELOG and LICENSE
 * and nothing else, and usable once installed (offline; ioredis, the peer dependency, comes from the
 * repository's node_modules through a symlink).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PACKAGE_DIR = path.join(__dirname, '..');
const REPO_ROOT = path.join(PACKAGE_DIR, '..', '..');

let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stable-readers-pack-'));
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', PACKAGE_DIR], { stdio: 'pipe' });
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

test('npm pack holds dist JS and types, README, CHANGELOG, LICENSE; it installs and loads offline', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: PACKAGE_DIR, encoding: 'utf-8' }))[0];
  const files = (packed.files as Array<{ path: string }>).map((file) => file.path).sort();
  expect(files.filter((file) => !file.startsWith('dist/'))).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
  expect(files.filter((file) => file.startsWith('dist/')).every((file) => /^dist\/[a-z-]+\.(js|d\.ts)$/.test(file))).toBe(true);
  expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/reader.js', 'dist/writer.d.ts']));

  const app = path.join(work, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', '--no-save', path.join(work, packed.filename)],
    { cwd: app, stdio: 'pipe' });
  // After the install, which would prune a package the app's package.json does not name.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', 'ioredis'), path.join(app, 'node_modules', 'ioredis'));
  const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'redis-stable-readers', 'package.json'), 'utf-8'));
  expect(installed).toMatchObject({ name: 'redis-stable-readers', version: '0.1.0', peerDependencies: { ioredis: '^5' } });
  expect(installed.dependencies).toBeUndefined();

  // Loads in a plain Node.js process, with its errors as documented.
  const script = `
    const { StableReader, StableWriter, StableRedisError, DEFAULT_TIMEOUT_MS } = require('redis-stable-readers');
    let badOption;
    try { new StableReader({ names: [] }); } catch (error) { badOption = error instanceof StableRedisError && error.code; }
    const writer = new StableWriter({ name: 'primary.cache.example.internal' });
    console.log(JSON.stringify({ reader: typeof StableReader, writer: writer.name, badOption, DEFAULT_TIMEOUT_MS }));
    writer.close();`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf-8' });
  expect(JSON.parse(out)).toEqual({ reader: 'function', writer: 'primary.cache.example.internal', badOption: 'BAD_OPTION', DEFAULT_TIMEOUT_MS: 15_000 });

  // Its types serve a TypeScript application.
  fs.writeFileSync(path.join(app, 'use.ts'), [
    "import { StableReader, StableReaderOptions } from 'redis-stable-readers';",
    "const options: StableReaderOptions = { names: ['replica1.x'], timeoutMs: 5_000 };",
    'const reader = new StableReader(options);',
    "reader.on('move', (event) => console.log(event.name, event.from, event.to));",
    "export const read: Promise<string | null> = reader.read((redis) => redis.get('k'));",
  ].join('\n'));
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'node16',
    '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(REPO_ROOT, 'node_modules', '@types'), 'use.ts'], { cwd: app, stdio: 'pipe' });
});
