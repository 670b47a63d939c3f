import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ReplicationGroupEngine, ReplicatedRedisWithStableReaders, ReplicatedRedisWithStableReadersProps, TransitEncryptionMode } from '../../src';
import { newStackWithVpc } from '../support/stacks';

function synth(props: Partial<ReplicatedRedisWithStableReadersProps>) {
  const { stack, vpc } = newStackWithVpc();
  new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, ...props });
  return { template: Template.fromStack(stack), annotations: Annotations.fromStack(stack) };
}

function group(template: Template): Record<string, any> {
  return Object.values(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0].Properties;
}

describe('log delivery follows the engine version', () => {
  // terraform-provider-aws #46440 / #46443 and the ElastiCache log delivery page: Redis OSS has the slow log from 6.0
  // and the engine log from 6.2; asking for more fails at deploy with InvalidParameterValue. Valkey has both.
  test.each<[ReplicationGroupEngine, string, string[]]>([
    [ReplicationGroupEngine.REDIS, '4.0.10', []],
    [ReplicationGroupEngine.REDIS, '5.0.6', []],
    [ReplicationGroupEngine.REDIS, '6.0', ['slow-log']],
    [ReplicationGroupEngine.REDIS, '6.2', ['slow-log', 'engine-log']],
    [ReplicationGroupEngine.REDIS, '7.1', ['slow-log', 'engine-log']],
    [ReplicationGroupEngine.REDIS, '6.1', ['slow-log']], // not a version this release knows: still decided by its numbers
    [ReplicationGroupEngine.VALKEY, '7.2', ['slow-log', 'engine-log']],
    [ReplicationGroupEngine.VALKEY, '9.1', ['slow-log', 'engine-log']],
  ])('%s %s delivers %j', (engine, engineVersion, logTypes) => {
    // GIVEN / WHEN
    const { template } = synth({ engine, engineVersion });
    // THEN: only the supported types are asked for, and only their log groups exist
    const deliveries: Array<{ LogType: string }> | undefined = group(template).LogDeliveryConfigurations;
    expect((deliveries ?? []).map((delivery) => delivery.LogType)).toEqual(logTypes);
    if (logTypes.length === 0) {
      expect(deliveries).toBeUndefined();
    }
    const logGroupNames = Object.values(template.findResources('AWS::Logs::LogGroup'))
      .map((logGroup) => logGroup.Properties.LogGroupName as unknown)
      .filter((name): name is string => typeof name === 'string' && name.startsWith('/aws/vendedlogs/elasticache/'));
    expect(logGroupNames.map((name) => name.split('/').pop())).toEqual(logTypes);
  });
});

describe('engine versions this release does not know', () => {
  test.each<[ReplicationGroupEngine, string, string]>([
    [ReplicationGroupEngine.VALKEY, '9.1', 'valkey9'],
    [ReplicationGroupEngine.VALKEY, '10.0', 'valkey10'],
    [ReplicationGroupEngine.REDIS, '7.2', 'redis7'],
    [ReplicationGroupEngine.REDIS, '6.1', 'redis6.x'],
    [ReplicationGroupEngine.REDIS, '5.0.5', 'redis5.0'],
  ])('%s %s synthesizes with parameter group family %s and a warning', (engine, engineVersion, family) => {
    // GIVEN / WHEN
    const { template, annotations } = synth({ engine, engineVersion, parameters: { 'maxmemory-policy': 'allkeys-lru' } });
    // THEN
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: engine, EngineVersion: engineVersion });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: family });
    annotations.hasWarning('/TestStack/Cache', Match.stringLikeRegexp(
      `engineVersion '${engineVersion.replace(/\./g, '\\.')}' is not one this release knows.*'${family.replace(/\./g, '\\.')}'.*\\[ack: cdk-redis-stable-readers:unknownEngineVersion\\]`,
    ));
  });

  test.each<[ReplicationGroupEngine, string, string]>([
    [ReplicationGroupEngine.VALKEY, '7.2', 'valkey7'],
    [ReplicationGroupEngine.VALKEY, '8.1', 'valkey8'],
    [ReplicationGroupEngine.REDIS, '4.0.10', 'redis4.0'],
    [ReplicationGroupEngine.REDIS, '6.2', 'redis6.x'],
    [ReplicationGroupEngine.REDIS, '7.1', 'redis7'],
  ])('a known version, %s %s, gets family %s and no warning', (engine, engineVersion, family) => {
    const { template, annotations } = synth({ engine, engineVersion, parameters: { 'maxmemory-policy': 'allkeys-lru' } });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: family });
    expect(annotations.findWarning('/TestStack/Cache', Match.stringLikeRegexp('unknownEngineVersion'))).toEqual([]);
  });

  test.each<[string, string, boolean]>([
    ['7.2', 'a new Redis OSS 7 minor', true],
    ['6.1', 'a Redis OSS 6 minor', false],
  ])('TransitEncryptionMode follows the parsed version: redis %s (%s)', (engineVersion, _name, rendered) => {
    // GIVEN / WHEN
    const { template } = synth({ engine: ReplicationGroupEngine.REDIS, engineVersion });
    // THEN
    expect(group(template).TransitEncryptionMode).toEqual(rendered ? TransitEncryptionMode.REQUIRED : undefined);
    expect(group(template).TransitEncryptionEnabled).toBe(true);
  });
});
