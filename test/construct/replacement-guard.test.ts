import { isDeepStrictEqual } from 'util';
import { Template } from 'aws-cdk-lib/assertions';
import { BundledSchemas, ResourceSchemaFacts } from '../support/cfn-lint';
import { newConstructFixture, PropsFactory } from '../support/configurations';

/**
 * Changes a user makes to a running cache must update the replication group in place: a replacement
 * creates an empty group and deletes the old one with its data.
 */
const GROUP_TYPE = 'AWS::ElastiCache::ReplicationGroup';

interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/** Synthesizes the same app (same stack and construct ids) with other props. */
function synth(props: PropsFactory): CfnTemplate {
  return Template.fromStack(newConstructFixture(props).stack).toJSON() as CfnTemplate;
}

function replicationGroupId(template: CfnTemplate): string {
  const ids = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === GROUP_TYPE);
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Top-level properties that differ, including ones added or removed. */
function changedProperties(before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => !isDeepStrictEqual(before[key], after[key])).sort();
}

function replacingProperties(changed: string[], facts: ResourceSchemaFacts): string[] {
  return changed.filter((property) => facts.createOnlyProperties.includes(property) || facts.conditionalCreateOnlyProperties.includes(property));
}

let schemas: BundledSchemas;
let groupSchema: ResourceSchemaFacts;

beforeAll(() => {
  // The create-only list is read from cfn-lint's bundled registry schema, not copied here, so it follows cfn-lint upgrades.
  schemas = new BundledSchemas();
  groupSchema = schemas.facts(GROUP_TYPE);
});

test('cfn-lint\'s bundled schema marks ReplicasPerNodeGroup and Port create-only (sanity)', () => {
  expect(groupSchema.schemaFile).toMatch(/\.json$/);
  expect(groupSchema.createOnlyProperties).toEqual(expect.arrayContaining(['ReplicasPerNodeGroup', 'Port', 'ReplicationGroupId']));
  expect(groupSchema.createOnlyProperties).not.toContain('NumCacheClusters');
});

describe.each<[string, PropsFactory, PropsFactory, string[]]>([
  ['replicas 2 -> 3', () => ({ replicas: 2 }), () => ({ replicas: 3 }), ['NumCacheClusters']],
  ['cacheNodeType default -> cache.r7g.xlarge', () => ({}), () => ({ cacheNodeType: 'cache.r7g.xlarge' }), ['CacheNodeType']],
  ['engineVersion 8.1 -> 8.2', () => ({ engineVersion: '8.1' }), () => ({ engineVersion: '8.2' }), ['EngineVersion']],
])('changing %s', (_change, beforeProps, afterProps, expectedChanges) => {
  let before: CfnTemplate;
  let after: CfnTemplate;

  beforeAll(() => {
    // GIVEN a deployed app; WHEN it is synthesized again with one prop changed
    before = synth(beforeProps);
    after = synth(afterProps);
  });

  test('keeps the logical id and type of every resource', () => {
    // THEN: a renamed logical id is a delete plus a create in CloudFormation.
    const types = (template: CfnTemplate) => Object.fromEntries(Object.entries(template.Resources).map(([id, resource]) => [id, resource.Type]));
    expect(types(after)).toEqual(types(before));
  });

  test(`changes only ${expectedChanges.join(', ')} on the replication group`, () => {
    const id = replicationGroupId(before);
    expect(changedProperties(before.Resources[id].Properties, after.Resources[id].Properties)).toEqual(expectedChanges);
  });

  test('changes no create-only property of the replication group', () => {
    const id = replicationGroupId(before);
    const changed = changedProperties(before.Resources[id].Properties, after.Resources[id].Properties);
    expect(replacingProperties(changed, groupSchema)).toEqual([]);
  });

  test('changes no create-only property of any other resource either', () => {
    // Custom resources have no registry schema; everything else is checked against its own.
    const replaced = Object.entries(before.Resources).flatMap(([id, resource]) => {
      const facts = schemas.tryFacts(resource.Type);
      const changed = changedProperties(resource.Properties, after.Resources[id]?.Properties);
      return facts ? replacingProperties(changed, facts).map((property) => `${id} (${resource.Type}).${property}`) : [];
    });
    expect(replaced).toEqual([]);
  });

  test('never renders ReplicasPerNodeGroup', () => {
    for (const template of [before, after]) {
      expect(template.Resources[replicationGroupId(template)].Properties).not.toHaveProperty('ReplicasPerNodeGroup');
    }
  });
});
