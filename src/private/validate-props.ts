import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { MAX_REPLICA_RECORDS } from './contract';
import { parameterGroupFamily, supportedEngineVersions, supportsTransitEncryptionMode } from './engine-versions';
import { CacheEngine } from '../engine';
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
} as const;

/** The props the rules read, already defaulted by the construct. */
export interface ValidatedProps {
  readonly replicas: number;
  readonly recordTtl: Duration;
  readonly zoneName?: string;
  readonly hostedZone?: route53.IHostedZone;
  readonly engine: CacheEngine;
  readonly engineVersion: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly transitEncryption: boolean;
  readonly transitEncryptionMode?: TransitEncryptionMode;
  readonly hasAuthTokenSecret: boolean;
  readonly userGroupIds?: string[];
  readonly port: number;
  readonly snapshotRetentionLimit: number;
  readonly replicationGroupId?: string;
  readonly reconcileInterval: Duration;
  readonly hasParameters: boolean;
}

type Rule = (props: ValidatedProps) => string | undefined;

/** A zone is public when it is a PublicHostedZone, or a HostedZone defined in this app with no VPC. */
function isPublicZone(zone: route53.IHostedZone | undefined): boolean {
  if (zone instanceof route53.PublicHostedZone) {
    return true;
  }
  if (zone instanceof route53.HostedZone && !(zone instanceof route53.PrivateHostedZone)) {
    // `vpcs` is protected; a HostedZone is private exactly when it has one.
    return (zone as unknown as { readonly vpcs: unknown[] }).vpcs.length === 0;
  }
  return false;
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
    const seconds = recordTtl.toSeconds();
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

  ({ hostedZone }) => isPublicZone(hostedZone)
    ? `hostedZone must be a private hosted zone associated with the VPC, got the public zone ${hostedZone!.node.path}`
    : undefined,

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
    if (!Object.values(CacheEngine).includes(engine)) {
      return `engine must be one of ${Object.values(CacheEngine).join(', ')}, got '${engine}'`;
    }
    return Token.isUnresolved(engineVersion) || parameterGroupFamily(engine, engineVersion) !== undefined
      ? undefined
      : `engineVersion '${engineVersion}' does not exist for engine '${engine}'; allowed: ${supportedEngineVersions(engine).join(', ')}`;
  },

  ({ vpc, vpcSubnets }) => {
    if (vpcSubnets === undefined) {
      return undefined;
    }
    if (vpcSubnets.subnetType === ec2.SubnetType.PUBLIC) {
      return `vpcSubnets must select private subnets (a cache must not sit in a public subnet), got subnetType ${vpcSubnets.subnetType}`;
    }
    const publicIds = new Set(vpc.publicSubnets.map((subnet) => subnet.subnetId));
    const selected = vpc.selectSubnets(vpcSubnets).subnetIds.filter((id) => !Token.isUnresolved(id) || publicIds.has(id));
    const publicSelected = selected.filter((id) => publicIds.has(id));
    return publicSelected.length === 0
      ? undefined
      : `vpcSubnets must select private subnets (a cache must not sit in a public subnet), got ${publicSelected.length} public subnet(s)`;
  },

  ({ hasParameters, engineVersion }) => hasParameters && Token.isUnresolved(engineVersion)
    ? `engineVersion must be a literal when parameters are given (the parameter group family follows it), got ${engineVersion}`
    : undefined,

  ({ vpc }) => vpc instanceof ec2.Vpc && (!vpc.dnsHostnamesEnabled || !vpc.dnsSupportEnabled)
    ? `vpc must have DNS hostnames and DNS support enabled for its private hosted zone to resolve, got enableDnsHostnames ${vpc.dnsHostnamesEnabled} `
      + `and enableDnsSupport ${vpc.dnsSupportEnabled}`
    : undefined,

  ({ hasAuthTokenSecret, userGroupIds }) => hasAuthTokenSecret && userGroupIds !== undefined
    ? `authTokenSecret and userGroupIds cannot both be set: choose AUTH token or RBAC user groups, got both (userGroupIds ${JSON.stringify(userGroupIds)})`
    : undefined,

  ({ transitEncryption, hasAuthTokenSecret, userGroupIds }) => !transitEncryption && (hasAuthTokenSecret || userGroupIds !== undefined)
    ? `transitEncryption must be true when ${hasAuthTokenSecret ? 'authTokenSecret' : 'userGroupIds'} is set (ElastiCache sends AUTH only over TLS), got false`
    : undefined,

  ({ transitEncryption, transitEncryptionMode }) => !transitEncryption && transitEncryptionMode !== undefined
    ? `transitEncryptionMode needs transitEncryption to be true, got transitEncryption false and transitEncryptionMode '${transitEncryptionMode}'`
    : undefined,

  ({ engine, engineVersion, transitEncryptionMode }) => transitEncryptionMode === undefined || Token.isUnresolved(engineVersion)
    || supportsTransitEncryptionMode(engine, engineVersion)
    ? undefined
    : `transitEncryptionMode needs Redis OSS 7.0 or later or any Valkey version, got engine '${engine}' version '${engineVersion}'`,

  ({ userGroupIds }) => userGroupIds === undefined || userGroupIds.length > 0
    ? undefined
    : 'userGroupIds must list at least one user group when set, got []',

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
