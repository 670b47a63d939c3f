import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ReplicatedRedisWithStableReaders } from '../src';

/**
 * The example app, the construct with its defaults, and the real-AWS integ test.
 *
 * `npx projen synth:example` synthesizes it. With an AWS account, integ-runner deploys it,
 * checks that every replica name targets a replica, fails the group over, checks again, and
 * destroys it (the default removal policy keeps a final snapshot of the group: delete it after):
 *   npx integ-runner --directory test --parallel-regions us-east-1 --update-on-failed --force
 * CI verifies the committed snapshot (test/integ.default.ts.snapshot) against a fresh synth.
 */
const app = new App();
const stack = new Stack(app, 'StableReadersExample');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc });

new CfnOutput(stack, 'ReplicationGroupId', { value: cache.replicationGroupId });
new CfnOutput(stack, 'HostedZoneId', { value: cache.hostedZone.hostedZoneId });
new CfnOutput(stack, 'PrimaryHostname', { value: cache.primaryHostname });
new CfnOutput(stack, 'ReaderHostname', { value: cache.readerHostname });
new CfnOutput(stack, 'ReplicaHostnames', { value: cache.replicaHostnames.join(',') });

const integ = new IntegTest(app, 'FailoverIntegTest', { testCases: [stack], diffAssets: false });

/** Every name targets an available replica, as the updater's own rules check (`verify`) reports. */
const everyNameOnAReplica = ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"ok":true') });
const verifyNames = () => integ.assertions.invokeFunction({
  functionName: cache.updaterFunction.functionName,
  payload: JSON.stringify({ action: 'verify' }),
});

/**
 * The group's members: `<id>-001` holds `role`, and the group is `available`. A cluster-mode-disabled group made with
 * NumCacheClusters names its members `<id>-001` onwards, the first one primary (checked before the failover, so a
 * different start fails the test instead of passing it).
 */
const firstMemberIs = (role: 'primary' | 'replica') => ExpectedResult.objectLike({
  ReplicationGroups: [Match.objectLike({
    Status: 'available',
    NodeGroups: [Match.objectLike({
      NodeGroupMembers: Match.arrayWith([Match.objectLike({ CacheClusterId: `${cache.replicationGroupId}-001`, CurrentRole: role })]),
    })],
  })],
});
const describeGroup = () => integ.assertions.awsApiCall('ElastiCache', 'describeReplicationGroups', {
  ReplicationGroupId: cache.replicationGroupId,
});

const failover = integ.assertions.awsApiCall('ElastiCache', 'testFailover', {
  ReplicationGroupId: cache.replicationGroupId,
  NodeGroupId: '0001',
});

verifyNames().expect(everyNameOnAReplica)
  .next(describeGroup().expect(firstMemberIs('primary')))
  .next(failover)
  // TestFailover answers with the roles unchanged: wait until another member is primary, or the next check proves nothing.
  .next(describeGroup().expect(firstMemberIs('replica')).waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) }))
  // The notification reaches the updater seconds after the failover; the 5-minute schedule is the backstop.
  .next(verifyNames().expect(everyNameOnAReplica).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) }));

app.synth();
