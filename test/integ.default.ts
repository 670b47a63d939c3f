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

const failover = integ.assertions.awsApiCall('ElastiCache', 'testFailover', {
  ReplicationGroupId: cache.replicationGroupId,
  NodeGroupId: '0001',
});
const groupAvailableAgain = integ.assertions.awsApiCall('ElastiCache', 'describeReplicationGroups', {
  ReplicationGroupId: cache.replicationGroupId,
}).expect(ExpectedResult.objectLike({ ReplicationGroups: [{ Status: 'available' }] }))
  .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });

verifyNames().expect(everyNameOnAReplica)
  .next(failover)
  .next(groupAvailableAgain)
  // The notification reaches the updater seconds after the failover; the 5-minute schedule is the backstop.
  .next(verifyNames().expect(everyNameOnAReplica).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) }));

app.synth();
