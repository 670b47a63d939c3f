import { Annotations, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ReplicationGroupEngine } from './engine';
import { NoReplicaFallback, TransitEncryptionMode } from './options';
import { Claim, findConflicts, recordClaim } from './private/app-registry';
import { normalizeRecordName, replicaRecordLabel } from './private/contract';
import {
  DEFAULT_ENGINE_VERSIONS,
  EngineVersion,
  isDataTieringNodeType,
  isKnownEngineVersion,
  knownEngineVersions,
  LogType,
  parameterGroupFamily,
  parseEngineVersion,
  supportedLogTypes,
  supportsTransitEncryptionMode,
} from './private/engine-versions';
import { ImportedReplicatedRedisWithStableReaders } from './private/imported';
import { memberIds } from './private/members';
import { suppressNagFindings } from './private/nag-suppressions';
import { Updater } from './private/updater';
import { defaultSubnetSelection, Limits, validateProps } from './private/validate-props';
import {
  IReplicatedRedisWithStableReaders,
  ReplicatedRedisWithStableReadersAttributes,
  ReplicatedRedisWithStableReadersBase,
} from './replicated-redis-with-stable-readers-base';

/** Properties of {@link ReplicatedRedisWithStableReaders}. */
export interface ReplicatedRedisWithStableReadersProps {
  /**
   * The VPC the cache nodes and the private hosted zone live in.
   *
   * Its `enableDnsHostnames` and `enableDnsSupport` must be on for the private zone to resolve.
   */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cache subnet group. Only private subnets are allowed.
   *
   * A VPC with neither private subnets with egress nor isolated ones has nothing to default to: give
   * `vpcSubnets` then (public subnets are refused). A selection the VPC cannot satisfy is reported with the
   * other prop errors.
   *
   * @default - the VPC's private subnets with egress, or its isolated subnets when it has none
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Number of read replicas, from 1 to 5. Each gets a stable name `replicaN.<zone>`.
   *
   * Rendered as `NumCacheClusters` (replicas + 1), which changes in place; never as the
   * create-only `ReplicasPerNodeGroup`, which would replace the group and lose its data.
   *
   * @default 2
   * @example
   * import { Stack } from 'aws-cdk-lib';
   * import * as ec2 from 'aws-cdk-lib/aws-ec2';
   * import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';
   *
   * declare const stack: Stack;
   * declare const vpc: ec2.IVpc;
   * // replica1 … replica3 in the zone, on three replicas beside the primary.
   * new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicas: 3 });
   */
  readonly replicas?: number;

  /**
   * The cache engine.
   *
   * @default ReplicationGroupEngine.VALKEY
   * @example
   * import { Stack } from 'aws-cdk-lib';
   * import * as ec2 from 'aws-cdk-lib/aws-ec2';
   * import { ReplicatedRedisWithStableReaders, ReplicationGroupEngine } from 'cdk-redis-stable-readers';
   *
   * declare const stack: Stack;
   * declare const vpc: ec2.IVpc;
   * new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, engine: ReplicationGroupEngine.REDIS, engineVersion: '7.1' });
   */
  readonly engine?: ReplicationGroupEngine;

  /**
   * The engine version, `<major>.<minor>` or `<major>.<minor>.<patch>`, e.g. `8.2` for Valkey or `7.1` for Redis OSS.
   *
   * Versions this release knows: Valkey 7.2, 8.0, 8.1, 8.2, 9.0; Redis OSS 4.0.10, 5.0.6, 6.0, 6.2, 7.0, 7.1.
   * A well-formed version it does not know (one AWS ships later) is used as given, with the warning
   * `cdk-redis-stable-readers:unknownEngineVersion`; its parameter group family is derived from its numbers
   * (Valkey `valkey<major>`, Redis OSS `redis<major>` from 7, `redis6.x`, `redis<major>.<minor>` before 6).
   * Another form, or a version older than any ElastiCache offers for the engine, is an error.
   *
   * The version decides what the template asks for: log delivery (see `logRetention`) and
   * `TransitEncryptionMode` (Redis OSS 7.0 and later, every Valkey). So a Redis OSS version must be a literal.
   *
   * @default - '8.2' for Valkey, '7.1' for Redis OSS
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
   */
  readonly engineVersion?: string;

  /**
   * The node type of every node.
   *
   * Must have ElastiCache's form `cache.<family>.<size>`, e.g. `cache.r7g.xlarge`; whether the Region offers
   * the type is checked at deploy. An r6gd type (`cache.r6gd.xlarge`) turns data tiering on, which ElastiCache requires
   * for it: it needs Redis OSS 6.2 or later or any Valkey version, and allows only the `volatile-lru`, `allkeys-lru`
   * and `noeviction` eviction policies.
   *
   * @default 'cache.m7g.large' (supports Multi-AZ with automatic failover)
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html
   */
  readonly cacheNodeType?: string;

  /**
   * The port the nodes listen on; the names and `connections` use it.
   *
   * Create-only: CloudFormation cannot replace a group with a custom name, so changing it on a
   * deployed group fails. Change `replicationGroupId` with it to create a new, empty group.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * Engine parameters for a custom parameter group, whose family follows the engine and version.
   *
   * `cluster-enabled` set to `yes` is refused: the group is cluster-mode disabled, which is what gives each
   * replica a role for the names to follow.
   *
   * @default - the engine's default parameter group
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.html
   */
  readonly parameters?: Record<string, string>;

  /**
   * Security groups for the nodes. Give them to control ingress yourself.
   *
   * @default - a new security group with no ingress and no egress rules
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The replication group id. Lowercase, 1-40 characters.
   *
   * Changing it creates a new, empty group and deletes the old one (its data is not copied). An id is unique
   * per account and Region: two constructs of one app with the same id in the same account and Region are an error.
   * The default zone name derives from it, so on a deployed construct change it together with `zoneName` set to
   * the current zone name (`<old id>.cache.internal`); a deployment that would move the names to a new zone fails
   * before any name changes and rolls back.
   *
   * @default - derived from the construct path, stable across deployments
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
   */
  readonly replicationGroupId?: string;

  /**
   * A description of the replication group.
   *
   * @default - names the construct path
   */
  readonly description?: string;

  /**
   * A customer managed KMS key for encryption at rest (always on).
   *
   * Create-only: changing it on a deployed group fails; change `replicationGroupId` with it to create a new, empty group.
   * Named as in `@aws-cdk/aws-elasticache-alpha` (this prop was `atRestEncryptionKey` before 0.1).
   *
   * @default - an AWS owned key
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html
   */
  readonly kmsKey?: kms.IKey;

  /**
   * Whether clients must use TLS. Leave it on: turning it off also turns off AUTH.
   *
   * To turn it on for a deployed group, deploy with `TransitEncryptionMode.PREFERRED` first, move the
   * clients to TLS, then deploy with `REQUIRED`.
   *
   * @default true
   */
  readonly transitEncryption?: boolean;

  /**
   * Whether plain connections are still accepted while TLS is on.
   *
   * @default TransitEncryptionMode.REQUIRED
   */
  readonly transitEncryptionMode?: TransitEncryptionMode;

  /**
   * A secret whose `SecretString` is the AUTH token (16-128 printable characters, no `@`, `"` or `/`).
   * Only with TLS, and not together with `userGroupId`.
   *
   * A generated secret follows `removalPolicy`: kept with `RETAIN` and `SNAPSHOT`, deleted with `DESTROY`.
   *
   * @default - a token is generated in Secrets Manager when TLS is on and no `userGroupId` is given
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
   */
  readonly authTokenSecret?: secretsmanager.ISecret;

  /**
   * The id of the RBAC user group whose users may connect, instead of an AUTH token.
   *
   * A replication group takes one user group. Its users authenticate with a password or, when IAM-enabled,
   * with an IAM token (see `grantConnect`). RBAC needs Redis OSS 6.0 or later or any Valkey version. Named after the alpha's `userGroup` (this prop was `userGroupIds`
   * before 0.1).
   *
   * @default - no user group; an AUTH token is used
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html
   */
  readonly userGroupId?: string;

  /**
   * Days automatic snapshots are kept, 0 to 35. 0 turns automatic snapshots off.
   *
   * @default 7
   */
  readonly snapshotRetentionLimit?: number;

  /**
   * Daily UTC time range in which ElastiCache starts the automatic snapshot, e.g. `03:00-04:00`.
   *
   * Format `hh24:mi-hh24:mi`, at least 60 minutes long (it may run past midnight), and not overlapping
   * `preferredMaintenanceWindow`: ElastiCache refuses a shorter or overlapping window at deploy.
   *
   * @default - chosen by ElastiCache
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
   */
  readonly snapshotWindow?: string;

  /**
   * Weekly UTC time range for maintenance, e.g. `sun:05:00-sun:06:00`.
   *
   * Format `ddd:hh24:mi-ddd:hh24:mi` with `ddd` one of `sun`, `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, at
   * least 60 minutes long, and not overlapping `snapshotWindow` on any day.
   *
   * @default - chosen by ElastiCache
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/maintenance-window.html
   */
  readonly preferredMaintenanceWindow?: string;

  /**
   * Whether minor engine versions are applied in the maintenance window.
   *
   * @default true
   */
  readonly autoMinorVersionUpgrade?: boolean;

  /**
   * Retention of the slow-log, engine-log and updater log groups.
   *
   * ElastiCache delivers only the logs the engine version has, and a log group is created only for those:
   * Valkey both; Redis OSS 6.2 and later both, 6.0 the slow log only, before 6.0 none.
   *
   * @default logs.RetentionDays.ONE_MONTH
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the replication group when it leaves the stack: SNAPSHOT, RETAIN or DESTROY.
   *
   * A generated AUTH token secret is kept with `SNAPSHOT` and `RETAIN` (the group, or a group restored from
   * its final snapshot, can only be reached with it; Secrets Manager has no snapshot) and deleted with
   * `DESTROY`. With `RETAIN` the subnet group, parameter group and created security group are kept too,
   * because the retained group still uses them; the slow-log and engine-log groups are kept with `RETAIN` only.
   *
   * @default RemovalPolicy.SNAPSHOT
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The topic ElastiCache sends the group's notifications to. It must be unencrypted, in the same
   * account and Region, and its policy must let ElastiCache publish (condition `aws:SourceOwner`).
   *
   * @default - a new unencrypted topic with that policy
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ECEvents.SNS.html
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * A private hosted zone for the names. It must be associated with the VPC and know its zone name.
   *
   * Import it with `PrivateHostedZone.fromPrivateHostedZoneAttributes`. A public zone is refused: one defined
   * in the app, one imported with `PublicHostedZone.fromPublicHostedZoneId`, and, where aws-cdk-lib lets the
   * construct tell them from the private import (2.236 does, 2.224 does not), one imported with
   * `PublicHostedZone.fromPublicHostedZoneAttributes` or `HostedZone.fromHostedZoneAttributes` (or `fromLookup`),
   * which may be public. One construct per zone, and per zone name in a VPC.
   *
   * Moving a deployed construct to another zone is refused: the updater's permissions would follow the new zone
   * before CloudFormation could empty the old one, leaving it undeletable. The deployment fails before any name
   * changes and rolls back. Create a new construct instead.
   *
   * @default - a new private hosted zone named `zoneName`
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-private.html
   * @example
   * import { Stack } from 'aws-cdk-lib';
   * import * as ec2 from 'aws-cdk-lib/aws-ec2';
   * import * as route53 from 'aws-cdk-lib/aws-route53';
   * import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';
   *
   * declare const stack: Stack;
   * declare const vpc: ec2.IVpc;
   * const zone = route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Zone', {
   *   hostedZoneId: 'Z0123456789ABCDEFGHIJ',
   *   zoneName: 'sessions.cache.internal',
   * });
   * new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, hostedZone: zone });
   */
  readonly hostedZone?: route53.IPrivateHostedZone;

  /**
   * The name of the private hosted zone the construct creates.
   *
   * Like `hostedZone`, it cannot change on a deployed construct (the deployment fails before any name changes and
   * rolls back); set it to keep the zone when `replicationGroupId` changes. Route 53 refuses a second private zone of the
   * same name in one VPC, so two constructs of one app with the same zone name in one VPC are an error.
   *
   * @default - `<replication group id>.cache.internal`, unique per replication group
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html
   */
  readonly zoneName?: string;

  /**
   * TTL of the `primary`, `reader` and `replicaN` names, a whole number of seconds from 1 to 300.
   *
   * Keep it short: clients keep reading from a promoted replica for up to this long after a failover.
   * Above 60 seconds it warns.
   *
   * @default Duration.seconds(10)
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-basic.html#rrsets-values-basic-ttl
   */
  readonly recordTtl?: Duration;

  /**
   * Where the replica names point while the group has no available replica.
   *
   * @default NoReplicaFallback.PRIMARY
   */
  readonly noReplicaFallback?: NoReplicaFallback;

  /**
   * Whether the updater also re-checks the names on a schedule, in case a notification is lost.
   *
   * @default true
   */
  readonly scheduledReconcile?: boolean;

  /**
   * How often the scheduled re-check runs, in whole minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly reconcileInterval?: Duration;
}

const DEFAULT_CACHE_NODE_TYPE = 'cache.m7g.large';
const DEFAULT_PORT = 6379;
const WARNING_PREFIX = 'cdk-redis-stable-readers';

/**
 * A Multi-AZ ElastiCache (Valkey or Redis OSS) replication group with one stable DNS name
 * per read replica.
 *
 * `replica1.<zone>` … `replicaN.<zone>` always point at live replicas: a bundled updater
 * re-points them after every failover, node replacement or replica count change.
 *
 * @example
 * import { App, Fn, Stack } from 'aws-cdk-lib';
 * import * as ec2 from 'aws-cdk-lib/aws-ec2';
 * import * as lambda from 'aws-cdk-lib/aws-lambda';
 * import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';
 *
 * const stack = new Stack(new App(), 'Sessions');
 * const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3 });
 * const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicas: 3 });
 *
 * const api = new lambda.Function(stack, 'Api', {
 *   runtime: lambda.Runtime.NODEJS_24_X,
 *   handler: 'index.handler',
 *   code: lambda.Code.fromInline('exports.handler = async () => ({})'),
 *   vpc,
 *   environment: {
 *     CACHE_WRITER: cache.primaryHostname,
 *     CACHE_READERS: Fn.join(',', cache.replicaHostnames),
 *   },
 * });
 * cache.connections.allowDefaultPortFrom(api);
 * cache.grantReadAuthToken(api);
 */
export class ReplicatedRedisWithStableReaders extends ReplicatedRedisWithStableReadersBase implements IReplicatedRedisWithStableReaders {
  /**
   * Uses a deployed cache from another stack or app: its names, endpoints, port, security groups, zone and secret.
   *
   * Nothing is created. `connections`, the grants and the metrics work as on the construct itself.
   *
   * @param scope the scope of the import
   * @param id its id
   * @param attrs what the deployed cache exposes
   */
  public static fromReplicatedRedisWithStableReadersAttributes(
    scope: Construct,
    id: string,
    attrs: ReplicatedRedisWithStableReadersAttributes,
  ): IReplicatedRedisWithStableReaders {
    return new ImportedReplicatedRedisWithStableReaders(scope, id, attrs);
  }

  /**
   * The replication group id.
   *
   * @attribute
   */
  public readonly replicationGroupId: string;

  /** `primary.<zone>`: follows the primary (a CNAME to ElastiCache's primary endpoint). */
  public readonly primaryHostname: string;

  /** `reader.<zone>`: ElastiCache's reader endpoint, spread over the replicas. */
  public readonly readerHostname: string;

  /** `replica1.<zone>` … `replicaN.<zone>`, each on one live replica. */
  public readonly replicaHostnames: string[];

  /**
   * ElastiCache's own primary endpoint.
   *
   * @attribute
   */
  public readonly primaryEndpointAddress: string;

  /**
   * ElastiCache's own reader endpoint.
   *
   * @attribute
   */
  public readonly readerEndpointAddress: string;

  /** The port every node listens on. */
  public readonly port: number;

  /** Network access to the nodes, on the cache port by default. */
  public readonly connections: ec2.Connections;

  /** The nodes' security groups: the created one, or those given in `securityGroups`. */
  public readonly securityGroups: ec2.ISecurityGroup[];

  /**
   * The ids of the group's member nodes, `<group id>-001` to `<group id>-00N` (replicas + 1).
   *
   * These are the `CacheClusterId` dimensions of the nodes' CloudWatch metrics. An id names a node, not a
   * role: after a failover `-001` may be a replica.
   */
  public readonly memberIds: string[];

  /**
   * The KMS key encrypting the data at rest.
   *
   * @default - an AWS owned key
   */
  public readonly kmsKey?: kms.IKey;

  /** The topic ElastiCache notifies and the updater listens to. */
  public readonly notificationTopic: sns.ITopic;

  /** The private hosted zone holding every name. */
  public readonly hostedZone: route53.IPrivateHostedZone;

  /** The function that keeps the replica names right. */
  public readonly updaterFunction: lambda.IFunction;

  /**
   * The alarm that fires when the updater fails or dead-letters an event: the replica names may be stale.
   *
   * It has no action. Send it somewhere with `updaterAlarm.addAlarmAction(new cloudwatch_actions.SnsAction(topic))`.
   */
  public readonly updaterAlarm: cloudwatch.Alarm;

  /**
   * The secret holding the AUTH token, when the construct uses one.
   *
   * Hand an app its `secretArn` and call `grantReadAuthToken`. A generated one is kept when the stack deletes
   * the group with `removalPolicy` `SNAPSHOT` or `RETAIN`. (This property was `authSecret` before 0.1.)
   *
   * @default - none: the cache uses `userGroupId`, or `transitEncryption` is off
   */
  public readonly authTokenSecret?: secretsmanager.ISecret;

  /** The underlying replication group, as an escape hatch. */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;

  /** Whether clients authenticate through an RBAC user group (`userGroupId`). */
  private readonly rbac: boolean;

  constructor(scope: Construct, id: string, props: ReplicatedRedisWithStableReadersProps) {
    super(scope, id);

    const replicas = props.replicas ?? 2;
    const engine = props.engine ?? ReplicationGroupEngine.VALKEY;
    const engineVersion = props.engineVersion ?? DEFAULT_ENGINE_VERSIONS[engine] ?? '';
    const port = props.port ?? DEFAULT_PORT;
    const recordTtl = props.recordTtl ?? Duration.seconds(10);
    const transitEncryption = props.transitEncryption ?? true;
    const reconcileInterval = props.reconcileInterval ?? Duration.minutes(5);
    const snapshotRetentionLimit = props.snapshotRetentionLimit ?? 7;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const replicationGroupId = props.replicationGroupId ?? this.defaultReplicationGroupId();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const cacheNodeType = props.cacheNodeType ?? DEFAULT_CACHE_NODE_TYPE;

    const failures = validateProps({
      replicas,
      recordTtl,
      zoneName: props.zoneName,
      hostedZone: props.hostedZone,
      engine,
      engineVersion,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      transitEncryption,
      transitEncryptionMode: props.transitEncryptionMode,
      hasAuthTokenSecret: props.authTokenSecret !== undefined,
      userGroupId: props.userGroupId,
      port,
      snapshotRetentionLimit,
      replicationGroupId: props.replicationGroupId,
      reconcileInterval,
      parameters: props.parameters,
      cacheNodeType,
      snapshotWindow: props.snapshotWindow,
      preferredMaintenanceWindow: props.preferredMaintenanceWindow,
    });
    const claim = this.claim(props, replicationGroupId);
    failures.push(...this.conflicts(props, claim));
    if (failures.length > 0) {
      throw new Error(`Invalid ReplicatedRedisWithStableReaders props at ${this.node.path}:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    }
    recordClaim(this, claim);
    // Valid from here on: a literal version parses; a token is a Valkey version (the rules refuse a Redis OSS token).
    const version: EngineVersion | undefined = parseEngineVersion(engine, engineVersion);
    this.warnAboutRiskySettings(props, recordTtl, transitEncryption, version);

    this.replicationGroupId = replicationGroupId;
    this.port = port;

    // Network
    const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `ElastiCache nodes of ${this.node.path}`,
      allowAllOutbound: false,
    })];
    this.securityGroups = securityGroups;
    this.memberIds = memberIds(replicationGroupId, replicas);
    this.kmsKey = props.kmsKey;
    this.connections = new ec2.Connections({ securityGroups, defaultPort: ec2.Port.tcp(port) });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Private subnets of ${this.node.path}`,
      subnetIds: props.vpc.selectSubnets(props.vpcSubnets ?? defaultSubnetSelection(props.vpc)).subnetIds,
    });

    // Notifications: unencrypted on purpose, since ElastiCache stops publishing to an SSE-KMS topic.
    this.notificationTopic = props.notificationTopic ?? this.createNotificationTopic();

    const parameterGroup = props.parameters && new elasticache.CfnParameterGroup(this, 'ParameterGroup', {
      cacheParameterGroupFamily: parameterGroupFamily(version!),
      description: `Parameters of ${this.node.path}`,
      properties: props.parameters,
    });

    const authToken = this.authToken(props, transitEncryption, removalPolicy);
    this.authTokenSecret = authToken;
    this.rbac = props.userGroupId !== undefined;

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Resource', {
      replicationGroupId,
      replicationGroupDescription: props.description ?? `Replicated cache with stable reader names (${this.node.path})`,
      engine,
      engineVersion,
      cacheNodeType,
      // ElastiCache refuses an r6gd group without it; left out for every other type (it is create-only).
      dataTieringEnabled: !Token.isUnresolved(cacheNodeType) && isDataTieringNodeType(cacheNodeType) ? true : undefined,
      clusterMode: 'disabled',
      numCacheClusters: replicas + 1,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: securityGroups.map((group) => group.securityGroupId),
      cacheParameterGroupName: parameterGroup?.ref,
      atRestEncryptionEnabled: true,
      kmsKeyId: props.kmsKey?.keyArn,
      transitEncryptionEnabled: transitEncryption,
      // Redis OSS before 7 has no TransitEncryptionMode: TLS is simply required there.
      transitEncryptionMode: transitEncryption && (version === undefined || supportsTransitEncryptionMode(version))
        ? (props.transitEncryptionMode ?? TransitEncryptionMode.REQUIRED)
        : undefined,
      authToken: authToken?.secretValue.unsafeUnwrap(),
      userGroupIds: props.userGroupId === undefined ? undefined : [props.userGroupId],
      snapshotRetentionLimit,
      snapshotWindow: props.snapshotWindow,
      preferredMaintenanceWindow: props.preferredMaintenanceWindow,
      autoMinorVersionUpgrade: props.autoMinorVersionUpgrade ?? true,
      notificationTopicArn: this.notificationTopic.topicArn,
      logDeliveryConfigurations: this.logDeliveries(version, logRetention, removalPolicy),
    });
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    if (removalPolicy === RemovalPolicy.RETAIN) {
      // A retained group keeps using these, so deleting them would fail the stack's deletion
      // (CacheSubnetGroupInUse, InvalidCacheParameterGroupState, DependencyViolation): keep them with it.
      for (const resource of [subnetGroup, parameterGroup, props.securityGroups ? undefined : securityGroups[0]]) {
        resource?.applyRemovalPolicy(RemovalPolicy.RETAIN);
      }
    }
    if (!props.notificationTopic) {
      // ElastiCache marks a topic it cannot publish to inactive for good, so the policy must exist first.
      this.replicationGroup.node.addDependency(this.notificationTopic);
    }
    this.primaryEndpointAddress = this.replicationGroup.attrPrimaryEndPointAddress;
    this.readerEndpointAddress = this.replicationGroup.attrReaderEndPointAddress;

    // Names
    this.hostedZone = props.hostedZone ?? new route53.PrivateHostedZone(this, 'Zone', {
      // Lowercase, as Route 53 stores it and the IAM name conditions compare it.
      zoneName: normalizeRecordName(props.zoneName ?? `${replicationGroupId}.cache.internal`),
      vpc: props.vpc,
      comment: `Stable names of ${this.node.path}`,
    });
    const zoneName = normalizeRecordName(this.hostedZone.zoneName);
    this.primaryHostname = `primary.${zoneName}`;
    this.readerHostname = `reader.${zoneName}`;
    this.replicaHostnames = Array.from({ length: replicas }, (_, index) => `${replicaRecordLabel(index + 1)}.${zoneName}`);
    new route53.CnameRecord(this, 'PrimaryRecord', {
      zone: this.hostedZone,
      recordName: 'primary',
      domainName: this.primaryEndpointAddress,
      ttl: recordTtl,
    });
    new route53.CnameRecord(this, 'ReaderRecord', {
      zone: this.hostedZone,
      recordName: 'reader',
      domainName: this.readerEndpointAddress,
      ttl: recordTtl,
    });

    // Replica names belong to the updater, not to CloudFormation: it rewrites them.
    const updater = new Updater(this, 'Updater', {
      replicationGroupId,
      hostedZone: this.hostedZone,
      zoneName,
      replicaRecordNames: this.replicaHostnames,
      recordTtl,
      noReplicaFallback: props.noReplicaFallback ?? NoReplicaFallback.PRIMARY,
      topic: this.notificationTopic,
      reconcileInterval: (props.scheduledReconcile ?? true) ? reconcileInterval : undefined,
      logRetention,
      replicationGroup: this.replicationGroup,
    });
    this.updaterFunction = updater.function;
    this.updaterAlarm = updater.alarm;

    suppressNagFindings(this.replicationGroup, [{
      id: 'AwsSolutions-AEC5',
      reason: 'The port is a setting (`port`), not a control: the security group admits only chosen peers, and TLS with AUTH or RBAC is on by default.',
    }]);
    if (props.userGroupId !== undefined) {
      // cdk-nag's AEC6 looks only for an AUTH token; with RBAC the user groups authenticate every connection instead.
      suppressNagFindings(this.replicationGroup, [{
        id: 'AwsSolutions-AEC6',
        reason: 'Clients authenticate with RBAC: userGroupId replaces the AUTH token (ElastiCache accepts one or the other), and TLS is required for both.',
      }]);
    }
  }

  /**
   * Grants `elasticache:Connect`, which IAM authentication with an RBAC user needs.
   *
   * AWS checks the action on both the replication group and the ElastiCache user a client connects as, so
   * the statement names the group's ARN and one `user` ARN per id given. Without ids, grant the users
   * yourself. The user must be IAM-enabled (authentication mode `iam`, user name equal to its id) and in
   * `userGroupId`; the client signs a token with the grantee's credentials and sends it as the password.
   * Throws when the cache has no `userGroupId` (it then authenticates with an AUTH token: see `grantReadAuthToken`).
   *
   * @param grantee who connects
   * @param userIds the ids of the IAM-enabled ElastiCache users it connects as
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
   */
  public grantConnect(grantee: iam.IGrantable, ...userIds: string[]): iam.Grant {
    if (!this.rbac) {
      throw new Error(`${this.node.path} has no userGroupId: IAM authentication needs an RBAC user group. `
        + 'Clients of an AUTH-token cache read the token instead (grantReadAuthToken).');
    }
    return super.grantConnect(grantee, ...userIds);
  }

  /**
   * Applies a removal policy to the replication group only.
   *
   * Prefer the `removalPolicy` prop: it also decides what happens to the AUTH token secret, the log groups
   * and, with `RETAIN`, the subnet group, parameter group and created security group, which the group keeps using.
   *
   * @param policy what happens to the replication group when it leaves the stack
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.replicationGroup.applyRemovalPolicy(policy);
  }

  /**
   * Errors of the updater function: each is a reconcile that did not finish.
   *
   * Sum over 5 minutes.
   */
  public metricUpdaterErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.updaterFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5), ...props }).attachTo(this);
  }

  /** A deterministic, valid replication group id from the construct path (create-only, so it must never change). */
  private defaultReplicationGroupId(): string {
    const unique = Names.uniqueResourceName(this, { maxLength: Limits.MAX_REPLICATION_GROUP_ID_LENGTH - 1, separator: '-' })
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .replace(/-+/g, '-')
      .replace(/-$/, '');
    return /^[a-z]/.test(unique) ? unique : `r${unique}`.slice(0, Limits.MAX_REPLICATION_GROUP_ID_LENGTH);
  }

  /** What this construct takes for itself in the app: its zone, its zone name in the VPC, its replication group id. */
  private claim(props: ReplicatedRedisWithStableReadersProps, replicationGroupId: string): Claim {
    let zoneName: string | undefined;
    try {
      zoneName = props.hostedZone?.zoneName ?? props.zoneName ?? `${replicationGroupId}.cache.internal`;
    } catch {
      zoneName = undefined; // an import without a name: the rules report it
    }
    const stack = Stack.of(this);
    return {
      zone: props.hostedZone,
      vpcId: props.vpc.vpcId,
      zoneName: zoneName === undefined || Token.isUnresolved(zoneName) ? undefined : normalizeRecordName(zoneName),
      account: stack.account,
      region: stack.region,
      replicationGroupId,
    };
  }

  /** What another construct of this app already holds; each would fail at deploy. */
  private conflicts(props: ReplicatedRedisWithStableReadersProps, claim: Claim): string[] {
    const found = findConflicts(this, claim);
    const failures: string[] = [];
    if (found.zone) {
      failures.push('hostedZone must be used by one ReplicatedRedisWithStableReaders only (the names replica1, primary and reader would collide), '
        + `got ${props.hostedZone!.node.path}, already used by ${found.zone}`);
    } else if (found.zoneNameInVpc) {
      // Route 53 API reference, CreateHostedZone / AssociateVPCWithHostedZone, ConflictingDomainExists: a private zone of
      // that name is already associated with the VPC. With a given zone, the two constructs' names would collide instead.
      const prop = props.hostedZone ? 'hostedZone' : props.zoneName !== undefined ? 'zoneName' : 'zoneName (by default <replicationGroupId>.cache.internal)';
      failures.push(`${prop} must name a zone no other ReplicatedRedisWithStableReaders uses in the same VPC, got '${claim.zoneName}', already used by ${found.zoneNameInVpc}`);
    }
    if (found.replicationGroupId) {
      // ElastiCache API reference, CreateReplicationGroup: ReplicationGroupAlreadyExists (ids are unique per account and Region).
      failures.push(`replicationGroupId must be unique in the account and Region, got '${claim.replicationGroupId}', already used by ${found.replicationGroupId}`);
    }
    return failures;
  }

  private createNotificationTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'Topic', { displayName: `ElastiCache notifications of ${this.replicationGroupId}` });
    // ElastiCache publishes only with aws:SourceOwner (not aws:SourceAccount); this policy replaces the default one, so it must hold that statement.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowElastiCachePublish',
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'AWS:SourceOwner': Stack.of(this).account } },
    }));
    suppressNagFindings(topic, [
      { id: 'AwsSolutions-SNS2', reason: 'ElastiCache marks an SSE-KMS encrypted topic inactive and stops publishing to it, so this topic is unencrypted. It carries only event names and node ids.' },
      { id: 'AwsSolutions-SNS3', reason: 'An aws:SecureTransport deny is not documented to admit ElastiCache\'s own publishing; the topic carries only event names and node ids.' },
    ]);
    return topic;
  }

  private authToken(
    props: ReplicatedRedisWithStableReadersProps,
    transitEncryption: boolean,
    groupRemovalPolicy: RemovalPolicy,
  ): secretsmanager.ISecret | undefined {
    if (props.authTokenSecret) {
      return props.authTokenSecret;
    }
    if (!transitEncryption || props.userGroupId !== undefined) {
      return undefined;
    }
    const secret = new secretsmanager.Secret(this, 'AuthToken', {
      description: `AUTH token of ${this.node.path}`,
      generateSecretString: {
        passwordLength: 64,
        // AUTH tokens allow printable ASCII except @, " and /; letters and digits keep client URLs simple.
        excludePunctuation: true,
      },
    });
    // A group kept after the stack (RETAIN) or restorable from its final snapshot (SNAPSHOT) is reachable only with
    // its token, so the secret stays too; Secrets Manager has no snapshot, so SNAPSHOT retains it.
    secret.applyRemovalPolicy(groupRemovalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
    suppressNagFindings(secret, [{
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating an ElastiCache AUTH token needs ModifyReplicationGroup with a ROTATE then SET strategy and client coordination; Secrets Manager rotation alone would lock clients out.',
    }]);
    return secret;
  }

  /** One delivery (and log group) per log type the engine version supports; none for Redis OSS before 6.0. */
  private logDeliveries(
    version: EngineVersion | undefined,
    retention: logs.RetentionDays,
    groupRemovalPolicy: RemovalPolicy,
  ): elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty[] | undefined {
    // A token version is a Valkey one (the rules refuse a Redis OSS token), and every Valkey version has both logs.
    const types: LogType[] = version ? supportedLogTypes(version) : ['slow-log', 'engine-log'];
    const ids: Record<LogType, string> = { 'slow-log': 'SlowLog', 'engine-log': 'EngineLog' };
    const deliveries = types.map((logType) => this.logDelivery(logType, ids[logType], retention, groupRemovalPolicy));
    return deliveries.length > 0 ? deliveries : undefined;
  }

  private logDelivery(
    logType: LogType,
    id: string,
    retention: logs.RetentionDays,
    groupRemovalPolicy: RemovalPolicy,
  ): elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty {
    const logGroup = new logs.LogGroup(this, id, {
      // Under /aws/vendedlogs/ the account's log delivery resource policy covers the group with a wildcard;
      // other names each add an ARN to that policy, whose 5,120-character limit a fleet of caches reaches.
      logGroupName: `/aws/vendedlogs/elasticache/${this.replicationGroupId}/${logType}`,
      retention,
      // Kept with a retained group only: a fixed name kept after the group is gone would block re-creating it.
      removalPolicy: groupRemovalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    return {
      destinationType: 'cloudwatch-logs',
      destinationDetails: { cloudWatchLogsDetails: { logGroup: logGroup.logGroupName } },
      logFormat: 'json',
      logType,
    };
  }

  private warnAboutRiskySettings(
    props: ReplicatedRedisWithStableReadersProps,
    recordTtl: Duration,
    transitEncryption: boolean,
    version?: EngineVersion,
  ): void {
    const annotations = Annotations.of(this);
    if (version && !isKnownEngineVersion(version)) {
      annotations.addWarningV2(`${WARNING_PREFIX}:unknownEngineVersion`,
        `engineVersion '${version.text}' is not one this release knows for ${version.engine} (${knownEngineVersions(version.engine).join(', ')}): `
        + `the parameter group family is taken as '${parameterGroupFamily(version)}' and log delivery as `
        + `${supportedLogTypes(version).join(' and ') || 'none'}. Check that ElastiCache offers the version.`);
    }
    if (!transitEncryption) {
      annotations.addWarningV2(`${WARNING_PREFIX}:transitEncryptionDisabled`,
        'transitEncryption is false: traffic is plain text and no AUTH token or RBAC protects the cache. Leave it on unless every client is inside a trusted network.');
    }
    const ttlSeconds = recordTtl.toSeconds();
    if (!Token.isUnresolved(ttlSeconds) && ttlSeconds > Limits.RISKY_RECORD_TTL_SECONDS) {
      annotations.addWarningV2(`${WARNING_PREFIX}:longRecordTtl`,
        `recordTtl is ${ttlSeconds} s: after a failover, clients may read from the promoted primary for up to that long. Keep it at ${Limits.RISKY_RECORD_TTL_SECONDS} s or less.`);
    }
    if (props.scheduledReconcile === false) {
      annotations.addWarningV2(`${WARNING_PREFIX}:scheduledReconcileDisabled`,
        'scheduledReconcile is false: a lost ElastiCache notification leaves replica names stale until the next one.');
    }
    if (props.removalPolicy === RemovalPolicy.DESTROY) {
      annotations.addWarningV2(`${WARNING_PREFIX}:removalPolicyDestroy`,
        'removalPolicy is DESTROY: removing the construct deletes the replication group and its data without a final snapshot.');
    }
  }
}
