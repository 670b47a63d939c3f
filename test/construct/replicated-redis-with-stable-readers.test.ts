import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReplicationGroupEngine, NoReplicaFallback, ReplicatedRedisWithStableReaders, ReplicatedRedisWithStableReadersProps, TransitEncryptionMode } from '../../src';
import { UpdaterEnv, UpdaterMetrics } from '../../src/private/contract';
import { newStackWithVpc } from '../support/stacks';

function synth(props: Partial<ReplicatedRedisWithStableReadersProps> = {}) {
  const { stack, vpc } = newStackWithVpc();
  const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, ...props });
  return { stack, vpc, cache, template: Template.fromStack(stack) };
}

function replicationGroup(template: Template): Record<string, any> {
  const groups = template.findResources('AWS::ElastiCache::ReplicationGroup');
  expect(Object.keys(groups)).toHaveLength(1);
  return Object.values(groups)[0];
}

describe('replication group', () => {
  test('defaults: Multi-AZ, automatic failover, Valkey, replicas as NumCacheClusters, never ReplicasPerNodeGroup', () => {
    // GIVEN / WHEN
    const { template, cache } = synth();
    // THEN
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ReplicationGroupId: cache.replicationGroupId,
      Engine: 'valkey',
      EngineVersion: '8.2',
      CacheNodeType: 'cache.m7g.large',
      ClusterMode: 'disabled',
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      Port: 6379,
      AutoMinorVersionUpgrade: true,
      SnapshotRetentionLimit: 7,
    });
    expect(replicationGroup(template).Properties.ReplicasPerNodeGroup).toBeUndefined();
    expect(replicationGroup(template).Properties.NumNodeGroups).toBeUndefined();
  });

  test('an r6gd node type turns data tiering on, which ElastiCache requires for it; other types leave it out (create-only)', () => {
    expect(replicationGroup(synth({ cacheNodeType: 'cache.r6gd.xlarge' }).template).Properties.DataTieringEnabled).toBe(true);
    expect(replicationGroup(synth({ cacheNodeType: 'cache.r6g.xlarge' }).template).Properties.DataTieringEnabled).toBeUndefined();
    expect(replicationGroup(synth().template).Properties.DataTieringEnabled).toBeUndefined();
  });

  test('the replication group is the construct\'s default child with id Resource', () => {
    const { cache } = synth();
    expect(cache.replicationGroup.node.id).toBe('Resource');
    expect(cache.node.defaultChild).toBe(cache.replicationGroup);
  });

  test('the default replication group id is a valid, stable ElastiCache id', () => {
    const first = synth().cache.replicationGroupId;
    const second = synth().cache.replicationGroupId;
    expect(first).toBe(second);
    expect(first).toMatch(/^[a-z](?!.*--)[a-z0-9-]{0,39}$/);
    expect(first).not.toMatch(/-$/);
  });

  test.each([1, 5])('replicas %d renders NumCacheClusters %d + 1', (replicas) => {
    const { template } = synth({ replicas });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NumCacheClusters: replicas + 1 });
  });

  test('redis engine with a custom parameter group whose family follows the version', () => {
    // GIVEN / WHEN
    const { template } = synth({ engine: ReplicationGroupEngine.REDIS, engineVersion: '7.1', parameters: { 'maxmemory-policy': 'allkeys-lru' } });
    // THEN
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'redis7',
      Properties: { 'maxmemory-policy': 'allkeys-lru' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheParameterGroupName: { Ref: Match.stringLikeRegexp('CacheParameterGroup') },
    });
  });

  test('no parameter group without parameters', () => {
    synth().template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
  });

  test('custom node type, port and windows', () => {
    const { template, cache } = synth({
      cacheNodeType: 'cache.r7g.large',
      port: 6380,
      snapshotRetentionLimit: 14,
      snapshotWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      autoMinorVersionUpgrade: false,
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.r7g.large',
      Port: 6380,
      SnapshotRetentionLimit: 14,
      SnapshotWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      AutoMinorVersionUpgrade: false,
    });
    expect(cache.port).toBe(6380);
  });

  test.each([
    [undefined, 'Snapshot'],
    [RemovalPolicy.SNAPSHOT, 'Snapshot'],
    [RemovalPolicy.RETAIN, 'Retain'],
    [RemovalPolicy.DESTROY, 'Delete'],
  ])('removalPolicy %s renders DeletionPolicy %s', (removalPolicy, expected) => {
    const group = replicationGroup(synth({ removalPolicy }).template);
    expect(group.DeletionPolicy).toBe(expected);
    expect(group.UpdateReplacePolicy).toBe(expected);
  });

  test.each([
    [RemovalPolicy.SNAPSHOT, 'Delete'],
    [RemovalPolicy.RETAIN, 'Retain'],
  ])('log groups are named under /aws/vendedlogs/ and, with removalPolicy %s, have DeletionPolicy %s', (removalPolicy, expected) => {
    const { template, cache } = synth({ removalPolicy });
    for (const logType of ['slow-log', 'engine-log']) {
      const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: `/aws/vendedlogs/elasticache/${cache.replicationGroupId}/${logType}` } });
      expect(Object.values(groups).map((group) => group.DeletionPolicy)).toEqual([expected]);
    }
  });

  test.each([
    [undefined, 'Retain'],
    [RemovalPolicy.SNAPSHOT, 'Retain'],
    [RemovalPolicy.RETAIN, 'Retain'],
    [RemovalPolicy.DESTROY, 'Delete'],
  ])('the generated AUTH token follows removalPolicy %s with DeletionPolicy %s', (removalPolicy, expected) => {
    // A retained group, or one restored from its final snapshot, is reachable only with its token; Secrets Manager
    // has no snapshot, so SNAPSHOT retains the secret.
    const { template } = synth({ removalPolicy });
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.map((secret) => [secret.DeletionPolicy, secret.UpdateReplacePolicy])).toEqual([[expected, expected]]);
  });

  test.each([
    [RemovalPolicy.SNAPSHOT, 'Delete'],
    [RemovalPolicy.RETAIN, 'Retain'],
  ])('with removalPolicy %s, what the group uses (subnet group, parameter group, security group) has DeletionPolicy %s', (removalPolicy, expected) => {
    // Deleting them under a retained group fails: CacheSubnetGroupInUse, InvalidCacheParameterGroupState, DependencyViolation.
    const { template } = synth({ removalPolicy, parameters: { 'maxmemory-policy': 'allkeys-lru' } });
    for (const type of ['AWS::ElastiCache::SubnetGroup', 'AWS::ElastiCache::ParameterGroup', 'AWS::EC2::SecurityGroup']) {
      const resources = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith('Cache'));
      expect(resources.map(([id, resource]) => [id, resource.DeletionPolicy ?? 'Delete'])).toEqual(resources.map(([id]) => [id, expected]));
      expect(resources.length).toBeGreaterThan(0);
    }
  });

  test('slow-log and engine-log go to CloudWatch Logs log groups with a retention', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      LogDeliveryConfigurations: [
        Match.objectLike({ LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json' }),
        Match.objectLike({ LogType: 'engine-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json' }),
      ],
    });
    const logGroups = template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
    expect(Object.keys(logGroups).filter((id) => /SlowLog|EngineLog/.test(id))).toHaveLength(2);
  });
});

describe('network', () => {
  test('a subnet group over the private subnets and a new security group with no ingress', () => {
    // GIVEN / WHEN
    const { template, vpc, stack } = synth();
    // THEN
    const privateIds = vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId));
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', { SubnetIds: privateIds });
    const groups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('ElastiCache nodes') } });
    expect(Object.keys(groups)).toHaveLength(1);
    const [group] = Object.values(groups);
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('vpcSubnets selects the subnets', () => {
    const { template, vpc, stack } = synth({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: vpc.isolatedSubnets.map((subnet) => stack.resolve(subnet.subnetId)),
    });
  });

  test('given security groups replace the new one', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    const mine = new ec2.SecurityGroup(stack, 'Mine', { vpc });
    // WHEN
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, securityGroups: [mine] });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { SecurityGroupIds: [stack.resolve(mine.securityGroupId)] });
    expect(cache.securityGroups).toEqual([mine]);
    expect(cache.node.tryFindChild('SecurityGroup')).toBeUndefined();
  });

  test('connections open the cache port to a peer (IConnectable)', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, port: 6380 });
    const app = new ec2.SecurityGroup(stack, 'App', { vpc });
    // WHEN
    app.connections.allowToDefaultPort(cache);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
      GroupId: stack.resolve(cache.securityGroups[0].securityGroupId),
      SourceSecurityGroupId: stack.resolve(app.securityGroupId),
    });
  });
});

describe('encryption and auth', () => {
  test('at rest and in transit (required) are on, with a generated AUTH token as a dynamic reference', () => {
    // GIVEN / WHEN
    const { template, cache, stack } = synth();
    // THEN
    const props = replicationGroup(template).Properties;
    expect(props.AtRestEncryptionEnabled).toBe(true);
    expect(props.TransitEncryptionEnabled).toBe(true);
    expect(props.TransitEncryptionMode).toBe('required');
    expect(props.KmsKeyId).toBeUndefined();
    const token = JSON.stringify(props.AuthToken);
    expect(token).toContain('{{resolve:secretsmanager:');
    expect(token).toContain(stack.resolve((cache.authTokenSecret!.node.defaultChild as secretsmanager.CfnSecret).ref).Ref);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
    // The token itself never appears in the template.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"AuthToken":\s*"[^{]/);
  });

  test('a customer managed key for at-rest encryption', () => {
    const { stack, vpc } = newStackWithVpc();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, kmsKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { KmsKeyId: stack.resolve(key.keyArn) });
  });

  test('an RBAC user group instead of an AUTH token', () => {
    const { template, cache } = synth({ userGroupId: 'app-users' });
    const props = replicationGroup(template).Properties;
    expect(props.UserGroupIds).toEqual(['app-users']);
    expect(props.AuthToken).toBeUndefined();
    expect(cache.authTokenSecret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('a given AUTH token secret is used as is', () => {
    const { stack, vpc } = newStackWithVpc();
    const secret = new secretsmanager.Secret(stack, 'Token');
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, authTokenSecret: secret, transitEncryptionMode: TransitEncryptionMode.PREFERRED });
    const template = Template.fromStack(stack);
    expect(cache.authTokenSecret).toBe(secret);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { TransitEncryptionMode: 'preferred' });
  });

  test('Redis OSS before 7 gets TLS without a TransitEncryptionMode, which it does not support', () => {
    const props = replicationGroup(synth({ engine: ReplicationGroupEngine.REDIS, engineVersion: '6.2' }).template).Properties;
    expect(props.TransitEncryptionEnabled).toBe(true);
    expect(props.TransitEncryptionMode).toBeUndefined();
  });

  test('TLS off: no token, no mode', () => {
    const { template, cache } = synth({ transitEncryption: false });
    const props = replicationGroup(template).Properties;
    expect(props.TransitEncryptionEnabled).toBe(false);
    expect(props.TransitEncryptionMode).toBeUndefined();
    expect(props.AuthToken).toBeUndefined();
    expect(cache.authTokenSecret).toBeUndefined();
  });
});

describe('notification topic', () => {
  test('an unencrypted topic wired as NotificationTopicArn, with the ElastiCache publish statement using aws:SourceOwner', () => {
    // GIVEN / WHEN
    const { template, cache, stack } = synth();
    // THEN
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    expect(Object.values(topics)[0].Properties.KmsMasterKeyId).toBeUndefined();
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NotificationTopicArn: stack.resolve(cache.notificationTopic.topicArn) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowElastiCachePublish',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sns:Publish',
          Condition: { StringEquals: { 'AWS:SourceOwner': { Ref: 'AWS::AccountId' } } },
        })]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::SNS::TopicPolicy'))).not.toContain('aws:SourceAccount');
  });

  test('the ElastiCache statement survives another statement added to the topic policy', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc();
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc });
    // WHEN
    (cache.notificationTopic as sns.Topic).addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyInsecureSubscribe',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Subscribe'],
      resources: [cache.notificationTopic.topicArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    // THEN
    const policies = Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const sids = Object.values(policies)[0].Properties.PolicyDocument.Statement.map((statement: any) => statement.Sid);
    expect(sids).toEqual(['AllowElastiCachePublish', 'DenyInsecureSubscribe']);
  });

  test('the group waits for the topic policy, so ElastiCache can publish from its first event', () => {
    const { template } = synth();
    const policyId = Object.keys(template.findResources('AWS::SNS::TopicPolicy'))[0];
    expect(replicationGroup(template).DependsOn).toEqual(expect.arrayContaining([policyId]));
  });

  test('a given topic is used and the updater subscribes to it', () => {
    const { stack, vpc } = newStackWithVpc();
    const topic = new sns.Topic(stack, 'MyTopic');
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, notificationTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NotificationTopicArn: stack.resolve(topic.topicArn) });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: stack.resolve(topic.topicArn),
      Endpoint: stack.resolve(cache.updaterFunction.functionArn),
    });
  });
});

describe('hosted zone and names', () => {
  test('a private zone in the VPC, with primary and reader CNAMEs at the recordTtl', () => {
    // GIVEN / WHEN
    const { template, cache, stack, vpc } = synth({ recordTtl: Duration.seconds(5) });
    // THEN
    template.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: `${cache.replicationGroupId}.cache.internal.`,
      VPCs: [{ VPCId: stack.resolve(vpc.vpcId), VPCRegion: { Ref: 'AWS::Region' } }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `primary.${cache.replicationGroupId}.cache.internal.`,
      Type: 'CNAME',
      TTL: '5',
      ResourceRecords: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Cache'), 'PrimaryEndPoint.Address'] }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `reader.${cache.replicationGroupId}.cache.internal.`,
      Type: 'CNAME',
      TTL: '5',
      ResourceRecords: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Cache'), 'ReaderEndPoint.Address'] }],
    });
    expect(cache.primaryHostname).toBe(`primary.${cache.replicationGroupId}.cache.internal`);
    expect(cache.readerHostname).toBe(`reader.${cache.replicationGroupId}.cache.internal`);
  });

  test('replica names are not CloudFormation records; a custom resource owns them', () => {
    // GIVEN / WHEN
    const { template, cache, stack } = synth({ replicas: 3, zoneName: 'Sessions.Internal' });
    // THEN
    expect(cache.replicaHostnames).toEqual(['replica1.sessions.internal', 'replica2.sessions.internal', 'replica3.sessions.internal']);
    const recordNames = Object.values(template.findResources('AWS::Route53::RecordSet')).map((record) => record.Properties.Name);
    expect(recordNames.sort()).toEqual(['primary.sessions.internal.', 'reader.sessions.internal.']);
    template.hasResourceProperties('Custom::ReplicaRecords', {
      ReplicaRecordNames: 'replica1.sessions.internal,replica2.sessions.internal,replica3.sessions.internal',
      HostedZoneId: stack.resolve(cache.hostedZone.hostedZoneId),
    });
  });

  test('the replica records re-run at deploy time when the group, its endpoints or the settings change', () => {
    const { template, cache } = synth({ recordTtl: Duration.seconds(20), noReplicaFallback: NoReplicaFallback.KEEP });
    const groupId = Object.keys(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    template.hasResourceProperties('Custom::ReplicaRecords', {
      ReplicationGroupId: { Ref: groupId },
      PrimaryEndpointAddress: { 'Fn::GetAtt': [groupId, 'PrimaryEndPoint.Address'] },
      RecordTtlSeconds: '20',
      NoReplicaFallback: 'keep',
    });
    expect(cache.replicationGroupId).toBeDefined();
  });

  test('the subscription and the schedule are removed before the names at stack deletion', () => {
    const { template } = synth();
    const recordsId = Object.keys(template.findResources('Custom::ReplicaRecords'))[0];
    for (const type of ['AWS::SNS::Subscription', 'AWS::Events::Rule']) {
      const [resource] = Object.values(template.findResources(type));
      expect(resource.DependsOn).toEqual(expect.arrayContaining([recordsId]));
    }
  });

  test('the replica records wait for the replication group and the zone, so they are seeded after and deleted before', () => {
    const { template } = synth();
    const [records] = Object.values(template.findResources('Custom::ReplicaRecords'));
    const groupId = Object.keys(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    const zoneId = Object.keys(template.findResources('AWS::Route53::HostedZone'))[0];
    expect(records.DependsOn).toEqual(expect.arrayContaining([groupId, zoneId]));
  });

  test('two instances in one VPC get different zone names', () => {
    const { stack, vpc } = newStackWithVpc();
    const first = new ReplicatedRedisWithStableReaders(stack, 'First', { vpc });
    const second = new ReplicatedRedisWithStableReaders(stack, 'Second', { vpc });
    expect(first.hostedZone.zoneName).not.toBe(second.hostedZone.zoneName);
    expect(first.replicationGroupId).not.toBe(second.replicationGroupId);
  });

  test('an imported private zone is used, and no zone is created', () => {
    const { stack, vpc } = newStackWithVpc();
    const zone = route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'cache.example.internal' });
    const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, hostedZone: zone });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Route53::HostedZone', 0);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'primary.cache.example.internal.', HostedZoneId: 'Z0123456789' });
    expect(cache.replicaHostnames).toEqual(['replica1.cache.example.internal', 'replica2.cache.example.internal']);
  });
});

describe('updater', () => {
  test('bundled handler on Node.js 24, arm64, with the contract environment', () => {
    // GIVEN / WHEN
    const { template, cache, stack } = synth({ recordTtl: Duration.seconds(15), noReplicaFallback: NoReplicaFallback.KEEP });
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          [UpdaterEnv.REPLICATION_GROUP_ID]: cache.replicationGroupId,
          [UpdaterEnv.HOSTED_ZONE_ID]: stack.resolve(cache.hostedZone.hostedZoneId),
          [UpdaterEnv.REPLICA_RECORD_NAMES]: cache.replicaHostnames.join(','),
          [UpdaterEnv.RECORD_TTL_SECONDS]: '15',
          [UpdaterEnv.NO_REPLICA_FALLBACK]: 'keep',
          // The stack that owns the lease: scheduled and notified runs write only under a lease of this stack.
          [UpdaterEnv.STACK_ID]: { Ref: 'AWS::StackId' },
          // The custom resource's logical id: with the stack id, what its events name as the lease's owner.
          [UpdaterEnv.NAMES_LOGICAL_ID]: Object.keys(template.findResources('Custom::ReplicaRecords'))[0],
        },
      },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
  });

  test('subscribed to the topic, scheduled every 5 minutes, dead-letter queue encrypted', () => {
    const { template, cache, stack } = synth();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: stack.resolve(cache.notificationTopic.topicArn),
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  test('reconcileInterval changes the schedule; scheduledReconcile false removes it', () => {
    synth({ reconcileInterval: Duration.minutes(15) }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    synth({ scheduledReconcile: false }).template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('the alarm fires on updater errors, dead-lettered events, or runs that found the names not theirs to manage', () => {
    const { template, cache } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(errors, 0) + FILL(deadLettered, 0) + FILL(notManaged, 0)' }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Errors' }), Period: 60 }) }),
        Match.objectLike({ Id: 'deadLettered', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }) }) }),
        // The handler publishes it with Powertools' service dimension and the group's (lambda/updater/updater.lambda.ts).
        Match.objectLike({
          Id: 'notManaged',
          MetricStat: {
            Metric: {
              Namespace: 'CdkRedisStableReaders',
              MetricName: 'NamesNotManaged',
              Dimensions: [
                { Name: 'ReplicationGroupId', Value: cache.replicationGroupId },
                { Name: 'service', Value: UpdaterMetrics.SERVICE },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        }),
      ]),
    });
    expect(cache.updaterAlarm.alarmArn).toBeDefined();
  });

  test.each([
    ['the default 5-minute schedule', {}, 5],
    ['a 15-minute schedule', { reconcileInterval: Duration.minutes(15) }, 15],
    ['no schedule (the default interval)', { scheduledReconcile: false }, 5],
  ])('with %s, one breaching minute within one schedule interval fires the alarm', (_, props, minutes) => {
    synth(props).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('may be stale'),
      EvaluationPeriods: minutes,
      DatapointsToAlarm: 1,
    });
  });
});

describe('least-privilege IAM', () => {
  function updaterPolicy(template: Template): any[] {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Policies: [{ PolicyName: 'Updater' }] } });
    expect(Object.keys(roles)).toHaveLength(1);
    return Object.values(roles)[0].Properties.Policies[0].PolicyDocument.Statement;
  }

  /** The policy that reads the group: a resource of its own, named after the group. */
  function groupPolicy(template: Template): { logicalId: string; statements: any[] } {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadReplicationGroup' })]) } },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    const [logicalId, policy] = Object.entries(policies)[0];
    return { logicalId, statements: policy.Properties.PolicyDocument.Statement };
  }

  test('no AWS-managed policies anywhere', () => {
    const { template } = synth();
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test('Route 53 writes only CNAME CREATE/DELETE of replica*.<zone> in this zone', () => {
    const { template, cache, stack } = synth({ zoneName: 'sessions.internal' });
    const zoneArn = stack.resolve(cache.hostedZone.hostedZoneArn);
    expect(updaterPolicy(template)).toEqual(expect.arrayContaining([
      {
        Sid: 'WriteReplicaNames',
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: zoneArn,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            'route53:ChangeResourceRecordSetsActions': ['CREATE', 'DELETE'],
          },
          'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['replica*.sessions.internal'] },
        },
      },
      { Sid: 'ReadReplicaNames', Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: zoneArn },
    ]));
  });

  test('no route53:GetChange: the updater never waits for a change to propagate', () => {
    expect(JSON.stringify(synth().template.toJSON())).not.toContain('route53:GetChange');
  });

  test('ElastiCache reads only this group and its members', () => {
    const { template, cache } = synth();
    const arn = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
    });
    expect(groupPolicy(template).statements).toEqual([
      { Sid: 'ReadReplicationGroup', Effect: 'Allow', Action: 'elasticache:DescribeReplicationGroups', Resource: arn(`replicationgroup:${cache.replicationGroupId}`) },
      { Sid: 'ReadMemberStatus', Effect: 'Allow', Action: 'elasticache:DescribeCacheClusters', Resource: arn(`cluster:${cache.replicationGroupId}-*`) },
    ]);
    expect(JSON.stringify(updaterPolicy(template))).not.toContain('elasticache:');
  });

  test('a new replicationGroupId makes a new group policy, and the function waits for it and for the group', () => {
    // GIVEN the README's procedure: replicationGroupId changes, zoneName is kept
    const before = synth({ replicationGroupId: 'sessions-v1', zoneName: 'sessions.internal' }).template;
    const after = synth({ replicationGroupId: 'sessions-v2', zoneName: 'sessions.internal' }).template;

    // THEN the group policy gets a new logical id. CloudFormation creates a resource new to the template during the
    // update and deletes one gone from it in the cleanup phase, after every create and update ("Update behaviors of stack
    // resources", CloudFormation User Guide), so the role holds both reads while the function moves from one id to the other.
    const [oldPolicy, newPolicy] = [groupPolicy(before).logicalId, groupPolicy(after).logicalId];
    expect(newPolicy).not.toBe(oldPolicy);
    // AND the function (whose environment names the group) is updated only after the new policy and the new group exist
    const functionOf = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [UpdaterEnv.REPLICATION_GROUP_ID]: Match.anyValue() } } },
    }))[0];
    const groupId = (template: Template) => Object.keys(template.findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    expect(functionOf(after).DependsOn).toEqual(expect.arrayContaining([newPolicy, groupId(after)]));
    expect(functionOf(before).DependsOn).toEqual(expect.arrayContaining([oldPolicy, groupId(before)]));
  });

  test('log writes only to its own log group', () => {
    const { template } = synth();
    const logs = updaterPolicy(template).find((statement) => statement.Sid === 'WriteOwnLogs');
    expect(logs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(JSON.stringify(logs.Resource)).toMatch(/UpdaterLogGroup/);
    expect(JSON.stringify(updaterPolicy(template))).not.toMatch(/"Resource":"\*"/);
  });
});

describe('metrics', () => {
  test('replication lag and engine CPU are the maximum over every member', () => {
    const { cache, stack } = synth({ replicas: 2 });
    const lag = stack.resolve(cache.metricReplicationLag().toMetricConfig().mathExpression);
    expect(lag.expression).toBe('MAX([node1, node2, node3])');
    expect(Object.values<any>(lag.usingMetrics).map((metric) => metric.dimensions.CacheClusterId)).toEqual(
      ['001', '002', '003'].map((suffix) => `${cache.replicationGroupId}-${suffix}`),
    );
    expect(Object.values<any>(lag.usingMetrics).every((metric) => metric.metricName === 'ReplicationLag')).toBe(true);
    const cpu = stack.resolve(cache.metricEngineCpuUtilization().toMetricConfig().mathExpression);
    expect(Object.values<any>(cpu.usingMetrics).every((metric) => metric.metricName === 'EngineCPUUtilization')).toBe(true);
  });

  test('updater errors metric is the function\'s Errors sum', () => {
    const { cache } = synth();
    const metric = cache.metricUpdaterErrors();
    expect(metric.metricName).toBe('Errors');
    expect(metric.statistic).toBe('Sum');
    expect(Stack.of(cache)).toBeDefined();
  });
});
