import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { newStackWithVpc } from './stacks';
import {
  ReplicationGroupEngine,
  NoReplicaFallback,
  ReplicatedRedisWithStableReaders,
  ReplicatedRedisWithStableReadersProps,
  TransitEncryptionMode,
} from '../../src';

/** The construct's props other than the VPC, built inside the test stack so they can create the user's own resources. */
export type PropsFactory = (stack: Stack, vpc: ec2.Vpc) => Omit<ReplicatedRedisWithStableReadersProps, 'vpc'>;

/** A test stack holding the construct. */
export interface ConstructFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly cache: ReplicatedRedisWithStableReaders;
}

/** The construct id of every fixture; the replacement guard relies on it staying put between synths. */
export const CACHE_ID = 'Cache';

/**
 * The construct in the two-AZ test VPC. The VPC gets a flow log, because cdk-nag's AwsSolutions-VPC7 is about the
 * user's VPC, not the construct. No `env`: a region-agnostic stack keeps cfn-lint's W3010 (hard-coded AZs) away.
 */
export function newConstructFixture(props: PropsFactory = () => ({})): ConstructFixture {
  const { app, stack, vpc } = newStackWithVpc();
  vpc.addFlowLog('FlowLog');
  const cache = new ReplicatedRedisWithStableReaders(stack, CACHE_ID, { vpc, ...props(stack, vpc) });
  return { app, stack, vpc, cache };
}

/**
 * The user's notification topic, imported. ElastiCache needs it unencrypted (which cdk-nag's SNS2 flags on any
 * topic defined in a stack), so a user's own topic typically lives elsewhere, e.g. in a shared operations stack.
 */
export function importedUserTopic(stack: Stack): sns.ITopic {
  return sns.Topic.fromTopicArn(stack, 'UserTopic', stack.formatArn({ service: 'sns', resource: 'cache-events' }));
}

/** The user's private hosted zone, imported by id and name. */
export function importedUserZone(stack: Stack): route53.IPrivateHostedZone {
  return route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'UserZone', {
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    zoneName: 'cache.example.internal',
  });
}

/** The user's customer managed key for encryption at rest, rotated (cdk-nag AwsSolutions-KMS5). */
export function userKey(stack: Stack): kms.IKey {
  return new kms.Key(stack, 'UserKey', { enableKeyRotation: true, description: 'Encryption at rest of the cache' });
}

/** Every prop away from its default (except the AUTH token secret, which cannot go with userGroupId). */
export const FULLY_CUSTOMISED: PropsFactory = (stack, vpc) => ({
  engine: ReplicationGroupEngine.REDIS,
  engineVersion: '7.1',
  replicas: 5,
  cacheNodeType: 'cache.r7g.large',
  parameters: { 'maxmemory-policy': 'allkeys-lru', 'timeout': '300' },
  kmsKey: userKey(stack),
  hostedZone: importedUserZone(stack),
  notificationTopic: importedUserTopic(stack),
  userGroupId: 'app-users',
  securityGroups: [new ec2.SecurityGroup(stack, 'UserSecurityGroup', { vpc, description: 'Cache nodes', allowAllOutbound: false })],
  transitEncryptionMode: TransitEncryptionMode.REQUIRED,
  snapshotRetentionLimit: 14,
  snapshotWindow: '03:00-04:00',
  preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
  autoMinorVersionUpgrade: false,
  recordTtl: Duration.seconds(5),
  noReplicaFallback: NoReplicaFallback.KEEP,
  scheduledReconcile: false,
  removalPolicy: RemovalPolicy.RETAIN,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  description: 'Sessions cache',
});
