import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The real-AWS integ test (test/integ.default.ts) must prove a failover happened before it checks the names again:
 * TestFailover answers with the roles unchanged, so a check right after it can pass on the old roles.
 */
describe('the integ test proves the failover before it verifies the names', () => {
  let resources: Record<string, { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> }>;

  beforeAll(() => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-default-'));
    process.env.CDK_OUTDIR = outdir;
    try {
      // The integ app synthesizes when loaded, as integ-runner runs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => require('./integ.default'));
      const file = fs.readdirSync(outdir).find((name) => name.startsWith('FailoverIntegTestDefaultTestDeployAssert') && name.endsWith('.template.json'));
      resources = JSON.parse(fs.readFileSync(path.join(outdir, file!), 'utf-8')).Resources;
    } finally {
      delete process.env.CDK_OUTDIR;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  /** The assertion resources in the order their DependsOn chain runs them. */
  function chain(): Array<{ api: unknown; expected?: string; id: string }> {
    const calls = Object.entries(resources).filter(([, resource]) => resource.Type.startsWith('Custom::DeployAssert@SdkCall'));
    const ids = new Set(calls.map(([id]) => id));
    const ordered: Array<{ api: unknown; expected?: string; id: string }> = [];
    let next = calls.find(([, resource]) => !(resource.DependsOn ?? []).some((dependency) => ids.has(dependency)));
    while (next !== undefined) {
      const [id, resource] = next;
      ordered.push({ id, api: resource.Properties.api, expected: resource.Properties.expected as string | undefined });
      next = calls.find(([, candidate]) => (candidate.DependsOn ?? []).includes(id));
    }
    return ordered;
  }

  test('verify, the first member is primary, TestFailover, wait until it is a replica, verify again', () => {
    const steps = chain();

    expect(steps.map((step) => step.api)).toEqual(['invoke', 'describeReplicationGroups', 'testFailover', 'describeReplicationGroups', 'invoke']);
    expect(steps[1].expected).toMatch(/"CacheClusterId":"[a-z0-9-]+-001","CurrentRole":"primary"/);
    expect(steps[3].expected).toMatch(/"CacheClusterId":"[a-z0-9-]+-001","CurrentRole":"replica"/);
    // Both waits are real waits, with a state machine polling until the expectation holds.
    for (const waited of [steps[3], steps[4]]) {
      expect(Object.keys(resources).some((id) => id.startsWith(`${waited.id}WaitFor`))).toBe(true);
    }
  });
});
