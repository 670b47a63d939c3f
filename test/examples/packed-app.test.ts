import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assemblyMessages, assemblyTemplates } from '../support/assembly-messages';

/**
 * A user's view of the package: the tarball `npm pack` makes from the compiled library, installed into a
 * project outside the repository, user apps compiled with `tsc --strict` and synthesized with plain node.
 *
 * Offline: aws-cdk-lib, constructs and the @types come from the repository's node_modules through symlinks,
 * as an installed peer dependency would. Needs `npx projen compile` (lib/) and the bundle (assets/) first,
 * which the projen build runs before the tests.
 */
const ROOT = path.join(__dirname, '..', '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const PACKAGE_NAME = 'cdk-redis-stable-readers';

/** The user apps: the README's examples as they are, and one that uses every idiom across two stacks. */
const APPS = ['packed-user-app', 'readme-app', 'readme-import', 'readme-iam-auth'];

function newestMtime(dir: string, extension: string): number {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .reduce((newest, entry) => Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs), 0);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf-8', stdio: 'pipe' });
  } catch (error: any) {
    // The tail: a failed synth prints minified aws-cdk-lib source before its message.
    throw new Error(`${command} ${args.join(' ')} failed:\n${`${error.stdout ?? ''}${error.stderr ?? ''}`.slice(-4000)}`);
  }
}

describe('the packed tarball, as a user installs it', () => {
  let project: string;
  let tarball: string;

  beforeAll(() => {
    // GIVEN a compiled library with its bundled updater
    const lib = path.join(ROOT, 'lib', 'index.js');
    if (!fs.existsSync(lib) || !fs.existsSync(path.join(ROOT, 'assets', 'updater', 'index.js'))) {
      throw new Error('lib/ or assets/ is missing: run `npx projen compile` (it bundles assets/ first)');
    }
    if (newestMtime(path.join(ROOT, 'lib'), '.js') < newestMtime(path.join(ROOT, 'src'), '.ts')) {
      throw new Error('lib/ is older than src/: run `npx projen compile` so the tarball holds the current code');
    }
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-app-'));
    // WHEN it is packed and installed into a project outside the repository
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], ROOT));
    tarball = path.join(project, packed[0].filename);
    const installed = path.join(project, 'node_modules', PACKAGE_NAME);
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], project);
    for (const dependency of ['aws-cdk-lib', 'constructs', '@types/node', '@types/jest']) {
      fs.mkdirSync(path.dirname(path.join(project, 'node_modules', dependency)), { recursive: true });
      fs.symlinkSync(path.join(NODE_MODULES, dependency), path.join(project, 'node_modules', dependency), 'dir');
    }
    for (const app of [...APPS, 'readme-snapshot.test']) {
      fs.copyFileSync(path.join(__dirname, `${app}.ts`), path.join(project, `${app}.ts`));
    }
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        types: ['node', 'jest'],
        skipLibCheck: true,
        outDir: 'out',
      },
      include: ['*.ts'],
    }));
  });

  afterAll(() => {
    if (project) {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  test('holds the compiled library, the jsii assembly and the bundled updater, and no sources', () => {
    const files = run('tar', ['-tzf', tarball], project).split('\n');
    expect(files).toEqual(expect.arrayContaining([
      'package/lib/index.js',
      'package/lib/index.d.ts',
      'package/.jsii',
      'package/assets/updater/index.js',
    ]));
    expect(files.filter((file) => /^package\/(src|test|lambda)\//.test(file))).toEqual([]);
  });

  test('the user apps compile with tsc --strict without errors', () => {
    // THEN: tsc exits 0 and prints nothing
    expect(run(process.execPath, [path.join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', '.'], project)).toBe('');
  });

  test('each app synthesizes with no warning or error in its cloud assembly', () => {
    // GIVEN the compiled apps (the previous test), WHEN each runs as `cdk synth` runs it (one node process for all)
    const script = APPS.map((app) => `process.env.CDK_OUTDIR = ${JSON.stringify(path.join(project, `cdk.out.${app}`))}; require('./out/${app}.js');`).join('\n');
    run(process.execPath, ['-e', script], project);
    // THEN
    for (const app of APPS) {
      expect({ app, messages: assemblyMessages(path.join(project, `cdk.out.${app}`)) }).toEqual({ app, messages: [] });
    }
    const { Data: data, Apps: apps } = assemblyTemplates(path.join(project, 'cdk.out.packed-user-app'));
    const ofType = (template: any, type: string) => Object.values<any>(template.Resources).filter((resource) => resource.Type === type);
    expect(ofType(data, 'AWS::ElastiCache::ReplicationGroup')).toHaveLength(2);
    expect(ofType(apps, 'AWS::ElastiCache::ReplicationGroup')).toHaveLength(0);
    // The AUTH-token hand-off: the secret's ARN, exported by the first stack, and read on it.
    const api = ofType(apps, 'AWS::Lambda::Function')[0];
    expect(api.Properties.Environment.Variables.CACHE_AUTH_TOKEN_SECRET_ARN).toEqual({ 'Fn::ImportValue': expect.stringContaining('CacheAuthToken') });
    const statements = ofType(apps, 'AWS::IAM::Policy').flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements.map((statement) => statement.Action)).toEqual(expect.arrayContaining([
      ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      'elasticache:Connect',
    ]));
    // The updater alarm in the first stack, the hit-rate alarm in the second, both to the pager.
    const withActions = [...ofType(data, 'AWS::CloudWatch::Alarm'), ...ofType(apps, 'AWS::CloudWatch::Alarm')]
      .filter((alarm) => alarm.Properties.AlarmActions !== undefined);
    expect(withActions).toHaveLength(2);
    expect(ofType(apps, 'AWS::CloudWatch::Alarm')).toHaveLength(3);
  });

  test('the README snapshot test survives a new updater bundle: the asset hash changes, the snapshot does not', () => {
    // GIVEN the README's snapshot test, compiled (previous tests), and its first run writing the snapshot
    const config = { rootDir: project, testMatch: ['<rootDir>/out/*.test.js'], transform: {}, cacheDirectory: path.join(project, '.jest-cache') };
    const jest = [path.join(NODE_MODULES, 'jest', 'bin', 'jest.js'), '--config', JSON.stringify(config), '--watchman=false'];
    run(process.execPath, [...jest, '--ci=false'], project);
    const snapshot = fs.readFileSync(path.join(project, 'out', '__snapshots__', 'readme-snapshot.test.js.snap'), 'utf-8');
    expect(snapshot).toContain('[ASSET_HASH]');
    expect(snapshot).not.toMatch(/[0-9a-f]{64}/);
    const updaterKey = () => {
      const outdir = path.join(project, `cdk.out.hash-${Date.now()}`);
      run(process.execPath, ['-e', `process.env.CDK_OUTDIR = ${JSON.stringify(outdir)}; require('./out/readme-app.js');`], project);
      return JSON.stringify(Object.values<any>(assemblyTemplates(outdir).Sessions.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function').map((fn) => fn.Properties.Code.S3Key).sort());
    };
    const before = updaterKey();
    // WHEN the bundled updater changes, as it does with a new release
    fs.appendFileSync(path.join(project, 'node_modules', PACKAGE_NAME, 'assets', 'updater', 'index.js'), '\n// a new release\n');
    // THEN the asset hash moves, and the snapshot test still passes in CI mode (which never rewrites snapshots)
    expect(updaterKey()).not.toBe(before);
    expect(() => run(process.execPath, [...jest, '--ci'], project)).not.toThrow();
  });
});
