import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ReplicatedRedisWithStableReaders } from '../src';

/**
 * The example app: the construct with its defaults. `npx projen synth:example` synthesizes it.
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

app.synth();
