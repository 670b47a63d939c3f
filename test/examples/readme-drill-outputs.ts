import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

/** The stack outputs `cdk-redis-stable-readers drill --outputs` reads. */
export function addDrillOutputs(stack: Stack, cache: ReplicatedRedisWithStableReaders): void {
  new CfnOutput(stack, 'ReplicationGroupId', { value: cache.replicationGroupId });
  new CfnOutput(stack, 'HostedZoneId', { value: cache.hostedZone.hostedZoneId });
  new CfnOutput(stack, 'ReplicaHostnames', { value: Fn.join(',', cache.replicaHostnames) });
}
