import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ReplicationGroupEngine, NoReplicaFallback, ReplicatedRedisWithStableReaders } from '../../src';
import { newStackWithVpc } from '../support/stacks';

// Drift alarms: any change to the synthesized template shows up here. Asset hashes are
// serialized away (test/support/asset-hash-serializer.ts), so rebuilding the handler does not.
describe('whole-template snapshots', () => {
  test('defaults', () => {
    const { stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc });
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  test('customised', () => {
    const { stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'Cache', {
      vpc,
      engine: ReplicationGroupEngine.REDIS,
      engineVersion: '7.1',
      replicas: 3,
      zoneName: 'sessions.internal',
      recordTtl: Duration.seconds(5),
      noReplicaFallback: NoReplicaFallback.KEEP,
      parameters: { 'maxmemory-policy': 'allkeys-lru' },
      userGroupId: 'app-users',
    });
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });
});
