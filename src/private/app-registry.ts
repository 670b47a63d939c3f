import { IConstruct } from 'constructs';

/**
 * What the constructs of one app have claimed, so a second construct asking for the same thing fails at synth
 * instead of at deploy. Kept per app root (a WeakMap, so a discarded app is collected), never in a global.
 */
interface Claims {
  /** Zone objects given as `hostedZone` → path of the construct using it. */
  readonly zones: WeakMap<object, string>;
  /** `<VPC id> <zone name>` → path of the construct whose zone has that name in that VPC. */
  readonly zoneNamesInVpcs: Map<string, string>;
  /** `<account> <region> <replication group id>` → path of the construct using that id. */
  readonly replicationGroupIds: Map<string, string>;
}

const CLAIMS = new WeakMap<IConstruct, Claims>();

function claimsOf(scope: IConstruct): Claims {
  const root = scope.node.root;
  let claims = CLAIMS.get(root);
  if (!claims) {
    claims = { zones: new WeakMap(), zoneNamesInVpcs: new Map(), replicationGroupIds: new Map() };
    CLAIMS.set(root, claims);
  }
  return claims;
}

/** What one construct asks for. */
export interface Claim {
  readonly zone?: object;
  /** The VPC id (a token string for a VPC defined in the app: the same object gives the same string). */
  readonly vpcId: string;
  /** Undefined when the zone name is not known at synth time. */
  readonly zoneName?: string;
  readonly account: string;
  readonly region: string;
  readonly replicationGroupId: string;
}

/** The paths of the constructs that already hold what `claim` asks for. */
export interface Conflicts {
  readonly zone?: string;
  readonly zoneNameInVpc?: string;
  readonly replicationGroupId?: string;
}

const zoneNameKey = (claim: Claim) => claim.zoneName === undefined ? undefined : `${claim.vpcId} ${claim.zoneName.toLowerCase().replace(/\.$/, '')}`;
const groupIdKey = (claim: Claim) => `${claim.account} ${claim.region} ${claim.replicationGroupId}`;

/** Who already holds what `claim` asks for in the app of `scope`. */
export function findConflicts(scope: IConstruct, claim: Claim): Conflicts {
  const claims = claimsOf(scope);
  return {
    zone: claim.zone && claims.zones.get(claim.zone),
    zoneNameInVpc: zoneNameKey(claim) === undefined ? undefined : claims.zoneNamesInVpcs.get(zoneNameKey(claim)!),
    replicationGroupId: claims.replicationGroupIds.get(groupIdKey(claim)),
  };
}

/** Records `claim` for the construct at `scope`; call it only once the construct's props are valid. */
export function recordClaim(scope: IConstruct, claim: Claim): void {
  const claims = claimsOf(scope);
  if (claim.zone) {
    claims.zones.set(claim.zone, scope.node.path);
  }
  const zoneName = zoneNameKey(claim);
  if (zoneName !== undefined) {
    claims.zoneNamesInVpcs.set(zoneName, scope.node.path);
  }
  claims.replicationGroupIds.set(groupIdKey(claim), scope.node.path);
}
