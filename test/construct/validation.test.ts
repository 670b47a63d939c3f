import { Duration, Fn, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CacheEngine, ReplicatedRedisWithStableReaders, ReplicatedRedisWithStableReadersProps, TransitEncryptionMode } from '../../src';
import { newStackWithVpc } from '../support/stacks';

type PropsMaker = (stack: ReturnType<typeof newStackWithVpc>) => Partial<ReplicatedRedisWithStableReadersProps>;

function construct(makeProps: PropsMaker): () => ReplicatedRedisWithStableReaders {
  const given = newStackWithVpc();
  return () => new ReplicatedRedisWithStableReaders(given.stack, 'Cache', { vpc: given.vpc, ...makeProps(given) });
}

describe('bad input fails at synth time with the prop, the value and what is allowed', () => {
  test.each<[string, PropsMaker, string]>([
    ['replicas 0', () => ({ replicas: 0 }), 'replicas must be an integer from 1 to 5 (a cluster-mode-disabled group has at most 5 replicas), got 0'],
    ['replicas 6', () => ({ replicas: 6 }), 'replicas must be an integer from 1 to 5 (a cluster-mode-disabled group has at most 5 replicas), got 6'],
    ['replicas 2.5', () => ({ replicas: 2.5 }), 'replicas must be an integer from 1 to 5 (a cluster-mode-disabled group has at most 5 replicas), got 2.5'],
    ['TTL 0 s', () => ({ recordTtl: Duration.seconds(0) }), 'recordTtl must be a whole number of seconds from 1 to 300, got 0 seconds'],
    ['TTL 301 s', () => ({ recordTtl: Duration.seconds(301) }), 'recordTtl must be a whole number of seconds from 1 to 300, got 5 minutes 1 second'],
    ['bad zone name', () => ({ zoneName: 'bad_zone..internal' }),
      "zoneName must be a valid DNS name (dot-separated labels of 1-63 letters, digits or hyphens, not starting or ending with a hyphen), got 'bad_zone..internal'"],
    ['zone label with a leading hyphen', () => ({ zoneName: '-cache.internal' }),
      "zoneName must be a valid DNS name (dot-separated labels of 1-63 letters, digits or hyphens, not starting or ending with a hyphen), got '-cache.internal'"],
    ['valkey 7.0', () => ({ engineVersion: '7.0' }), "engineVersion '7.0' does not exist for engine 'valkey'; allowed: 7.2, 8.0, 8.1, 8.2, 9.0"],
    ['redis 8.2', () => ({ engine: CacheEngine.REDIS, engineVersion: '8.2' }), "engineVersion '8.2' does not exist for engine 'redis'; allowed: 4.0.10, 5.0.6, 6.0, 6.2, 7.0, 7.1"],
    ['unknown engine', () => ({ engine: 'memcached' as CacheEngine }), "engine must be one of valkey, redis, got 'memcached'"],
    ['public subnet type', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }),
      'vpcSubnets must select private subnets (a cache must not sit in a public subnet), got subnetType Public'],
    ['public subnets by object', ({ vpc }) => ({ vpcSubnets: { subnets: vpc.publicSubnets } }),
      'vpcSubnets must select private subnets (a cache must not sit in a public subnet), got 2 public subnet(s)'],
    ['auth token and user groups', ({ stack }) => ({ authTokenSecret: new secretsmanager.Secret(stack, 'Token'), userGroupIds: ['users'] }),
      'authTokenSecret and userGroupIds cannot both be set: choose AUTH token or RBAC user groups, got both (userGroupIds ["users"])'],
    ['user groups without TLS', () => ({ transitEncryption: false, userGroupIds: ['users'] }),
      'transitEncryption must be true when userGroupIds is set (ElastiCache sends AUTH only over TLS), got false'],
    ['mode without TLS', () => ({ transitEncryption: false, transitEncryptionMode: TransitEncryptionMode.PREFERRED }),
      "transitEncryptionMode needs transitEncryption to be true, got transitEncryption false and transitEncryptionMode 'preferred'"],
    ['mode on Redis 6.2', () => ({ engine: CacheEngine.REDIS, engineVersion: '6.2', transitEncryptionMode: TransitEncryptionMode.REQUIRED }),
      "transitEncryptionMode needs Redis OSS 7.0 or later or any Valkey version, got engine 'redis' version '6.2'"],
    ['empty user groups', () => ({ userGroupIds: [] }), 'userGroupIds must list at least one user group when set, got []'],
    ['public zone', ({ stack }) => ({ hostedZone: new route53.PublicHostedZone(stack, 'Public', { zoneName: 'example.com' }) }),
      'hostedZone must be a private hosted zone associated with the VPC, got the public zone TestStack/Public'],
    ['zone without VPC', ({ stack }) => ({ hostedZone: new route53.HostedZone(stack, 'NoVpc', { zoneName: 'example.com' }) }),
      'hostedZone must be a private hosted zone associated with the VPC, got the public zone TestStack/NoVpc'],
    ['zone without a name', ({ stack }) => ({ hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneId(stack, 'ById', 'Z123') }),
      'hostedZone must know its zone name (import it with PrivateHostedZone.fromPrivateHostedZoneAttributes), got TestStack/ById without one'],
    ['zone name and zone', ({ stack, vpc }) => ({ zoneName: 'a.internal', hostedZone: new route53.PrivateHostedZone(stack, 'Z', { zoneName: 'b.internal', vpc }) }),
      "zoneName and hostedZone cannot both be set: zoneName names a zone the construct creates, got zoneName 'a.internal' and a hostedZone"],
    ['port 0', () => ({ port: 0 }), 'port must be an integer from 1 to 65535, got 0'],
    ['snapshot retention 36', () => ({ snapshotRetentionLimit: 36 }), 'snapshotRetentionLimit must be an integer from 0 to 35 days, got 36'],
    ['group id with uppercase', () => ({ replicationGroupId: 'Sessions' }),
      "replicationGroupId must be 1-40 lowercase letters, digits or hyphens, start with a letter, and contain no two consecutive hyphens nor end with one, got 'Sessions'"],
    ['group id with a double hyphen', () => ({ replicationGroupId: 'a--b' }),
      "replicationGroupId must be 1-40 lowercase letters, digits or hyphens, start with a letter, and contain no two consecutive hyphens nor end with one, got 'a--b'"],
    ['reconcile every 30 s', () => ({ reconcileInterval: Duration.seconds(30) }),
      "reconcileInterval must be a whole number of minutes, at least 1 (EventBridge's finest rate), got 30 seconds"],
    ['token zone name', () => ({ zoneName: Token.asString({ Ref: 'ZoneName' }) }),
      'zoneName must be a literal DNS name, not a token (the replica names and the IAM name condition are built from it), got ${Token[TOKEN.'],
    ['imported zone with a token name', ({ stack }) => ({
      hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Imported', { hostedZoneId: 'Z1', zoneName: Fn.importValue('ZoneName') }),
    }), 'hostedZone must have a literal zone name, not a token (the replica names and the IAM name condition are built from it), got ${Token[TOKEN.'],
    ['token group id', () => ({ replicationGroupId: Token.asString({ Ref: 'GroupId' }) }),
      'replicationGroupId must be a literal, not a token (IAM policies, metrics and the default zone name are built from it), got ${Token[TOKEN.'],
    ['parameters with a token engine version', () => ({ parameters: { a: 'b' }, engineVersion: Token.asString({ Ref: 'Version' }) }),
      'engineVersion must be a literal when parameters are given (the parameter group family follows it), got ${Token[TOKEN.'],
  ])('%s', (_name, makeProps, message) => {
    expect(construct(makeProps)).toThrow(`Invalid ReplicatedRedisWithStableReaders props at TestStack/Cache:\n- ${message}`);
  });

  test('a VPC without DNS support is rejected', () => {
    // GIVEN
    const { stack } = newStackWithVpc();
    const vpc = new ec2.Vpc(stack, 'NoDns', { maxAzs: 2, enableDnsHostnames: false, enableDnsSupport: false });
    // WHEN / THEN
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc })).toThrow(
      '- vpc must have DNS hostnames and DNS support enabled for its private hosted zone to resolve, got enableDnsHostnames false and enableDnsSupport false',
    );
  });

  test('a hosted zone serves one construct only', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    const zone = new route53.PrivateHostedZone(stack, 'Shared', { zoneName: 'shared.internal', vpc });
    new ReplicatedRedisWithStableReaders(stack, 'First', { vpc, hostedZone: zone });
    // WHEN / THEN
    expect(() => new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc, hostedZone: zone })).toThrow(
      '- hostedZone must be used by one ReplicatedRedisWithStableReaders only (the names replica1, primary and reader would collide), '
      + 'got TestStack/Shared, already used by TestStack/First',
    );
  });

  test('every failure is reported at once', () => {
    // GIVEN / WHEN
    const attempt = construct(() => ({ replicas: 9, recordTtl: Duration.seconds(900), port: 70000 }));
    // THEN
    expect(attempt).toThrow([
      'Invalid ReplicatedRedisWithStableReaders props at TestStack/Cache:',
      '- replicas must be an integer from 1 to 5 (a cluster-mode-disabled group has at most 5 replicas), got 9',
      '- recordTtl must be a whole number of seconds from 1 to 300, got 15 minutes',
      '- port must be an integer from 1 to 65535, got 70000',
    ].join('\n'));
  });

  test.each<[string, PropsMaker]>([
    ['replicas 1', () => ({ replicas: 1 })],
    ['replicas 5', () => ({ replicas: 5 })],
    ['TTL 1 s', () => ({ recordTtl: Duration.seconds(1) })],
    ['TTL 300 s', () => ({ recordTtl: Duration.seconds(300) })],
    ['isolated subnets', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })],
    ['redis 6.2 without a mode', () => ({ engine: CacheEngine.REDIS, engineVersion: '6.2' })],
    ['uppercase zone name', () => ({ zoneName: 'Cache.Internal' })],
    ['group id of 40 characters', () => ({ replicationGroupId: `a${'b'.repeat(39)}` })],
  ])('accepts the edge: %s', (_name, makeProps) => {
    expect(construct(makeProps)).not.toThrow();
  });
});
