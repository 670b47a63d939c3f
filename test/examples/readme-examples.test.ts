import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');

// The README's examples are these files verbatim, so they are type-checked (tsconfig.dev.json), run and compiled.
describe('README examples', () => {
  test.each([
    ['readme-app.ts', 'ts'],
    ['readme_app.py', 'python'],
  ])('%s appears verbatim in README.md', (file, language) => {
    const source = fs.readFileSync(path.join(__dirname, file), 'utf-8').trim();
    expect(README).toContain(`\`\`\`${language}\n${source}\n\`\`\``);
  });

  test('the TypeScript example synthesizes', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-app-'));
    process.env.CDK_OUTDIR = outdir;
    try {
      // The example synthesizes when loaded, as a user's app does; a fresh require runs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => require('./readme-app'));
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Sessions.template.json'), 'utf-8'));
      const types = Object.values<any>(template.Resources).map((resource) => resource.Type);
      expect(types).toContain('AWS::ElastiCache::ReplicationGroup');
      expect(types).toContain('AWS::EC2::SecurityGroupIngress');
    } finally {
      delete process.env.CDK_OUTDIR;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('the Python example compiles', () => {
    // The aws-cdk-lib Python package is not installable offline, so this checks syntax only.
    // compile() checks the syntax without writing a __pycache__ folder into the repository.
    const check = 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")';
    expect(() => execFileSync('python3', ['-c', check, path.join(__dirname, 'readme_app.py')], { stdio: 'pipe' })).not.toThrow();
  });
});
