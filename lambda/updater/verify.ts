/**
 * Checks that every replica name obeys the rules, from live state. Pure, like plan.ts: the
 * failover drill, the end-to-end tests and the handler's `verify` action all use it.
 */
import type { CurrentRecord, GroupMember } from './plan';
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
  readonly availableReplicas: number;
  readonly names: NameCheck[];
}

/**
 * Every name must exist and, while any replica is available, point at an available replica.
 * With no replica available, a name on the primary or left as it was is accepted (the fallback).
 */
export function verifyNames(members: readonly GroupMember[], records: readonly CurrentRecord[], names: readonly string[]): VerifyResult {
  const byAddress = new Map(members.filter((member) => member.address).map((member) => [normalizeRecordName(member.address!), member]));
  const byName = new Map(records.map((record) => [normalizeRecordName(record.name), normalizeRecordName(record.target)]));
  const availableReplicas = members.filter((member) => member.role === 'replica' && member.available && member.address).length;

  const checks = names.map((rawName): NameCheck => {
    const name = normalizeRecordName(rawName);
    const target = byName.get(name);
    if (target === undefined) {
      return { name, problem: 'does not exist' };
    }
    const member = byAddress.get(target);
    if (availableReplicas === 0) {
      return { name, target, cacheClusterId: member?.cacheClusterId };
    }
    if (!member) {
      return { name, target, problem: 'points at a node that is not in the group' };
    }
    if (member.role !== 'replica') {
      return { name, target, cacheClusterId: member.cacheClusterId, problem: `points at ${member.cacheClusterId}, which is the ${member.role ?? 'unknown-role'} node` };
    }
    if (!member.available) {
      return { name, target, cacheClusterId: member.cacheClusterId, problem: `points at ${member.cacheClusterId}, which is not available` };
    }
    return { name, target, cacheClusterId: member.cacheClusterId };
  });
  return { ok: checks.every((check) => check.problem === undefined), availableReplicas, names: checks };
}
