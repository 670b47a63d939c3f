import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ReplicationGroupEngine, ReplicatedRedisWithStableReaders, ReplicatedRedisWithStableReadersProps } from '../../src';
import { newStackWithVpc } from '../support/stacks';

function warnings(props: Partial<ReplicatedRedisWithStableReadersProps>) {
  const { stack, vpc } = newStackWithVpc();
  new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, ...props });
  return Annotations.fromStack(stack);
}

describe('legal but risky settings warn with an acknowledgeable id', () => {
  test.each<[string, Partial<ReplicatedRedisWithStableReadersProps>, string, string]>([
    ['transit encryption off', { transitEncryption: false }, 'transitEncryptionDisabled', 'transitEncryption is false'],
    ['TTL above 60 s', { recordTtl: Duration.seconds(120) }, 'longRecordTtl', 'recordTtl is 120 s'],
    ['no scheduled reconcile', { scheduledReconcile: false }, 'scheduledReconcileDisabled', 'scheduledReconcile is false'],
    ['removal policy DESTROY', { removalPolicy: RemovalPolicy.DESTROY }, 'removalPolicyDestroy', 'removalPolicy is DESTROY'],
    ['a Valkey version released after this library', { engineVersion: '9.1' }, 'unknownEngineVersion',
      "engineVersion '9\\.1' is not one this release knows for valkey .* the parameter group family is taken as 'valkey9' and log delivery as slow-log and engine-log"],
    ['an old Redis OSS minor this library does not list', { engine: ReplicationGroupEngine.REDIS, engineVersion: '5.0.5' }, 'unknownEngineVersion',
      "engineVersion '5\\.0\\.5' is not one this release knows for redis .* family is taken as 'redis5\\.0' and log delivery as none"],
  ])('%s', (_name, props, id, text) => {
    warnings(props).hasWarning('/TestStack/Cache', Match.stringLikeRegexp(`${text}.*\\[ack: cdk-redis-stable-readers:${id}\\]`));
  });

  test('defaults warn about nothing', () => {
    const found = warnings({}).findWarning('/TestStack/Cache', Match.anyValue());
    expect(found).toEqual([]);
  });

  test('a TTL of exactly 60 s does not warn', () => {
    expect(warnings({ recordTtl: Duration.seconds(60) }).findWarning('/TestStack/Cache', Match.stringLikeRegexp('recordTtl'))).toEqual([]);
  });
});
