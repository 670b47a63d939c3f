import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { ReplicationGroupEngine, TransitEncryptionMode } from '../../src';
import { CfnLintMatch, cfnLintVersion, describeMatch, runCfnLint } from '../support/cfn-lint';
import { FULLY_CUSTOMISED, importedUserTopic, importedUserZone, newConstructFixture, PropsFactory, userKey } from '../support/configurations';

/** Warnings accepted on purpose; every other warning fails the matrix. */
const IGNORED_WARNINGS: Record<string, string> = {
  // Seen on the updater and provider functions (aws-cdk-lib's Function depends on its role as well as reading its Arn)
  // and on the replica records (an explicit "after the zone" that their HostedZoneId Ref already implies). Harmless.
  W3005: 'DependsOn that repeats the implicit dependency of a Ref or GetAtt; aws-cdk-lib and explicit ordering add them, and they do no harm.',
};

/** One template per configuration; the names become file names under test-reports/cfn-lint. */
const CONFIGURATIONS: Record<string, PropsFactory> = {
  'valkey-defaults': () => ({}),
  'redis-7-1': () => ({ engine: ReplicationGroupEngine.REDIS, engineVersion: '7.1' }),
  // No log delivery (Redis OSS before 6.0 has none) and no TransitEncryptionMode: the template must still be valid.
  'redis-5-0-6': () => ({ engine: ReplicationGroupEngine.REDIS, engineVersion: '5.0.6', parameters: { 'maxmemory-policy': 'allkeys-lru' } }),
  // Slow log only.
  'redis-6-0': () => ({ engine: ReplicationGroupEngine.REDIS, engineVersion: '6.0' }),
  'windows': () => ({ snapshotWindow: '23:30-00:30', preferredMaintenanceWindow: 'sun:05:00-sun:06:00' }),
  'replicas-1': () => ({ replicas: 1 }),
  'replicas-5': () => ({ replicas: 5 }),
  'tls-off': () => ({ transitEncryption: false }),
  'tls-preferred': () => ({ transitEncryptionMode: TransitEncryptionMode.PREFERRED }),
  'imported-zone': (stack) => ({ hostedZone: importedUserZone(stack) }),
  'imported-topic': (stack) => ({ notificationTopic: importedUserTopic(stack) }),
  'cmk': (stack) => ({ kmsKey: userKey(stack) }),
  'user-group-ids': () => ({ userGroupId: 'app-users' }),
  'scheduled-reconcile-off': () => ({ scheduledReconcile: false }),
  'parameters': () => ({ parameters: { 'maxmemory-policy': 'allkeys-lru' } }),
  'fully-customised': FULLY_CUSTOMISED,
};

const REPORT_DIR = path.join(__dirname, '..', '..', 'test-reports', 'cfn-lint');

describe('cfn-lint on a matrix of configurations', () => {
  const names = Object.keys(CONFIGURATIONS);
  let matches: CfnLintMatch[];

  beforeAll(() => {
    // Fail, never skip, when cfn-lint is missing.
    cfnLintVersion();

    // GIVEN: one synthesized template per configuration
    fs.rmSync(REPORT_DIR, { recursive: true, force: true });
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    for (const name of names) {
      const { stack } = newConstructFixture(CONFIGURATIONS[name]);
      fs.writeFileSync(path.join(REPORT_DIR, `${name}.json`), JSON.stringify(Template.fromStack(stack).toJSON(), undefined, 1));
    }

    // WHEN: one cfn-lint process for all of them (its start-up dominates)
    matches = runCfnLint(names.map((name) => `${name}.json`), REPORT_DIR);
  }, 300_000);

  const of = (name: string) => matches.filter((match) => match.Filename === `${name}.json`);

  test('lints at least 8 configurations', () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(fs.readdirSync(REPORT_DIR).filter((file) => file.endsWith('.json')).sort()).toEqual(names.map((name) => `${name}.json`).sort());
  });

  test('reports nothing for files it was not given', () => {
    expect(matches.filter((match) => !names.includes(match.Filename.replace(/\.json$/, ''))).map(describeMatch)).toEqual([]);
  });

  test.each(names)('%s has no errors', (name) => {
    // THEN
    expect(of(name).filter((match) => match.Level === 'Error').map(describeMatch)).toEqual([]);
  });

  test.each(names)('%s has no warnings beyond the ignored ones', (name) => {
    const unexpected = of(name).filter((match) => match.Level !== 'Error' && !(match.Rule.Id in IGNORED_WARNINGS));
    expect(unexpected.map(describeMatch)).toEqual([]);
  });

  test('every ignored warning still occurs, so the list stays honest', () => {
    const seen = new Set(matches.map((match) => match.Rule.Id));
    expect(Object.keys(IGNORED_WARNINGS).filter((id) => !seen.has(id))).toEqual([]);
  });
});
