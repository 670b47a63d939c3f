import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ReplicatedRedisWithStableReaders } from '../../src';
import { newStackWithVpc } from '../support/stacks';

const HEADER = (path: string) => `Invalid ReplicatedRedisWithStableReaders props at ${path}:\n`;

describe('two constructs of one app asking for what only one can have fail at synth', () => {
  test('the same zoneName in one VPC: Route 53 refuses the second private zone (ConflictingDomainExists)', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'First', { vpc, zoneName: 'sessions.internal' });
    // WHEN / THEN (case and a trailing dot do not make another zone)
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc, zoneName: 'Sessions.Internal.' })).toThrow(HEADER('TestStack/Second')
      + "- zoneName must name a zone no other ReplicatedRedisWithStableReaders uses in the same VPC, got 'sessions.internal', already used by TestStack/First");
  });

  test('a given zone with the name of a zone another construct creates in the VPC', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'First', { vpc, zoneName: 'sessions.internal' });
    const imported = route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Imported', { hostedZoneId: 'Z1', zoneName: 'sessions.internal' });
    // WHEN / THEN
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc, hostedZone: imported })).toThrow(
      "- hostedZone must name a zone no other ReplicatedRedisWithStableReaders uses in the same VPC, got 'sessions.internal', already used by TestStack/First");
  });

  test('the same zone name in two VPCs is fine', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 2 });
    new ReplicatedRedisWithStableReaders(stack, 'First', { vpc, zoneName: 'sessions.internal' });
    // WHEN / THEN
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc: other, zoneName: 'sessions.internal' })).not.toThrow();
  });

  test('the same replicationGroupId in two stacks of one app: the second CreateReplicationGroup would fail', () => {
    // GIVEN
    const { app, stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicationGroupId: 'sessions', zoneName: 'a.internal' });
    const second = new Stack(app, 'Second');
    const secondVpc = new ec2.Vpc(second, 'Vpc', { maxAzs: 2 });
    // WHEN / THEN
    expect(() => new ReplicatedRedisWithStableReaders(second, 'Cache', { vpc: secondVpc, replicationGroupId: 'sessions', zoneName: 'b.internal' })).toThrow(
      HEADER('Second/Cache') + "- replicationGroupId must be unique in the account and Region, got 'sessions', already used by TestStack/Cache");
  });

  test('a duplicated id with the default zone name reports both the id and the zone', () => {
    const { stack, vpc } = newStackWithVpc();
    new ReplicatedRedisWithStableReaders(stack, 'First', { vpc, replicationGroupId: 'sessions' });
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc, replicationGroupId: 'sessions' })).toThrow(HEADER('TestStack/Second')
      + '- zoneName (by default <replicationGroupId>.cache.internal) must name a zone no other ReplicatedRedisWithStableReaders uses in the same VPC, '
      + "got 'sessions.cache.internal', already used by TestStack/First\n"
      + "- replicationGroupId must be unique in the account and Region, got 'sessions', already used by TestStack/First");
  });

  test('the same replicationGroupId in two Regions is fine', () => {
    // GIVEN
    const app = new App();
    const make = (region: string) => {
      const stack = new Stack(app, `In-${region}`, { env: { account: '111111111111', region } });
      return new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }), replicationGroupId: 'sessions' });
    };
    make('eu-west-1');
    // WHEN / THEN
    expect(() => make('us-east-1')).not.toThrow();
  });

  test('apps do not see each other\'s claims', () => {
    for (let run = 0; run < 2; run++) {
      const { stack, vpc } = newStackWithVpc();
      expect(() => new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicationGroupId: 'sessions', zoneName: 'sessions.internal' })).not.toThrow();
    }
  });

  test('a construct whose props fail claims nothing', () => {
    const { stack, vpc } = newStackWithVpc();
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Bad', { vpc, replicationGroupId: 'sessions', replicas: 0 })).toThrow();
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Good', { vpc, replicationGroupId: 'sessions' })).not.toThrow();
  });
});
