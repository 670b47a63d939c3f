import { ArnFormat, Duration, IResource, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * A replication group with stable reader names, defined in this app or imported.
 *
 * Both `ReplicatedRedisWithStableReaders` and what
 * `ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes` returns implement it,
 * so code that connects an app to the cache works with either.
 */
export interface IReplicatedRedisWithStableReaders extends IResource, ec2.IConnectable {
  /**
   * The replication group id.
   *
   * @attribute
   */
  readonly replicationGroupId: string;

  /**
   * The replication group's ARN, `arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>`.
   *
   * @attribute
   */
  readonly replicationGroupArn: string;

  /**
   * The ids of the group's member nodes, `<group id>-001` to `<group id>-00N` (replicas + 1).
   *
   * These are the `CacheClusterId` dimensions of the nodes' CloudWatch metrics. An id names a node, not a
   * role: after a failover `-001` may be a replica.
   */
  readonly memberIds: string[];

  /** `primary.<zone>`: follows the primary (a CNAME to ElastiCache's primary endpoint). */
  readonly primaryHostname: string;

  /** `reader.<zone>`: ElastiCache's reader endpoint, spread over the replicas. */
  readonly readerHostname: string;

  /** `replica1.<zone>` … `replicaN.<zone>`, each on one live replica. */
  readonly replicaHostnames: string[];

  /**
   * ElastiCache's own primary endpoint.
   *
   * @attribute
   */
  readonly primaryEndpointAddress: string;

  /**
   * ElastiCache's own reader endpoint.
   *
   * @attribute
   */
  readonly readerEndpointAddress: string;

  /** The port every node listens on. */
  readonly port: number;

  /** The security groups of the nodes. */
  readonly securityGroups: ec2.ISecurityGroup[];

  /** The private hosted zone holding every name. */
  readonly hostedZone: route53.IPrivateHostedZone;

  /**
   * The secret holding the AUTH token, when clients authenticate with one.
   *
   * Hand an app its `secretArn` and call `grantReadAuthToken`.
   *
   * @default - none: the cache uses RBAC user groups, or has no TLS and so no AUTH
   */
  readonly authTokenSecret?: secretsmanager.ISecret;

  /**
   * Grants the given actions on the replication group.
   *
   * @param grantee who gets the permissions
   * @param actions `elasticache:` actions, e.g. `elasticache:DescribeReplicationGroups`
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /**
   * Grants `elasticache:Connect`, which IAM authentication with an RBAC user needs.
   *
   * @param grantee who connects
   * @param userIds the ids of the IAM-enabled ElastiCache users it connects as
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
   */
  grantConnect(grantee: iam.IGrantable, ...userIds: string[]): iam.Grant;

  /**
   * Grants read access to the AUTH token secret (and decrypt on its key).
   *
   * @param grantee who reads the token
   */
  grantReadAuthToken(grantee: iam.IGrantable): iam.Grant;

  /**
   * A metric of one member node, in the `AWS/ElastiCache` namespace.
   *
   * @param metricName an ElastiCache metric name, e.g. `CurrItems`
   * @param props `dimensionsMap` picks the member (`{ CacheClusterId: memberIds[i] }`)
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * The largest value of a metric on any member node.
   *
   * @param metricName an ElastiCache node metric, e.g. `SwapUsage`
   * @param props label and period
   */
  metricMaxOverMembers(metricName: string, props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * The highest replication lag of any replica, in seconds.
   *
   * @param props label and period
   */
  metricReplicationLag(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * The highest engine CPU utilization of any node, in percent.
   *
   * @param props label and period
   */
  metricEngineCpuUtilization(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * The highest memory use of any node, in percent of its `maxmemory`.
   *
   * @param props label and period
   */
  metricDatabaseMemoryUsagePercentage(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * Keys evicted for lack of memory, summed over the nodes.
   *
   * @param props label and period
   */
  metricEvictions(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * The most client connections open on any node.
   *
   * @param props label and period
   */
  metricCurrentConnections(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;

  /**
   * The share of key lookups that found the key, in percent, over every node.
   *
   * @param props label and period
   */
  metricCacheHitRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;
}

/** What `ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes` needs to use a deployed cache. */
export interface ReplicatedRedisWithStableReadersAttributes {
  /** The replication group id. */
  readonly replicationGroupId: string;

  /**
   * The number of read replicas (1 to 5), which gives the `replicaN` names and the member ids.
   */
  readonly replicas: number;

  /**
   * The private hosted zone holding the names. It must know its zone name.
   *
   * From another app: `PrivateHostedZone.fromPrivateHostedZoneAttributes(scope, id, { hostedZoneId, zoneName })`.
   */
  readonly hostedZone: route53.IPrivateHostedZone;

  /**
   * The security groups of the nodes; `connections` opens the cache port on them.
   */
  readonly securityGroups: ec2.ISecurityGroup[];

  /**
   * The port the nodes listen on.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * ElastiCache's own primary endpoint.
   *
   * @default - reading `primaryEndpointAddress` throws
   */
  readonly primaryEndpointAddress?: string;

  /**
   * ElastiCache's own reader endpoint.
   *
   * @default - reading `readerEndpointAddress` throws
   */
  readonly readerEndpointAddress?: string;

  /**
   * The secret holding the AUTH token.
   *
   * @default - none: `grantReadAuthToken` throws
   */
  readonly authTokenSecret?: secretsmanager.ISecret;
}

/**
 * What a defined and an imported `IReplicatedRedisWithStableReaders` share: ARNs, grants and metrics.
 */
export abstract class ReplicatedRedisWithStableReadersBase extends Resource implements IReplicatedRedisWithStableReaders {
  public abstract readonly replicationGroupId: string;
  public abstract readonly memberIds: string[];
  public abstract readonly primaryHostname: string;
  public abstract readonly readerHostname: string;
  public abstract readonly replicaHostnames: string[];
  public abstract readonly primaryEndpointAddress: string;
  public abstract readonly readerEndpointAddress: string;
  public abstract readonly port: number;
  public abstract readonly securityGroups: ec2.ISecurityGroup[];
  public abstract readonly hostedZone: route53.IPrivateHostedZone;
  public abstract readonly authTokenSecret?: secretsmanager.ISecret;
  public abstract readonly connections: ec2.Connections;

  /**
   * The replication group's ARN, `arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>`.
   *
   * @attribute
   */
  public get replicationGroupArn(): string {
    return this.elastiCacheArn('replicationgroup', this.replicationGroupId);
  }

  /**
   * Grants the given actions on the replication group.
   *
   * @param grantee who gets the permissions
   * @param actions `elasticache:` actions, e.g. `elasticache:DescribeReplicationGroups`
   */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.replicationGroupArn] });
  }

  /**
   * Grants `elasticache:Connect`, which IAM authentication with an RBAC user needs.
   *
   * AWS checks the action on both the replication group and the ElastiCache user a client connects as, so
   * the statement names the group's ARN and one `user` ARN per id given. Without ids, grant the users
   * yourself. The user must be IAM-enabled (authentication mode `iam`, user name equal to its id) and in the
   * group's user group; the client signs a token with the grantee's credentials and sends it as the password.
   *
   * @param grantee who connects
   * @param userIds the ids of the IAM-enabled ElastiCache users it connects as
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
   */
  public grantConnect(grantee: iam.IGrantable, ...userIds: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [this.replicationGroupArn, ...userIds.map((userId) => this.elastiCacheArn('user', userId))],
    });
  }

  /**
   * Grants read access to the AUTH token secret (and decrypt on its key).
   *
   * Pass the app `authTokenSecret.secretArn` too, so it knows where to read the token. Throws when the cache
   * has no AUTH token.
   *
   * @param grantee who reads the token
   */
  public grantReadAuthToken(grantee: iam.IGrantable): iam.Grant {
    if (!this.authTokenSecret) {
      throw new Error(`${this.node.path} has no AUTH token to grant: it uses RBAC user groups (see grantConnect) or has transitEncryption off`);
    }
    return this.authTokenSecret.grantRead(grantee);
  }

  /**
   * A metric of one member node, in the `AWS/ElastiCache` namespace.
   *
   * ElastiCache publishes node metrics per member (dimension `CacheClusterId`), not per group. Pick the
   * member with `props.dimensionsMap`, e.g. `{ CacheClusterId: cache.memberIds[1] }`. A member id names a
   * node, not a role; for a figure about the whole group use `metricMaxOverMembers` or a named metric.
   *
   * @param metricName an ElastiCache metric name, e.g. `CurrItems`
   * @param props `dimensionsMap` picks the member; statistic and period
   * @default - the first member (`<group id>-001`), Average over 5 minutes
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: this.memberIds[0] },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(5),
      ...props,
    }).attachTo(this);
  }

  /**
   * The largest value of a metric on any member node.
   *
   * Metric math `MAX` over every member's Maximum. Member ids stay with their nodes through failovers, so the
   * figure covers whichever node holds which role.
   *
   * @param metricName an ElastiCache node metric, e.g. `SwapUsage`
   * @param props label and period
   * @default - 1-minute period
   */
  public metricMaxOverMembers(metricName: string, props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('MAX', metricName, cloudwatch.Stats.MAXIMUM, `${metricName} (max over nodes)`, props);
  }

  /**
   * The highest replication lag of any replica, in seconds.
   *
   * `ReplicationLag`, Maximum over 1 minute on each member, `MAX` across them (only replicas report it).
   *
   * @param props label and period
   * @default - 1-minute period
   */
  public metricReplicationLag(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('MAX', 'ReplicationLag', cloudwatch.Stats.MAXIMUM, 'Replication lag (max over nodes)', props);
  }

  /**
   * The highest engine CPU utilization of any node, in percent.
   *
   * `EngineCPUUtilization` (the engine thread's share of one core), Maximum over 1 minute, `MAX` across members.
   *
   * @param props label and period
   * @default - 1-minute period
   */
  public metricEngineCpuUtilization(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('MAX', 'EngineCPUUtilization', cloudwatch.Stats.MAXIMUM, 'Engine CPU (max over nodes)', props);
  }

  /**
   * The highest memory use of any node, in percent of its `maxmemory`.
   *
   * `DatabaseMemoryUsagePercentage`, Maximum over 1 minute, `MAX` across members.
   *
   * @param props label and period
   * @default - 1-minute period
   */
  public metricDatabaseMemoryUsagePercentage(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('MAX', 'DatabaseMemoryUsagePercentage', cloudwatch.Stats.MAXIMUM, 'Memory used % (max over nodes)', props);
  }

  /**
   * Keys evicted for lack of memory, summed over the nodes.
   *
   * `Evictions`, Sum per member, `SUM` across members.
   *
   * @param props label and period
   * @default - 5-minute period
   */
  public metricEvictions(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('SUM', 'Evictions', cloudwatch.Stats.SUM, 'Evictions (sum over nodes)', { period: Duration.minutes(5), ...props });
  }

  /**
   * The most client connections open on any node.
   *
   * `CurrConnections`, Maximum over 1 minute, `MAX` across members.
   *
   * @param props label and period
   * @default - 1-minute period
   */
  public metricCurrentConnections(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.overMembers('MAX', 'CurrConnections', cloudwatch.Stats.MAXIMUM, 'Connections (max over nodes)', props);
  }

  /**
   * The share of key lookups that found the key, in percent, over every node.
   *
   * `100 * hits / (hits + misses)` from the Sum of `CacheHits` and `CacheMisses` on all members, so a busy
   * node weighs more than an idle one. No data while there are no lookups.
   *
   * @param props label and period
   * @default - 5-minute period
   */
  public metricCacheHitRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    const period = props?.period ?? Duration.minutes(5);
    const hits = this.memberMetrics('hits', 'CacheHits', cloudwatch.Stats.SUM, period);
    const misses = this.memberMetrics('misses', 'CacheMisses', cloudwatch.Stats.SUM, period);
    const total = (metrics: Record<string, cloudwatch.IMetric>) => `SUM([${Object.keys(metrics).join(', ')}])`;
    return new cloudwatch.MathExpression({
      expression: `100 * ${total(hits)} / (${total(hits)} + ${total(misses)})`,
      usingMetrics: { ...hits, ...misses },
      label: 'Cache hit rate % (all nodes)',
      ...props,
      period,
    });
  }

  private overMembers(
    fn: 'MAX' | 'SUM',
    metricName: string,
    statistic: string,
    label: string,
    props?: cloudwatch.MathExpressionOptions,
  ): cloudwatch.MathExpression {
    const period = props?.period ?? Duration.minutes(1);
    const usingMetrics = this.memberMetrics('node', metricName, statistic, period);
    return new cloudwatch.MathExpression({
      expression: `${fn}([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      label,
      ...props,
      period,
    });
  }

  /** One metric per member; member ids follow nodes, not roles, so a failover does not move them. */
  private memberMetrics(prefix: string, metricName: string, statistic: string, period: Duration): Record<string, cloudwatch.IMetric> {
    const metrics: Record<string, cloudwatch.IMetric> = {};
    this.memberIds.forEach((memberId, index) => {
      metrics[`${prefix}${index + 1}`] = this.metric(metricName, { dimensionsMap: { CacheClusterId: memberId }, statistic, period });
    });
    return metrics;
  }

  private elastiCacheArn(resource: string, resourceName: string): string {
    return Stack.of(this).formatArn({ service: 'elasticache', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
