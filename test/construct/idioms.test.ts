import { ArnFormat, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  IReplicatedRedisWithStableReaders,
  ReplicatedRedisWithStableReaders,
  ReplicatedRedisWithStableReadersAttributes,
  ReplicatedRedisWithStableReadersProps,
} from '../../src';
import { newStackWithVpc } from '../support/stacks';

function synth(props: Partial<ReplicatedRedisWithStableReadersProps> = {}) {
  const { app, stack, vpc } = newStackWithVpc();
  const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicationGroupId: 'sessions', ...props });
  return { app, stack, vpc, cache };
}

/** The statements of every IAM policy in the stack, flattened. */
function statements(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values<any>(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('the interface and the ARN', () => {
  test('the construct is an IReplicatedRedisWithStableReaders with the replication group ARN', () => {
    // GIVEN
    const { stack, cache } = synth();
    // WHEN
    const asInterface: IReplicatedRedisWithStableReaders = cache;
    // THEN
    expect(stack.resolve(asInterface.replicationGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':replicationgroup:sessions']],
    });
    expect(cache.memberIds).toEqual(['sessions-001', 'sessions-002', 'sessions-003']);
    expect(cache.securityGroups).toHaveLength(1);
  });
});

describe('applyRemovalPolicy (from Resource)', () => {
  test('applies to the replication group only; the prop covers the rest', () => {
    const { stack, cache } = synth();
    cache.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Template.fromStack(stack).hasResource('AWS::ElastiCache::ReplicationGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    Template.fromStack(stack).hasResource('AWS::EC2::SecurityGroup', { DeletionPolicy: Match.absent() });
  });
});

describe('fromReplicatedRedisWithStableReadersAttributes', () => {
  function importInto(stack: Stack, attrs: Partial<ReplicatedRedisWithStableReadersAttributes> = {}) {
    return ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(stack, 'Cache', {
      replicationGroupId: 'sessions',
      replicas: 3,
      hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'Sessions.Cache.Internal.' }),
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSecurityGroup', 'sg-0123456789abcdef0')],
      ...attrs,
    });
  }

  test('another app gets the names, port, member ids and ARN of a deployed cache', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Workers', { env: { account: '111111111111', region: 'eu-west-1' } });
    // WHEN
    const cache = importInto(stack);
    // THEN
    expect(cache.primaryHostname).toBe('primary.sessions.cache.internal');
    expect(cache.readerHostname).toBe('reader.sessions.cache.internal');
    expect(cache.replicaHostnames).toEqual(['replica1', 'replica2', 'replica3'].map((label) => `${label}.sessions.cache.internal`));
    expect(cache.port).toBe(6379);
    expect(cache.memberIds).toEqual(['sessions-001', 'sessions-002', 'sessions-003', 'sessions-004']);
    expect(stack.resolve(cache.replicationGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:eu-west-1:111111111111:replicationgroup:sessions']],
    });
    expect(cache.authTokenSecret).toBeUndefined();
  });

  test('connections open the cache port on the imported security group, in the importing stack', () => {
    // GIVEN
    const { stack, vpc } = newStackWithVpc('Workers');
    const cache = importInto(stack, { port: 6380 });
    const worker = new ec2.SecurityGroup(stack, 'Worker', { vpc });
    // WHEN
    cache.connections.allowDefaultPortFrom(worker);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 6380,
      ToPort: 6380,
      SourceSecurityGroupId: stack.resolve(worker.securityGroupId),
    });
  });

  test('a second stack of the same app imports the cache from the first and synthesizes without warnings', () => {
    // GIVEN
    const { app, stack, vpc, cache } = synth();
    const workers = new Stack(app, 'Workers');
    // aws-cdk-lib 2.27x warns on the first cross-stack reference of an app that has not chosen a reference
    // strength (@aws-cdk/core:defaultCrossStackReferences): the app's choice, made here as its default.
    workers.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
    // WHEN
    const imported = ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(workers, 'Cache', {
      replicationGroupId: cache.replicationGroupId,
      replicas: cache.replicaHostnames.length,
      hostedZone: cache.hostedZone,
      securityGroups: cache.securityGroups,
      port: cache.port,
      primaryEndpointAddress: cache.primaryEndpointAddress,
      authTokenSecret: cache.authTokenSecret,
    });
    const fn = new iam.Role(workers, 'Worker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    imported.grantReadAuthToken(fn);
    imported.metricReplicationLag().createAlarm(workers, 'Lag', { threshold: 5, evaluationPeriods: 3 });
    new CfnOutput(workers, 'Primary', { value: imported.primaryEndpointAddress });
    const worker = new ec2.SecurityGroup(workers, 'WorkerSecurityGroup', { vpc });
    imported.connections.allowDefaultPortFrom(worker);
    // THEN
    expect(imported.replicaHostnames).toEqual(cache.replicaHostnames);
    Template.fromStack(workers).hasOutput('Primary', { Value: { 'Fn::ImportValue': Match.stringLikeRegexp('PrimaryEndPointAddress') } });
    Template.fromStack(workers).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })]) },
    });
    // The port opens in the importing stack, on the cache's group by import: the app depends on the cache's stack, not both ways.
    Template.fromStack(workers).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('CacheSecurityGroup') },
      SourceSecurityGroupId: workers.resolve(worker.securityGroupId),
    });
    expect(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
    expect(Annotations.fromStack(workers).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  test('an endpoint that was not given throws when read, naming it', () => {
    const stack = new Stack();
    const cache = importInto(stack);
    expect(() => cache.readerEndpointAddress).toThrow('Default/Cache was imported without readerEndpointAddress: pass it to fromReplicatedRedisWithStableReadersAttributes');
  });

  test.each<[string, (stack: Stack) => Partial<ReplicatedRedisWithStableReadersAttributes>, string]>([
    ['no replicas', () => ({ replicas: 0 }), '- replicas must be an integer from 1 to 5, got 0'],
    ['too many replicas', () => ({ replicas: 6 }), '- replicas must be an integer from 1 to 5, got 6'],
    ['a zone without a name', (stack) => ({ hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneId(stack, 'ById', 'Z0123456789') }),
      '- hostedZone must know its zone name (import it with PrivateHostedZone.fromPrivateHostedZoneAttributes), got Default/ById'],
  ])('refuses %s', (_name, attrs, message) => {
    const stack = new Stack();
    expect(() => importInto(stack, attrs(stack))).toThrow(`Invalid ReplicatedRedisWithStableReaders attributes at Default/Cache:\n${message}`);
  });
});

describe('grants', () => {
  test('grantConnect: elasticache:Connect on the replication group and each IAM-enabled user', () => {
    // GIVEN
    const { stack, cache } = synth({ userGroupId: 'app-users' });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    cache.grantConnect(role, 'app-user');
    // THEN
    const connect = statements(stack).find((statement) => statement.Action === 'elasticache:Connect');
    expect(connect.Resource).toEqual([
      stack.resolve(cache.replicationGroupArn),
      stack.resolve(stack.formatArn({ service: 'elasticache', resource: 'user', resourceName: 'app-user', arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    ]);
  });

  test('grantConnect refuses a cache without a user group: it authenticates with an AUTH token', () => {
    const { stack, cache } = synth();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => cache.grantConnect(role, 'app-user')).toThrow(
      'TestStack/Cache has no userGroupId: IAM authentication needs an RBAC user group. Clients of an AUTH-token cache read the token instead (grantReadAuthToken).',
    );
  });

  test('grantReadAuthToken: read on the generated secret, whose ARN the app is handed', () => {
    // GIVEN
    const { stack, cache } = synth();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    cache.grantReadAuthToken(role);
    // THEN
    const read = statements(stack).find((statement) => JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'));
    expect(read.Resource).toEqual(stack.resolve(cache.authTokenSecret!.secretArn));
  });

  test('grantReadAuthToken refuses a cache that has no AUTH token', () => {
    const { stack, cache } = synth({ userGroupId: 'app-users' });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => cache.grantReadAuthToken(role)).toThrow(
      'TestStack/Cache has no AUTH token to grant: it uses RBAC user groups (see grantConnect) or has transitEncryption off',
    );
  });

  test('grant: any action, scoped to the replication group', () => {
    const { stack, cache } = synth();
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    cache.grant(role, 'elasticache:DescribeReplicationGroups');
    const statement = statements(stack).find((s) => s.Action === 'elasticache:DescribeReplicationGroups');
    expect(statement.Resource).toEqual(stack.resolve(cache.replicationGroupArn));
  });

  test('an imported cache grants the secret it was given, and connect without a user-group check', () => {
    const stack = new Stack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'sessions-auth-token');
    const cache = ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(stack, 'Cache', {
      replicationGroupId: 'sessions',
      replicas: 1,
      hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'sessions.cache.internal' }),
      securityGroups: [],
      authTokenSecret: secret,
    });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    cache.grantReadAuthToken(role);
    cache.grantConnect(role);
    expect(JSON.stringify(stack.resolve(statements(stack)))).toContain('secret:sessions-auth-token-??????');
    expect(statements(stack).find((s) => s.Action === 'elasticache:Connect').Resource).toEqual(stack.resolve(cache.replicationGroupArn));
  });
});

describe('metrics', () => {
  test('metric(): one member node, the first by default, another through dimensionsMap', () => {
    const { cache } = synth();
    const first = cache.metric('CurrItems');
    expect(first).toBeInstanceOf(cloudwatch.Metric);
    expect(first.namespace).toBe('AWS/ElastiCache');
    expect(first.dimensions).toEqual({ CacheClusterId: 'sessions-001' });
    expect(first.statistic).toBe('Average');
    expect(cache.metric('CurrItems', { dimensionsMap: { CacheClusterId: cache.memberIds[2] } }).dimensions).toEqual({ CacheClusterId: 'sessions-003' });
  });

  test.each<[string, (cache: ReplicatedRedisWithStableReaders) => cloudwatch.MathExpression, string, string, string]>([
    ['replication lag', (cache) => cache.metricReplicationLag(), 'MAX([node1, node2, node3])', 'ReplicationLag', 'Maximum'],
    ['engine CPU', (cache) => cache.metricEngineCpuUtilization(), 'MAX([node1, node2, node3])', 'EngineCPUUtilization', 'Maximum'],
    ['memory', (cache) => cache.metricDatabaseMemoryUsagePercentage(), 'MAX([node1, node2, node3])', 'DatabaseMemoryUsagePercentage', 'Maximum'],
    ['evictions', (cache) => cache.metricEvictions(), 'SUM([node1, node2, node3])', 'Evictions', 'Sum'],
    ['connections', (cache) => cache.metricCurrentConnections(), 'MAX([node1, node2, node3])', 'CurrConnections', 'Maximum'],
    ['any node metric', (cache) => cache.metricMaxOverMembers('SwapUsage'), 'MAX([node1, node2, node3])', 'SwapUsage', 'Maximum'],
  ])('%s covers every member, whichever holds which role', (_name, metric, expression, metricName, statistic) => {
    const { cache } = synth();
    const math = metric(cache);
    expect(math.expression).toBe(expression);
    const members = Object.values(math.usingMetrics) as cloudwatch.Metric[];
    expect(members.map((member) => member.dimensions?.CacheClusterId)).toEqual(['sessions-001', 'sessions-002', 'sessions-003']);
    expect(members.every((member) => member.metricName === metricName && member.statistic === statistic)).toBe(true);
  });

  test('cache hit rate is hits over lookups on every node, in percent', () => {
    const { cache } = synth({ replicas: 1 });
    const rate = cache.metricCacheHitRate();
    expect(rate.expression).toBe('100 * SUM([hits1, hits2]) / (SUM([hits1, hits2]) + SUM([misses1, misses2]))');
    const names = Object.values(rate.usingMetrics).map((metric) => (metric as cloudwatch.Metric).metricName);
    expect(names).toEqual(['CacheHits', 'CacheHits', 'CacheMisses', 'CacheMisses']);
  });

  test('createAlarm works on what the named metrics return', () => {
    // GIVEN
    const { stack, cache } = synth();
    // WHEN
    cache.metricReplicationLag().createAlarm(stack, 'LagAlarm', { threshold: 5, evaluationPeriods: 3 });
    cache.metricCacheHitRate().createAlarm(stack, 'HitRateAlarm', {
      threshold: 80,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([node1, node2, node3])', ReturnData: true }),
        Match.objectLike({ Id: 'node1', ReturnData: false, MetricStat: Match.objectLike({ Period: 60, Stat: 'Maximum' }) }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 80, ComparisonOperator: 'LessThanThreshold' });
  });
});

describe('the updater alarm', () => {
  test('is a cloudwatch.Alarm, so an SNS action can be added', () => {
    // GIVEN
    const { stack, cache } = synth();
    const pager = new sns.Topic(stack, 'Pager');
    // WHEN
    cache.updaterAlarm.addAlarmAction(new actions.SnsAction(pager));
    // THEN
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    const updater = Object.values<any>(alarms).find((alarm) => String(alarm.Properties.AlarmDescription).includes('may be stale'));
    expect(updater.Properties.AlarmActions).toEqual([stack.resolve(pager.topicArn)]);
  });
});
