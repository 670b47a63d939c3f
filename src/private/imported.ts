import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MAX_REPLICA_RECORDS, normalizeRecordName, replicaRecordLabel } from './contract';
import { memberIds } from './members';
import { ReplicatedRedisWithStableReadersAttributes, ReplicatedRedisWithStableReadersBase } from '../replicated-redis-with-stable-readers-base';

const DEFAULT_PORT = 6379;

/** A deployed cache, known by its attributes; it creates nothing. */
export class ImportedReplicatedRedisWithStableReaders extends ReplicatedRedisWithStableReadersBase {
  public readonly replicationGroupId: string;
  public readonly memberIds: string[];
  public readonly primaryHostname: string;
  public readonly readerHostname: string;
  public readonly replicaHostnames: string[];
  public readonly port: number;
  public readonly securityGroups: ec2.ISecurityGroup[];
  public readonly hostedZone: route53.IPrivateHostedZone;
  public readonly authTokenSecret?: secretsmanager.ISecret;
  public readonly connections: ec2.Connections;
  private readonly attrs: ReplicatedRedisWithStableReadersAttributes;

  constructor(scope: Construct, id: string, attrs: ReplicatedRedisWithStableReadersAttributes) {
    super(scope, id);
    const failures: string[] = [];
    const { replicas } = attrs;
    if (!Token.isUnresolved(replicas) && !(Number.isInteger(replicas) && replicas >= 1 && replicas <= MAX_REPLICA_RECORDS)) {
      failures.push(`replicas must be an integer from 1 to ${MAX_REPLICA_RECORDS}, got ${replicas}`);
    } else if (Token.isUnresolved(replicas)) {
      failures.push(`replicas must be a literal (it gives the replica names and member ids), got ${replicas}`);
    }
    let zoneName: string | undefined;
    try {
      zoneName = attrs.hostedZone.zoneName;
    } catch {
      failures.push(`hostedZone must know its zone name (import it with PrivateHostedZone.fromPrivateHostedZoneAttributes), got ${attrs.hostedZone.node.path}`);
    }
    if (failures.length > 0) {
      throw new Error(`Invalid ReplicatedRedisWithStableReaders attributes at ${this.node.path}:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    }
    const zone = Token.isUnresolved(zoneName!) ? zoneName! : normalizeRecordName(zoneName!);
    this.attrs = attrs;
    this.replicationGroupId = attrs.replicationGroupId;
    this.memberIds = memberIds(attrs.replicationGroupId, replicas);
    this.primaryHostname = `primary.${zone}`;
    this.readerHostname = `reader.${zone}`;
    this.replicaHostnames = Array.from({ length: replicas }, (_, index) => `${replicaRecordLabel(index + 1)}.${zone}`);
    this.port = attrs.port ?? DEFAULT_PORT;
    // A group from another stack of the app is referenced from this one, so the rules `connections` adds live here and
    // this stack depends on the cache's; left in the cache's stack, an ingress rule from this stack's peers is a cycle.
    this.securityGroups = attrs.securityGroups.map((group, index) => Token.isUnresolved(group.securityGroupId) && Stack.of(group) !== Stack.of(this)
      ? ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index + 1}`, group.securityGroupId, { allowAllOutbound: group.allowAllOutbound })
      : group);
    this.hostedZone = attrs.hostedZone;
    this.authTokenSecret = attrs.authTokenSecret;
    this.connections = new ec2.Connections({ securityGroups: this.securityGroups, defaultPort: ec2.Port.tcp(this.port) });
  }

  public get primaryEndpointAddress(): string {
    return this.attrs.primaryEndpointAddress ?? this.missing('primaryEndpointAddress');
  }

  public get readerEndpointAddress(): string {
    return this.attrs.readerEndpointAddress ?? this.missing('readerEndpointAddress');
  }

  private missing(attribute: string): never {
    throw new Error(`${this.node.path} was imported without ${attribute}: pass it to fromReplicatedRedisWithStableReadersAttributes`);
  }
}
