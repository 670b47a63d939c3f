import * as path from 'path';
import { ArnFormat, Aws, CfnResource, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { REPLICA_RECORD_LABEL_PREFIX, ReconcileResourceProps, replicaNamesLeaseName, UpdaterEnv, UpdaterMetrics } from './contract';
import { suppressNagFindings } from './nag-suppressions';
import { NoReplicaFallback } from '../options';

/** The bundled handler, built into assets/ by `npx projen bundle`; the same path from src/ and lib/. */
const UPDATER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'updater');

/** How long one updater invocation may run; its Route 53 retries stop shortly before. */
export const UPDATER_TIMEOUT = Duration.minutes(5);

/** The alarm's window when the schedule is off: the default reconcile interval. */
const DEFAULT_ALARM_WINDOW = Duration.minutes(5);

/** Settings of the updater, already validated by the construct. */
export interface UpdaterProps {
  readonly replicationGroupId: string;
  readonly hostedZone: route53.IHostedZone;
  /** Lowercase, no trailing dot. */
  readonly zoneName: string;
  readonly replicaRecordNames: string[];
  readonly recordTtl: Duration;
  readonly noReplicaFallback: NoReplicaFallback;
  readonly topic: sns.ITopic;
  /** Undefined turns the schedule off. */
  readonly reconcileInterval?: Duration;
  readonly logRetention: logs.RetentionDays;
  /** The replication group: the records' custom resource waits for it and re-runs when its endpoints change. */
  readonly replicationGroup: elasticache.CfnReplicationGroup;
}

/**
 * The function that keeps the replica names right, and everything that drives it: the
 * notification subscription, the schedule, the custom resource that creates and removes the
 * names with the stack, a dead-letter queue and an alarm.
 */
export class Updater extends Construct {
  public readonly function: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: UpdaterProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Keeps the replica names of ${props.replicationGroupId} on live replicas`,
      inlinePolicies: { Updater: this.zonePolicy(props, logGroup) },
    });
    const groupPolicy = this.groupPolicy(props, role);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.function = new lambda.Function(this, 'Function', {
      // Lambda caps descriptions at 256 characters; a long zone name must not fail the deploy.
      description: `Points replica1..replica${props.replicaRecordNames.length} of ${props.zoneName} at the live replicas of ${props.replicationGroupId}`
        .slice(0, 256),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(UPDATER_ASSET_DIR),
      memorySize: 256,
      // Route 53 retries last until 5 s before this (lambda/updater/retry.ts). An AZ outage can queue a thousand groups
      // behind one account's 10 requests/s: about 100 s warm, 200 s cold, so 5 minutes leaves room without letting a
      // stuck run outlive the next scheduled one by long. Overlapping runs are safe (conditional batches).
      timeout: UPDATER_TIMEOUT,
      role,
      logGroup,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      environment: {
        [UpdaterEnv.REPLICATION_GROUP_ID]: props.replicationGroupId,
        [UpdaterEnv.HOSTED_ZONE_ID]: props.hostedZone.hostedZoneId,
        [UpdaterEnv.REPLICA_RECORD_NAMES]: props.replicaRecordNames.join(','),
        [UpdaterEnv.RECORD_TTL_SECONDS]: String(props.recordTtl.toSeconds()),
        [UpdaterEnv.NO_REPLICA_FALLBACK]: props.noReplicaFallback,
        [UpdaterEnv.STACK_ID]: Aws.STACK_ID,
      },
    });
    // aws-cdk-lib releases after the floor know newer Node.js runtimes; the bundle is built and tested for this one.
    suppressNagFindings(this.function.node.defaultChild!, [{
      id: 'AwsSolutions-L1',
      reason: 'The updater runs on nodejs24.x (supported until 2028-04-30), the runtime its bundle targets and every test runs on; the newest runtime of the library\'s aws-cdk-lib floor.',
    }]);
    // The policies come first, so the function never runs without them. It also waits for the group: when
    // replicationGroupId changes, CloudFormation creates the new group (10 to 20 minutes) before it gives the function
    // the new id, so no run looks for a group that does not exist yet.
    this.function.node.addDependency(role, groupPolicy, props.replicationGroup);

    const records = new CustomResource(this, 'ReplicaRecords', {
      serviceToken: this.provider(props.logRetention).serviceToken,
      resourceType: 'Custom::ReplicaRecords',
      properties: {
        [ReconcileResourceProps.HOSTED_ZONE_ID]: props.hostedZone.hostedZoneId,
        [ReconcileResourceProps.REPLICA_RECORD_NAMES]: props.replicaRecordNames.join(','),
        // Not read by the handler: a change to any of these re-runs the reconcile at deploy time, so a
        // new group, new node hostnames (TLS turned on) or new settings are applied before deploy ends.
        ReplicationGroupId: props.replicationGroup.ref,
        PrimaryEndpointAddress: props.replicationGroup.attrPrimaryEndPointAddress,
        RecordTtlSeconds: String(props.recordTtl.toSeconds()),
        NoReplicaFallback: props.noReplicaFallback,
        // New in the release that added the lease: its first deploy runs an Update, which claims the lease.
        ReplicaNamesLease: replicaNamesLeaseName(props.replicaRecordNames),
      },
    });
    // The names can only be seeded once the group is available, and must be removed before the zone is deleted.
    records.node.addDependency(props.replicationGroup, props.hostedZone);
    // Who owns the names, as the custom resource's events name it: `{"action":"reclaim"}` claims them as it.
    this.function.addEnvironment(UpdaterEnv.NAMES_LOGICAL_ID, Stack.of(this).getLogicalId(records.node.defaultChild as CfnResource));

    // Everything that can invoke the updater goes away before the names are deleted at stack deletion,
    // so a late run cannot re-create a name and leave the zone impossible to delete.
    const subscription = props.topic.addSubscription(new subscriptions.LambdaSubscription(this.function));
    subscription.node.addDependency(records);
    if (props.reconcileInterval) {
      const schedule = new events.Rule(this, 'Schedule', {
        description: `Re-checks the replica names of ${props.replicationGroupId}, in case a notification was lost`,
        schedule: events.Schedule.rate(props.reconcileInterval),
        targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
      });
      schedule.node.addDependency(records);
    }

    // One-minute points, any one of them breaching in the last schedule interval: the alarm fires within a minute or
    // two of a failed or unmanaged run, and stays in ALARM while such runs repeat at every interval.
    const alarmWindow = props.reconcileInterval ?? DEFAULT_ALARM_WINDOW;
    const period = Duration.minutes(1);
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: `The replica names of ${props.replicationGroupId} may be stale: the updater failed, dead-lettered an event, `
        + 'or found the names not its own to manage (no lease, or another owner\'s)',
      metric: new cloudwatch.MathExpression({
        label: 'Updater errors, dead-lettered events and runs that could not manage the names',
        // SQS publishes nothing for an idle queue, and arithmetic on a missing point is missing: fill each with 0.
        expression: 'FILL(errors, 0) + FILL(deadLettered, 0) + FILL(notManaged, 0)',
        usingMetrics: {
          errors: this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
          deadLettered: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period }),
          // Published by the handler (Powertools embedded metric format) with these dimensions: contract.ts.
          notManaged: new cloudwatch.Metric({
            namespace: UpdaterMetrics.NAMESPACE,
            metricName: UpdaterMetrics.NAMES_NOT_MANAGED,
            dimensionsMap: { service: UpdaterMetrics.SERVICE, [UpdaterMetrics.GROUP_DIMENSION]: props.replicationGroupId },
            statistic: cloudwatch.Stats.SUM,
            period,
          }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: Math.max(1, Math.round(alarmWindow.toMinutes({ integral: false }))),
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    suppressNagFindings(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Scoped wildcards only: this function\'s own log streams.',
      appliesTo: [{ regex: '/^Resource::<.*LogGroup.*\\.Arn>:\\*$/g' }],
    }]);
    suppressNagFindings(groupPolicy, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Scoped wildcard only: cache clusters named <group id>-* (members are added and replaced over time).',
      appliesTo: [`Resource::arn:<AWS::Partition>:elasticache:<AWS::Region>:<AWS::AccountId>:cluster:${props.replicationGroupId}-*`],
    }]);
  }

  /** Least privilege: only this zone's replica CNAMEs and its own logs. */
  private zonePolicy(props: UpdaterProps, logGroup: logs.ILogGroup): iam.PolicyDocument {
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteReplicaNames',
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [props.hostedZone.hostedZoneArn],
          conditions: {
            // CREATE and DELETE only: a replaced name is DELETE + CREATE in one batch, which fails
            // (instead of overwriting) when another writer changed the name since it was read.
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
              'route53:ChangeResourceRecordSetsActions': ['CREATE', 'DELETE'],
            },
            // A pattern rather than the current names, so a scale-in can still delete the names it drops.
            'ForAllValues:StringLike': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`${REPLICA_RECORD_LABEL_PREFIX}*.${props.zoneName}`],
            },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ReadReplicaNames',
          actions: ['route53:ListResourceRecordSets'],
          resources: [props.hostedZone.hostedZoneArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
        }),
      ],
    });
  }

  /**
   * Only this group and its members, in a policy of its own whose construct id names the group. When
   * replicationGroupId changes, the new id makes a new policy, which CloudFormation creates before it updates the
   * function and deletes with the old one in the cleanup phase: a run of the old function still reads the old group,
   * a run of the new one the new group, and no run meets AccessDenied in between.
   */
  private groupPolicy(props: UpdaterProps, role: iam.IRole): iam.Policy {
    const stack = Stack.of(this);
    const groupArn = stack.formatArn({
      service: 'elasticache',
      resource: 'replicationgroup',
      resourceName: props.replicationGroupId,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const memberArns = stack.formatArn({
      service: 'elasticache',
      resource: 'cluster',
      resourceName: `${props.replicationGroupId}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return new iam.Policy(this, `ReadGroup-${props.replicationGroupId}`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadReplicationGroup',
          actions: ['elasticache:DescribeReplicationGroups'],
          resources: [groupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadMemberStatus',
          actions: ['elasticache:DescribeCacheClusters'],
          resources: [memberArns],
        }),
      ],
    });
  }

  /** The custom resource provider; its framework function gets a role without AWS-managed policies. */
  private provider(logRetention: logs.RetentionDays): cr.Provider {
    const logGroup = new logs.LogGroup(this, 'ProviderLogGroup', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the CloudFormation custom resource provider framework for the replica names',
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
          })],
        }),
      },
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      frameworkOnEventRole: role,
      logGroup,
    });
    suppressNagFindings(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'The provider framework may invoke every version of the updater function (<arn>:*), and writes only its own log streams.',
    }]);
    suppressNagFindings(provider, [{
      id: 'AwsSolutions-L1',
      reason: 'The provider framework function is owned by aws-cdk-lib, which chooses its runtime; the updater itself runs on the latest Node.js runtime.',
    }]);
    return provider;
  }
}
