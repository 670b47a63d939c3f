/**
 * Whose names these are: what a run may do with the replica names, given the lease it read.
 *
 * Pure: the reconcile reads the lease and acts on the verdict. The lease names the group and, once a custom resource
 * claimed it, the owner (src/private/contract.ts). The rules:
 * - The custom resource's Create or Update claims the names when there is no lease, or when the lease is of its own
 *   stack (itself; a replaced resource with a new logical id; a new replicationGroupId). A lease of another stack
 *   (another construct sharing the zone, or the same group id in another Region or account) refuses, before writing.
 * - Scheduled, notified and direct runs write only under a lease of their group and stack. Without a lease, or under
 *   another owner's, the names are not managed: the run writes nothing and the alarm counts it. A lease of the same
 *   stack for another group is a replicationGroupId change between the function's update and the custom resource's:
 *   the run waits quietly for the custom resource.
 * - The custom resource's Delete removes the names only under its own lease, or none (names nobody holds).
 */
import { LeaseValue, NamesOwner, parseLeaseTarget } from '../../src/private/contract';

/** What a run may do. */
export type LeaseVerdict =
  /** Write, and leave the lease naming `owner` (undefined: a lease without owner stays so). */
  | { readonly kind: 'write'; readonly owner?: NamesOwner }
  /** Write nothing. `alarm`: nothing will fix it without an operator (the updater alarm counts it). */
  | { readonly kind: 'skip'; readonly reason: string; readonly alarm: boolean }
  /** Fail the custom resource's event before writing. */
  | { readonly kind: 'refuse'; readonly message: string };

/** Who is asking: the custom resource (claims as `claimant`) or another run (with its stack, when known). */
export interface LeaseRequest {
  readonly replicationGroupId: string;
  readonly leaseName: string;
  /** Set for the custom resource's Create and Update. */
  readonly claimant?: NamesOwner;
  /** For other runs: the hash of the function's stack id (`stackKey`), when the environment has it. */
  readonly stack?: string;
  /** Creates a missing lease without naming an owner (tools and benchmarks that play the custom resource). */
  readonly claimWithoutOwner?: boolean;
}

/** A lease that cannot be read counts as another owner's: better to refuse than to take what may not be ours. */
const UNREADABLE: LeaseValue = { version: '', replicationGroupId: '(unreadable lease)' };

/** The verdict for the lease read (its target, or undefined when there is none). */
export function judgeLease(leaseTarget: string | undefined, request: LeaseRequest): LeaseVerdict {
  const lease = leaseTarget === undefined ? undefined : parseLeaseTarget(leaseTarget) ?? UNREADABLE;
  if (request.claimant !== undefined) {
    return judgeClaim(lease, leaseTarget, request, request.claimant);
  }
  if (lease === undefined && request.claimWithoutOwner === true) {
    return { kind: 'write' };
  }
  if (lease === undefined) {
    return {
      kind: 'skip',
      alarm: true,
      reason: `${request.leaseName} does not exist: the names are not managed (removed by hand, or by the custom resource's Delete). `
        + 'Deploying the stack again re-claims them (a change to the custom resource\'s properties runs its Update).',
    };
  }
  const sameStack = lease.owner === undefined || request.stack === undefined || lease.owner.stack === request.stack;
  if (lease.replicationGroupId === request.replicationGroupId && sameStack) {
    return { kind: 'write', owner: lease.owner };
  }
  if (lease.replicationGroupId !== request.replicationGroupId && lease.owner !== undefined && lease.owner.stack === request.stack) {
    return {
      kind: 'skip',
      alarm: false,
      reason: `${request.leaseName} is held for group ${lease.replicationGroupId} by this stack: replicationGroupId is changing, `
        + 'and the custom resource\'s Update moves the names to the new group later in this deployment',
    };
  }
  return { kind: 'skip', alarm: true, reason: `${request.leaseName} is held by ${describeHolder(lease)}: the names are not this function's to manage` };
}

function judgeClaim(lease: LeaseValue | undefined, leaseTarget: string | undefined, request: LeaseRequest, claimant: NamesOwner): LeaseVerdict {
  if (lease === undefined
    || (lease.owner === undefined ? lease.replicationGroupId === request.replicationGroupId : lease.owner.stack === claimant.stack)) {
    return { kind: 'write', owner: claimant };
  }
  return {
    kind: 'refuse',
    message: `The replica names in this zone belong to ${describeHolder(lease)} (${request.leaseName} = ${leaseTarget}); `
      + `${claimant.logicalId} in stack ${claimant.stackName} (group ${request.replicationGroupId}) cannot take them. A zone's replica names `
      + 'have one owner: give this construct a zone of its own (zoneName or hostedZone), or delete the other construct first. If that '
      + `stack no longer exists, delete ${request.leaseName} and its replicaN names by hand, then deploy again. Nothing was written.`,
  };
}

/** Whether a custom resource's Delete may remove the names: under its own lease, a lease without owner, or none. */
export function mayDelete(leaseTarget: string | undefined, owner: NamesOwner): boolean {
  if (leaseTarget === undefined) {
    return true;
  }
  const lease = parseLeaseTarget(leaseTarget);
  return lease !== undefined && (lease.owner === undefined || lease.owner.resource === owner.resource);
}

/** `group <id>, managed by <logical id> in stack <name>`, as far as the lease says. */
export function describeHolder(lease: LeaseValue): string {
  return lease.owner === undefined
    ? `group ${lease.replicationGroupId}`
    : `group ${lease.replicationGroupId}, managed by ${lease.owner.logicalId} in stack ${lease.owner.stackName}`;
}
