/**
 * Checks that every replica name obeys the rules, from live state. Pure, like plan.ts: the
 * failover drill, the end-to-end tests and the handler's `verify` action all use it.
 */
import { CurrentRecord, GroupMember, memberHealth } from './plan';
import { normalizeRecordName } from '../../src/private/contract';

/** What one name points at, and what is wrong with it. */
export interface NameCheck {
  readonly name: string;
  /** The CNAME target, normalized; undefined when the name does not exist. */
  readonly target?: string;
  /** The member the target belongs to, if any. */
  readonly cacheClusterId?: string;
  /** Why the name is wrong; undefined when it is right. */
  readonly problem?: string;
}

/** The verdict over every name. */
export interface VerifyResult {
  readonly ok: boolean;
  /** Replicas that serve reads (available, snapshotting or modifying), with an address. */
  readonly servingReplicas: number;
  /** Why the names are not maintained (the lease is missing); undefined when they are. */
  readonly unmanaged?: string;
  readonly names: NameCheck[];
}

/**
 * Every name must exist and, while any replica serves, point at a serving replica (see `memberHealth`).
 * With no replica serving, a name on the primary or left as it was is accepted (the fallback).
 * With `leaseName`, the lease must exist too: without it the names are no longer maintained.
 */
export function verifyNames(
  members: readonly GroupMember[],
  records: readonly CurrentRecord[],
  names: readonly string[],
  leaseName?: string,
): VerifyResult {
  const byAddress = new Map(members.filter((member) => member.address).map((member) => [normalizeRecordName(member.address!), member]));
  const byName = new Map(records.map((record) => [normalizeRecordName(record.name), normalizeRecordName(record.target)]));
  const isServing = (member: GroupMember) => memberHealth(member.status) !== 'down';
  const servingReplicas = members.filter((member) => member.role === 'replica' && isServing(member) && member.address).length;

  const checks = names.map((rawName): NameCheck => {
    const name = normalizeRecordName(rawName);
    const target = byName.get(name);
    if (target === undefined) {
      return { name, problem: 'does not exist' };
    }
    const member = byAddress.get(target);
    if (servingReplicas === 0) {
      return { name, target, cacheClusterId: member?.cacheClusterId };
    }
    if (!member) {
      return { name, target, problem: 'points at a node that is not in the group' };
    }
    if (member.role !== 'replica') {
      return { name, target, cacheClusterId: member.cacheClusterId, problem: `points at ${member.cacheClusterId}, which is the ${member.role ?? 'unknown-role'} node` };
    }
    if (!isServing(member)) {
      return { name, target, cacheClusterId: member.cacheClusterId, problem: `points at ${member.cacheClusterId}, which is ${member.status ?? 'of unknown status'}` };
    }
    return { name, target, cacheClusterId: member.cacheClusterId };
  });
  // Without the lease, no notification or schedule keeps the names right (contract.ts).
  const unmanaged = leaseName === undefined || byName.has(normalizeRecordName(leaseName))
    ? undefined
    : `${normalizeRecordName(leaseName)} does not exist, so the updater does not maintain the names`;
  return { ok: unmanaged === undefined && checks.every((check) => check.problem === undefined), servingReplicas, names: checks, unmanaged };
}
