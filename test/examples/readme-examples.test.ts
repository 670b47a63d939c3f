import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { addDrillOutputs } from './readme-drill-outputs';
import { assemblyMessages, assemblyTemplates } from '../support/assembly-messages';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
const DOCS = path.join(ROOT, 'docs');
/** The README and docs/*.md: where user-facing examples live. */
const PAGES: Record<string, string> = Object.fromEntries([
  ['README.md', README],
  ...fs.readdirSync(DOCS).filter((file) => file.endsWith('.md')).map((file) => [`docs/${file}`, fs.readFileSync(path.join(DOCS, file), 'utf-8')]),
]);

/** Runs an example app as a user's `cdk synth` would (it synthesizes when loaded) and returns its cloud assembly. */
function synthesize(file: string): { templates: Record<string, any>; messages: ReturnType<typeof assemblyMessages> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-app-'));
  process.env.CDK_OUTDIR = outdir;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.isolateModules(() => require(`./${file}`));
    return { templates: assemblyTemplates(outdir), messages: assemblyMessages(outdir) };
  } finally {
    delete process.env.CDK_OUTDIR;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function resourcesOfType(template: any, type: string): any[] {
  return Object.values<any>(template.Resources).filter((resource) => resource.Type === type);
}

function statementsOf(template: any): any[] {
  return resourcesOfType(template, 'AWS::IAM::Policy').flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

// The README's examples are these files verbatim, so they are type-checked (tsconfig.dev.json), run and compiled.
describe('README examples', () => {
  // `ts` blocks of the README are CDK code, which jsii-rosetta translates for Construct Hub's other languages;
  // a jest test is labelled `tsx`, which rosetta leaves alone (see the docs:python task).
  test.each([
    ['readme-app.ts', 'ts', 'README.md'],
    ['readme-snapshot.test.ts', 'tsx', 'README.md'],
    ['readme-drill-outputs.ts', 'ts', 'README.md'],
    ['readme_app.py', 'python', 'README.md'],
    ['readme_test_stack.py', 'python', 'README.md'],
    // The client packages' use snippets, run by the data-plane lab (test/dataplane) against real nodes.
    ['../../clients/node/examples/connect.ts', 'tsx', 'README.md'],
    ['../../clients/python/examples/connect.py', 'python', 'README.md'],
    ['readme-import.ts', 'ts', 'docs/importing.md'],
    ['readme-iam-auth.ts', 'ts', 'docs/iam-authentication.md'],
  ])('%s appears verbatim in %s', (file, language, page) => {
    const source = fs.readFileSync(path.join(__dirname, file), 'utf-8').trim();
    expect(PAGES[page]).toContain(`\`\`\`${language}\n${source}\n\`\`\``);
  });

  test('every link of the README works on npm, PyPI and Construct Hub: absolute, or to a heading of the README', () => {
    // Those sites show the README alone, so a relative link (API.md, docs/) leads nowhere there.
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
    const headings = [...README.matchAll(/^#+ (.+)$/gm)].map((match) => `#${match[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')}`);
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((link) => !/^https:\/\//.test(link) && !headings.includes(link))).toEqual([]);
  });

  test('the app hands its function what it needs to authenticate, alarms go to SNS, and synth prints no warnings', () => {
    // GIVEN / WHEN
    const { templates, messages } = synthesize('readme-app');
    // THEN
    expect(messages).toEqual([]);
    const template = templates.Sessions;
    const api = resourcesOfType(template, 'AWS::Lambda::Function').find((fn) => fn.Properties.Environment?.Variables?.CACHE_WRITER);
    expect(api.Properties.Environment.Variables.CACHE_READERS).toMatch(/^replica1\.([\w.-]+),replica2\.\1,replica3\.\1$/);
    expect(api.Properties.Environment.Variables.CACHE_PORT).toBe('6379');
    const secretArn = api.Properties.Environment.Variables.CACHE_AUTH_TOKEN_SECRET_ARN;
    expect(secretArn).toEqual({ Ref: expect.stringMatching(/^CacheAuthToken/) });
    const read = statementsOf(template).find((statement) => JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'));
    expect(read.Resource).toEqual(secretArn);
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ FromPort: 6379, ToPort: 6379, GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^CacheSecurityGroup/), 'GroupId'] } }) }),
    ]);
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2); // the updater's and the replication lag's
    expect(alarms.map((alarm) => alarm.Properties.AlarmActions)).toEqual([[{ Ref: expect.stringMatching(/^Alarms/) }], [{ Ref: expect.stringMatching(/^Alarms/) }]]);
  });

  test('the import example uses a deployed cache from another app without warnings', () => {
    const { templates, messages } = synthesize('readme-import');
    expect(messages).toEqual([]);
    const template = templates.Workers;
    expect(resourcesOfType(template, 'AWS::ElastiCache::ReplicationGroup')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ GroupId: 'sg-0123456789abcdef0', FromPort: 6379 }) }),
    ]);
    const worker = resourcesOfType(template, 'AWS::Lambda::Function')[0];
    expect(worker.Properties.Environment.Variables.CACHE_READERS).toBe(
      'replica1.sessions-cache.cache.internal,replica2.sessions-cache.cache.internal,replica3.sessions-cache.cache.internal');
    expect(JSON.stringify(statementsOf(template))).toContain('secret:CacheAuthToken-AbCdEf');
    expect(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).toHaveLength(1);
  });

  test('the IAM example grants elasticache:Connect on the group and the user, without warnings', () => {
    const { templates, messages } = synthesize('readme-iam-auth');
    expect(messages).toEqual([]);
    const template = templates.Orders;
    expect(resourcesOfType(template, 'AWS::ElastiCache::ReplicationGroup')[0].Properties.UserGroupIds).toEqual([{ Ref: expect.stringMatching(/^Users/) }]);
    expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toEqual([]);
    const connect = statementsOf(template).find((statement) => statement.Action === 'elasticache:Connect');
    expect(JSON.stringify(connect.Resource)).toMatch(/:replicationgroup:.*:user:orders-app/);
  });

  test.each(['readme_app.py', 'readme_test_stack.py'])('the Python example %s compiles', (file) => {
    // The aws-cdk-lib Python package is not installable offline, so this checks syntax only; the wheel's
    // check (.ci/check-wheel.py) checks each name against the generated bindings and aws-cdk-lib.
    // compile() checks the syntax without writing a __pycache__ folder into the repository.
    const check = 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")';
    expect(() => execFileSync('python3', ['-c', check, path.join(__dirname, file)], { stdio: 'pipe' })).not.toThrow();
  });

  test('the Python stack test asserts what the stack has', () => {
    // The same stack and assertion as readme_test_stack.py, in TypeScript, so the Python test cannot pass on a wrong property.
    const stack = new Stack(new App(), 'Sessions');
    new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) });
    const python = fs.readFileSync(path.join(__dirname, 'readme_test_stack.py'), 'utf-8');
    expect(python).toContain('"NumCacheClusters": 3,\n        "MultiAZEnabled": True,\n        "AutomaticFailoverEnabled": True,');
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 3,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
    });
  });
  test('every TypeScript and Python block of the README and docs/ is one of the tested files', () => {
    // The examples here, the data-plane lab's client code (run against real servers in test/dataplane), and
    // the client packages' examples (clients/*/examples, tested with the clients).
    const folders = [__dirname, path.join(ROOT, 'test', 'dataplane'), path.join(ROOT, 'clients', 'node', 'examples'), path.join(ROOT, 'clients', 'python', 'examples')];
    const tested = folders.filter((folder) => fs.existsSync(folder))
      .flatMap((folder) => fs.readdirSync(folder).map((file) => path.join(folder, file)))
      .filter((file) => /\.(ts|py)$/.test(file)).map((file) => fs.readFileSync(file, 'utf-8').trim());
    const blocks = Object.entries(PAGES).flatMap(([page, text]) =>
      [...text.matchAll(/```(ts|tsx|typescript|python|py)\n([\s\S]*?)\n```/g)].map((match) => ({ page, code: match[2].trim() })));

    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter((block) => !tested.includes(block.code)).map((block) => `${block.page}: ${block.code.split('\n')[0]}`)).toEqual([]);
  });

  test('the drill\'s outputs have the names the drill looks for', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Drill');
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc: new ec2.Vpc(stack, 'Vpc') });

    // WHEN
    addDrillOutputs(stack, cache);

    // THEN
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['HostedZoneId', 'ReplicaHostnames', 'ReplicationGroupId']);
    expect(outputs.ReplicaHostnames.Value).toMatch(/^replica1\.([\w.-]+),replica2\.\1$/);
  });
});
