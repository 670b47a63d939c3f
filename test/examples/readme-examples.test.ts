import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { addDrillOutputs } from './readme-drill-outputs';
import { addCache } from './readme-intro';
import { assemblyMessages, assemblyTemplates } from '../support/assembly-messages';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');

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
  test.each([
    ['readme-app.ts', 'ts'],
    ['readme-import.ts', 'ts'],
    ['readme-iam-auth.ts', 'ts'],
    ['readme-snapshot.test.ts', 'ts'],
    ['readme-intro.ts', 'ts'],
    ['readme-drill-outputs.ts', 'ts'],
    ['readme_app.py', 'python'],
  ])('%s appears verbatim in README.md', (file, language) => {
    const source = fs.readFileSync(path.join(__dirname, file), 'utf-8').trim();
    expect(README).toContain(`\`\`\`${language}\n${source}\n\`\`\``);
  });

  test('the app hands its function what it needs to authenticate, alarms go to SNS, and synth prints no warnings', () => {
    // GIVEN / WHEN
    const { templates, messages } = synthesize('readme-app');
    // THEN
    expect(messages).toEqual([]);
    const template = templates.Sessions;
    const api = resourcesOfType(template, 'AWS::Lambda::Function').find((fn) => fn.Properties.Environment?.Variables?.CACHE_WRITER);
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

  test('the Python example compiles', () => {
    // The aws-cdk-lib Python package is not installable offline, so this checks syntax only.
    // compile() checks the syntax without writing a __pycache__ folder into the repository.
    const check = 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")';
    expect(() => execFileSync('python3', ['-c', check, path.join(__dirname, 'readme_app.py')], { stdio: 'pipe' })).not.toThrow();
  });
  test('every TypeScript and Python block of the README is one of the tested files', () => {
    // The examples here, and the data-plane lab's client code (tested against real servers in test/dataplane).
    const tested = [
      ...fs.readdirSync(__dirname).map((file) => path.join(__dirname, file)),
      ...fs.readdirSync(path.join(__dirname, '..', 'dataplane')).map((file) => path.join(__dirname, '..', 'dataplane', file)),
    ].filter((file) => /\.(ts|py)$/.test(file)).map((file) => fs.readFileSync(file, 'utf-8').trim());
    const blocks = [...README.matchAll(/```(ts|typescript|python|py)\n([\s\S]*?)\n```/g)].map((match) => match[2].trim());

    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter((block) => !tested.includes(block)).map((block) => block.split('\n')[0])).toEqual([]);
  });

  test('the intro\'s cache opens its port to the app, and the drill\'s outputs have the names the drill looks for', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Intro');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const app = new ec2.SecurityGroup(stack, 'App', { vpc });

    // WHEN
    const cache = addCache(stack, vpc, app);
    addDrillOutputs(stack, cache);

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6379, ToPort: 6379 });
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['HostedZoneId', 'ReplicaHostnames', 'ReplicationGroupId']);
  });
});
