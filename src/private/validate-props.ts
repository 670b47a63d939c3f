import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MAX_REPLICA_RECORDS } from './contract';
import {
  isDataTieringNodeType,
  isOlderThanKnown,
  knownEngineVersions,
  parseEngineVersion,
  supportsDataTiering,
  supportsTransitEncryptionMode,
  supportsUserGroups,
} from './engine-versions';
import { classifyZone } from './hosted-zones';
import { ReplicationGroupEngine } from '../engine';
import { TransitEncryptionMode } from '../options';

/** Bounds that props are checked against, shared with the docs and the tests. */
export const Limits = {
  MIN_REPLICAS: 1,
  MAX_REPLICAS: MAX_REPLICA_RECORDS,
  MIN_RECORD_TTL_SECONDS: 1,
  MAX_RECORD_TTL_SECONDS: 300,
  /** Above this, clients can keep reading from a promoted primary for a long time after a failover. */
  RISKY_RECORD_TTL_SECONDS: 60,
  MAX_SNAPSHOT_RETENTION_DAYS: 35,
  MAX_REPLICATION_GROUP_ID_LENGTH: 40,
  MIN_RECONCILE_INTERVAL_MINUTES: 1,
  /** ElastiCache refuses a shorter snapshot or maintenance window ("must be at least 60 minutes"). */
  MIN_WINDOW_MINUTES: 60,
} as const;

/** The props the rules read, already defaulted by the construct. */
export interface ValidatedProps {
  readonly replicas: number;
  readonly recordTtl: Duration;
  readonly zoneName?: string;
  readonly hostedZone?: route53.IHostedZone;
  readonly engine: ReplicationGroupEngine;
  readonly engineVersion: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly transitEncryption: boolean;
  readonly transitEncryptionMode?: TransitEncryptionMode;
  readonly hasAuthTokenSecret: boolean;
  readonly userGroupId?: string;
  readonly port: number;
  readonly snapshotRetentionLimit: number;
  readonly replicationGroupId?: string;
  readonly reconcileInterval: Duration;
  readonly parameters?: Record<string, string>;
  readonly cacheNodeType: string;
  readonly snapshotWindow?: string;
  readonly preferredMaintenanceWindow?: string;
}

type Rule = (props: ValidatedProps) => string | undefined;

/**
 * The subnets used when `vpcSubnets` is not given: the VPC's private subnets with egress, else its isolated ones,
 * else none (a VPC with only public subnets, reported by the rules).
 */
export function defaultSubnetSelection(vpc: ec2.IVpc): ec2.SubnetSelection | undefined {
  if (vpc.privateSubnets.length > 0) {
    return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  }
  return vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : undefined;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const TIME = '([01]\\d|2[0-3]):([0-5]\\d)';
const DAILY_WINDOW = new RegExp(`^${TIME}-${TIME}$`);
const WEEKLY_WINDOW = new RegExp(`^(${DAYS.join('|')}):${TIME}-(${DAYS.join('|')}):${TIME}$`);

/** A window as minutes on a ring (a day or a week): where it starts and how long it lasts (it may wrap around). */
export interface Window {
  readonly start: number;
  readonly length: number;
}

/** `hh24:mi-hh24:mi` (UTC), as minutes of the day; undefined when not in that form. */
export function parseDailyWindow(text: string): Window | undefined {
  const match = DAILY_WINDOW.exec(text);
  if (!match) {
    return undefined;
  }
  const [start, end] = [Number(match[1]) * 60 + Number(match[2]), Number(match[3]) * 60 + Number(match[4])];
  return { start, length: (end - start + MINUTES_PER_DAY) % MINUTES_PER_DAY };
}

/** `ddd:hh24:mi-ddd:hh24:mi` (UTC), as minutes of the week from Sunday 00:00; undefined when not in that form. */
export function parseWeeklyWindow(text: string): Window | undefined {
  const match = WEEKLY_WINDOW.exec(text);
  if (!match) {
    return undefined;
  }
  const at = (day: string, hour: string, minute: string) => DAYS.indexOf(day) * MINUTES_PER_DAY + Number(hour) * 60 + Number(minute);
  const [start, end] = [at(match[1], match[2], match[3]), at(match[4], match[5], match[6])];
  return { start, length: (end - start + MINUTES_PER_WEEK) % MINUTES_PER_WEEK };
}

/** Whether the daily window, repeated on each day of the week, meets the weekly window. */
export function overlaps(daily: Window, weekly: Window): boolean {
  // Two non-empty windows on the week's ring meet exactly when one starts inside the other.
  const within = (point: number, window: Window) => (point - window.start + MINUTES_PER_WEEK) % MINUTES_PER_WEEK < window.length;
  return DAYS.some((_, day) => {
    const snapshot = { start: day * MINUTES_PER_DAY + daily.start, length: daily.length };
    return within(snapshot.start, weekly) || within(weekly.start, snapshot);
  });
}

/** Runs `read` and returns its error's message instead of throwing, so one failing lookup joins the report. */
function attempt<T>(read: () => T): { value?: T; error?: string } {
  try {
    return { value: read() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const DNS_LABEL = '(?!-)[a-z0-9-]{1,63}(?<!-)';
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const REPLICATION_GROUP_ID = /^[a-z](?!.*--)[a-z0-9-]*(?<!-)$/;

function isNumberIn(value: number, min: number, max: number): boolean {
  return Token.isUnresolved(value) || (Number.isInteger(value) && value >= min && value <= max);
}

/** One table of rules; each names the prop, the value received and what is allowed. */
const RULES: Rule[] = [
  ({ replicas }) => isNumberIn(replicas, Limits.MIN_REPLICAS, Limits.MAX_REPLICAS)
    ? undefined
    : `replicas must be an integer from ${Limits.MIN_REPLICAS} to ${Limits.MAX_REPLICAS} (a cluster-mode-disabled group has at most 5 replicas), got ${replicas}`,

  ({ recordTtl }) => {
    // Not toSeconds(): it throws on a fraction of a second, before the other rules had their say.
    const seconds = recordTtl.toSeconds({ integral: false });
    return isNumberIn(seconds, Limits.MIN_RECORD_TTL_SECONDS, Limits.MAX_RECORD_TTL_SECONDS)
      ? undefined
      : `recordTtl must be a whole number of seconds from ${Limits.MIN_RECORD_TTL_SECONDS} to ${Limits.MAX_RECORD_TTL_SECONDS}, got ${recordTtl.toHumanString()}`;
  },

  // Literal, because the names, the IAM name condition and the handler's settings are built from it at synth time.
  ({ zoneName }) => zoneName !== undefined && Token.isUnresolved(zoneName)
    ? `zoneName must be a literal DNS name, not a token (the replica names and the IAM name condition are built from it), got ${zoneName}`
    : undefined,

  ({ zoneName }) => zoneName === undefined || Token.isUnresolved(zoneName) || DNS_NAME.test(zoneName.toLowerCase().replace(/\.$/, ''))
    ? undefined
    : `zoneName must be a valid DNS name (dot-separated labels of 1-63 letters, digits or hyphens, not starting or ending with a hyphen), got '${zoneName}'`,

  ({ zoneName, hostedZone }) => zoneName !== undefined && hostedZone !== undefined
    ? `zoneName and hostedZone cannot both be set: zoneName names a zone the construct creates, got zoneName '${zoneName}' and a hostedZone`
    : undefined,

  // Route 53 answers a VPC's queries from the private zones associated with it only; the names in a public zone
  // would be public. An import that cannot say whether it is private is refused too: the prop is a private zone.
  ({ hostedZone }) => {
    const zone = hostedZone && classifyZone(hostedZone);
    if (zone?.kind === 'public') {
      return `hostedZone must be a private hosted zone associated with the VPC, got the public zone ${hostedZone!.node.path} (${zone.how})`;
    }
    return zone?.kind === 'unknown-import'
      ? `hostedZone must be a private hosted zone associated with the VPC, got ${hostedZone!.node.path} imported with ${zone.how}, which may be public; `
        + 'import it with PrivateHostedZone.fromPrivateHostedZoneAttributes'
      : undefined;
  },

  ({ hostedZone }) => {
    if (hostedZone === undefined) {
      return undefined;
    }
    try {
      return Token.isUnresolved(hostedZone.zoneName)
        ? `hostedZone must have a literal zone name, not a token (the replica names and the IAM name condition are built from it), got ${hostedZone.zoneName}`
        : undefined;
    } catch {
      return `hostedZone must know its zone name (import it with PrivateHostedZone.fromPrivateHostedZoneAttributes), got ${hostedZone.node.path} without one`;
    }
  },

  ({ engine, engineVersion }) => {
    if (!Object.values(ReplicationGroupEngine).includes(engine)) {
      return `engine must be one of ${Object.values(ReplicationGroupEngine).join(', ')}, got '${engine}'`;
    }
    if (Token.isUnresolved(engineVersion)) {
      return undefined;
    }
    const version = parseEngineVersion(engine, engineVersion);
    if (version === undefined) {
      return `engineVersion must be <major>.<minor> or <major>.<minor>.<patch> in digits (e.g. '${knownEngineVersions(engine).slice(-1)[0]}'), got '${engineVersion}'`;
    }
    // An unknown version newer than the oldest one ElastiCache offers may be a new release (it warns); an older one cannot be.
    return isOlderThanKnown(version)
      ? `engineVersion '${engineVersion}' is older than every version ElastiCache offers for engine '${engine}'; known: ${knownEngineVersions(engine).join(', ')}`
      : undefined;
  },

  // Log delivery and TransitEncryptionMode follow the Redis OSS version, so it must be known at synth time.
  ({ engine, engineVersion, parameters }) => Token.isUnresolved(engineVersion)
    && (parameters !== undefined || engine === ReplicationGroupEngine.REDIS)
    ? `engineVersion must be a literal ${parameters !== undefined ? 'when parameters are given (the parameter group family follows it)'
      : 'for Redis OSS (log delivery and transitEncryptionMode follow it)'}, got ${engineVersion}`
    : undefined,

  // ElastiCache's supported node types page: every type is cache.<family>.<size> (cache.t4g.micro, cache.r6gd.16xlarge).
  ({ cacheNodeType }) => Token.isUnresolved(cacheNodeType) || /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cacheNodeType)
    ? undefined
    : `cacheNodeType must be cache.<family>.<size>, e.g. cache.m7g.large, got '${cacheNodeType}'`,

  // ElastiCache parameter reference: cluster-enabled yes makes a cluster-mode-enabled group, whose members have no
  // CurrentRole (DescribeReplicationGroups), so the names would have nothing to follow; it contradicts ClusterMode disabled.
  ({ parameters }) => {
    const value = parameters?.['cluster-enabled'];
    return value !== undefined && !Token.isUnresolved(value) && value.trim().toLowerCase() === 'yes'
      ? `parameters must not turn cluster mode on (this construct makes a cluster-mode-disabled group), got cluster-enabled '${value}'`
      : undefined;
  },

  // ElastiCache API reference (CreateReplicationGroup): SnapshotWindow hh24:mi-hh24:mi in UTC; it answers
  // "Snapshot window must be at least 60 minutes" to a shorter one.
  ({ snapshotWindow }) => {
    if (snapshotWindow === undefined || Token.isUnresolved(snapshotWindow)) {
      return undefined;
    }
    const window = parseDailyWindow(snapshotWindow);
    return window !== undefined && window.length >= Limits.MIN_WINDOW_MINUTES
      ? undefined
      : `snapshotWindow must be hh24:mi-hh24:mi in UTC, at least ${Limits.MIN_WINDOW_MINUTES} minutes long (e.g. 03:00-04:00), got '${snapshotWindow}'`;
  },

  // ElastiCache API reference (CreateReplicationGroup): PreferredMaintenanceWindow ddd:hh24:mi-ddd:hh24:mi in UTC,
  // ddd one of sun mon tue wed thu fri sat; "the minimum maintenance window is a 60 minute period".
  ({ preferredMaintenanceWindow }) => {
    if (preferredMaintenanceWindow === undefined || Token.isUnresolved(preferredMaintenanceWindow)) {
      return undefined;
    }
    const window = parseWeeklyWindow(preferredMaintenanceWindow);
    return window !== undefined && window.length >= Limits.MIN_WINDOW_MINUTES
      ? undefined
      : `preferredMaintenanceWindow must be ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of ${DAYS.join(', ')}, at least ${Limits.MIN_WINDOW_MINUTES} minutes long `
        + `(e.g. sun:05:00-sun:06:00), got '${preferredMaintenanceWindow}'`;
  },

  // ElastiCache refuses overlapping windows: "The snapshot window and maintenance window must not overlap."
  ({ snapshotWindow, preferredMaintenanceWindow }) => {
    const literal = (value?: string): value is string => value !== undefined && !Token.isUnresolved(value);
    if (!literal(snapshotWindow) || !literal(preferredMaintenanceWindow)) {
      return undefined;
    }
    const daily = parseDailyWindow(snapshotWindow);
    const weekly = parseWeeklyWindow(preferredMaintenanceWindow);
    return daily !== undefined && weekly !== undefined && daily.length > 0 && weekly.length > 0 && overlaps(daily, weekly)
      ? `snapshotWindow and preferredMaintenanceWindow must not overlap, got snapshotWindow '${snapshotWindow}' and preferredMaintenanceWindow '${preferredMaintenanceWindow}'`
      : undefined;
  },

  ({ vpc, vpcSubnets }) => {
    const selection = vpcSubnets ?? defaultSubnetSelection(vpc);
    if (selection === undefined) {
      return 'vpcSubnets must be given when the vpc has no private subnets (with egress or isolated) to default to, got a vpc with '
        + `${vpc.publicSubnets.length} public subnet(s) only (a cache must not sit in a public subnet)`;
    }
    if (selection.subnetType === ec2.SubnetType.PUBLIC) {
      return `vpcSubnets must select private subnets (a cache must not sit in a public subnet), got subnetType ${selection.subnetType}`;
    }
    // aws-cdk-lib throws when the selection names a subnet type or group the VPC lacks; report it with the rest.
    const selected = attempt(() => vpc.selectSubnets(selection).subnetIds);
    if (selected.error !== undefined) {
      return `vpcSubnets must select subnets the vpc has, got a selection aws-cdk-lib refuses: ${selected.error}`;
    }
    if (selected.value!.length === 0) {
      return 'vpcSubnets must select at least one private subnet (a cache subnet group needs one), got none';
    }
    const publicIds = new Set(vpc.publicSubnets.map((subnet) => subnet.subnetId));
    const publicSelected = selected.value!.filter((id) => publicIds.has(id));
    return publicSelected.length === 0
      ? undefined
      : `vpcSubnets must select private subnets (a cache must not sit in a public subnet), got ${publicSelected.length} public subnet(s)`;
  },

  ({ vpc }) => vpc instanceof ec2.Vpc && (!vpc.dnsHostnamesEnabled || !vpc.dnsSupportEnabled)
    ? `vpc must have DNS hostnames and DNS support enabled for its private hosted zone to resolve, got enableDnsHostnames ${vpc.dnsHostnamesEnabled} `
      + `and enableDnsSupport ${vpc.dnsSupportEnabled}`
    : undefined,

  ({ hasAuthTokenSecret, userGroupId }) => hasAuthTokenSecret && userGroupId !== undefined
    ? `authTokenSecret and userGroupId cannot both be set: choose AUTH token or an RBAC user group, got both (userGroupId '${userGroupId}')`
    : undefined,

  ({ transitEncryption, hasAuthTokenSecret, userGroupId }) => !transitEncryption && (hasAuthTokenSecret || userGroupId !== undefined)
    ? `transitEncryption must be true when ${hasAuthTokenSecret ? 'authTokenSecret' : 'userGroupId'} is set (ElastiCache sends AUTH only over TLS), got false`
    : undefined,

  ({ transitEncryption, transitEncryptionMode }) => !transitEncryption && transitEncryptionMode !== undefined
    ? `transitEncryptionMode needs transitEncryption to be true, got transitEncryption false and transitEncryptionMode '${transitEncryptionMode}'`
    : undefined,

  ({ engine, engineVersion, transitEncryptionMode }) => {
    const version = transitEncryptionMode === undefined || Token.isUnresolved(engineVersion) ? undefined : parseEngineVersion(engine, engineVersion);
    return version === undefined || supportsTransitEncryptionMode(version)
      ? undefined
      : `transitEncryptionMode needs Redis OSS 7.0 or later or any Valkey version, got engine '${engine}' version '${engineVersion}'`;
  },

  // RBAC arrived with Redis OSS 6.0 (ElastiCache user guide, Role-Based Access Control); older engines fail at deploy.
  ({ engine, engineVersion, userGroupId }) => {
    const version = userGroupId === undefined || Token.isUnresolved(engineVersion) ? undefined : parseEngineVersion(engine, engineVersion);
    return version === undefined || supportsUserGroups(version)
      ? undefined
      : `userGroupId needs an engine with RBAC user groups, Redis OSS 6.0 or later or any Valkey version, got engine '${engine}' version '${engineVersion}'`;
  },

  // r6gd nodes tier data to SSD, which the construct turns on for them: ElastiCache offers it from Redis OSS 6.2 and on
  // every Valkey version (ElastiCache user guide, Data tiering).
  ({ engine, engineVersion, cacheNodeType }) => {
    const version = Token.isUnresolved(cacheNodeType) || !isDataTieringNodeType(cacheNodeType) || Token.isUnresolved(engineVersion)
      ? undefined
      : parseEngineVersion(engine, engineVersion);
    return version === undefined || supportsDataTiering(version)
      ? undefined
      : `cacheNodeType '${cacheNodeType}' (r6gd, data tiering) needs Redis OSS 6.2 or later or any Valkey version, got engine '${engine}' version '${engineVersion}'`;
  },

  // Data tiering supports only these eviction policies (ElastiCache user guide, Data tiering prerequisites).
  ({ cacheNodeType, parameters }) => {
    const policy = parameters?.['maxmemory-policy'];
    const allowed = ['volatile-lru', 'allkeys-lru', 'noeviction'];
    return policy === undefined || Token.isUnresolved(policy) || Token.isUnresolved(cacheNodeType) || !isDataTieringNodeType(cacheNodeType)
      || allowed.includes(policy.trim().toLowerCase())
      ? undefined
      : `parameters must set maxmemory-policy to one of ${allowed.join(', ')} with cacheNodeType '${cacheNodeType}' (data tiering), got '${policy}'`;
  },

  ({ userGroupId }) => userGroupId === undefined || Token.isUnresolved(userGroupId) || userGroupId.trim().length > 0
    ? undefined
    : `userGroupId must name a user group when set, got '${userGroupId}'`,

  ({ port }) => isNumberIn(port, 1, 65535) ? undefined : `port must be an integer from 1 to 65535, got ${port}`,

  ({ snapshotRetentionLimit }) => isNumberIn(snapshotRetentionLimit, 0, Limits.MAX_SNAPSHOT_RETENTION_DAYS)
    ? undefined
    : `snapshotRetentionLimit must be an integer from 0 to ${Limits.MAX_SNAPSHOT_RETENTION_DAYS} days, got ${snapshotRetentionLimit}`,

  ({ replicationGroupId }) => replicationGroupId !== undefined && Token.isUnresolved(replicationGroupId)
    ? `replicationGroupId must be a literal, not a token (IAM policies, metrics and the default zone name are built from it), got ${replicationGroupId}`
    : undefined,

  ({ replicationGroupId }) => replicationGroupId === undefined || Token.isUnresolved(replicationGroupId)
    || (replicationGroupId.length <= Limits.MAX_REPLICATION_GROUP_ID_LENGTH && REPLICATION_GROUP_ID.test(replicationGroupId))
    ? undefined
    : `replicationGroupId must be 1-${Limits.MAX_REPLICATION_GROUP_ID_LENGTH} lowercase letters, digits or hyphens, start with a letter, `
      + `and contain no two consecutive hyphens nor end with one, got '${replicationGroupId}'`,

  ({ reconcileInterval }) => {
    const minutes = reconcileInterval.toMinutes({ integral: false });
    return Token.isUnresolved(minutes) || (Number.isInteger(minutes) && minutes >= Limits.MIN_RECONCILE_INTERVAL_MINUTES)
      ? undefined
      : `reconcileInterval must be a whole number of minutes, at least ${Limits.MIN_RECONCILE_INTERVAL_MINUTES} (EventBridge's finest rate), got ${reconcileInterval.toHumanString()}`;
  },
];

/** Runs every rule and returns every failure, so a user fixes all of them in one go. */
export function validateProps(props: ValidatedProps): string[] {
  return RULES.map((rule) => rule(props)).filter((failure): failure is string => failure !== undefined);
}
