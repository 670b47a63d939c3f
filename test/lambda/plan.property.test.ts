import * as fc from 'fast-check';
import {
  conditionalBatch,
  CurrentRecord,
  GroupMember,
  MemberRole,
  NoReplicaFallback,
  planReconcile,
  PlanSettings,
  ReconcilePlan,
} from '../../lambda/updater/plan';

/*
 * Statuses a member can report, drawn independently of the implementation's table. Which of them serve reads is
 * AWS's word, not the planner's: a backup has "no impact on the cache" (ElastiCache backups page, aws-facts §0a.1);
 * `modifying` covers online changes; the rest take the node out of service, and an unknown status is treated as down.
 */
const SERVING_STATUSES = ['available', 'snapshotting', 'modifying'];
const DOWN_STATUSES = ['creating', 'deleting', 'rebooting cache cluster nodes', 'incompatible-network', 'restore-failed', 'some-future-status'];
const isServing = (status: string): boolean => SERVING_STATUSES.includes(status);

/*
 * Property test: a simulated replication group goes through random topology events,
 * the plan is applied to a simulated Route 53 zone after each one, and the rules of
 * the plan are checked as invariants on the zone before and after.
 */

const ZONE = 'cache.internal';
const TTL = 60;
const NUM_RUNS = 10_000;
const MAX_REPLICAS = 5;
/** Node ids the simulation draws from; more than 1 primary + 5 replicas so removed ids can come back. */
const ID_POOL = ['rg-001', 'rg-002', 'rg-003', 'rg-004', 'rg-005', 'rg-006', 'rg-007', 'rg-008', 'rg-009'];
/** An address no member has (a node deleted long ago). */
const STALE_ADDRESS = 'rg-gone.abc123.0001.use1.cache.amazonaws.com';
/** Records in the zone that are not replica names; the plan must never touch them. */
const UNRELATED_RECORDS: CurrentRecord[] = [
  { name: `primary.${ZONE}.`, target: 'rg-001.abc123.0001.use1.cache.amazonaws.com.', ttl: 300 },
  { name: `replica9.${ZONE}.`, target: `${STALE_ADDRESS}.`, ttl: 300 },
];

function addressOf(id: string): string {
  return `${id}.abc123.0001.use1.cache.amazonaws.com`;
}

function normalize(value: string): string {
  return value.toLowerCase().replace(/\.$/, '');
}

// ---------------------------------------------------------------------------
// Simulated replication group
// ---------------------------------------------------------------------------

interface SimulatedMember {
  readonly id: string;
  role: MemberRole | undefined;
  address: string | undefined;
  status: string;
}

type TopologyEvent =
  | { readonly kind: 'failover'; readonly pick: number; readonly oldPrimaryStatus: string }
  | { readonly kind: 'addReplica'; readonly pick: number }
  | { readonly kind: 'removeReplica'; readonly pick: number }
  | { readonly kind: 'replaceNode'; readonly pick: number }
  | { readonly kind: 'statusChange'; readonly pick: number; readonly status: string }
  | { readonly kind: 'allReplicasGone' };

function nonPrimaries(group: SimulatedMember[]): SimulatedMember[] {
  return group.filter((member) => member.role !== 'primary');
}

function pickFrom<T>(items: readonly T[], pick: number): T | undefined {
  return items.length === 0 ? undefined : items[pick % items.length];
}

/** Applies one event to the group, in place, the way ElastiCache would. */
function applyEvent(group: SimulatedMember[], event: TopologyEvent): void {
  switch (event.kind) {
    case 'failover': {
      // ElastiCache promotes an available replica; the old primary rejoins as a replica, possibly not available for a while.
      const promoted = pickFrom(group.filter((member) => member.role === 'replica' && member.status === 'available'), event.pick);
      const oldPrimary = group.find((member) => member.role === 'primary');
      if (promoted === undefined || oldPrimary === undefined) {
        // Nothing to promote: the primary recovers in place.
        if (oldPrimary !== undefined) oldPrimary.status = event.oldPrimaryStatus;
        return;
      }
      promoted.role = 'primary';
      oldPrimary.role = 'replica';
      oldPrimary.status = event.oldPrimaryStatus;
      return;
    }
    case 'addReplica': {
      if (nonPrimaries(group).length >= MAX_REPLICAS) return;
      const unusedIds = ID_POOL.filter((id) => !group.some((member) => member.id === id));
      const id = pickFrom(unusedIds, event.pick);
      // A new node starts with no role, no endpoint and status creating.
      if (id !== undefined) group.push({ id, role: undefined, address: undefined, status: 'creating' });
      return;
    }
    case 'removeReplica': {
      const removed = pickFrom(nonPrimaries(group), event.pick);
      if (removed !== undefined) group.splice(group.indexOf(removed), 1);
      return;
    }
    case 'replaceNode': {
      // Node replacement keeps id and address; the node is not available until the replacement finishes.
      const replaced = pickFrom(group, event.pick);
      if (replaced !== undefined) replaced.status = 'rebooting cache cluster nodes';
      return;
    }
    case 'statusChange': {
      const changed = pickFrom(group, event.pick);
      if (changed === undefined) return;
      if (changed.address === undefined) {
        // A creating node gets its endpoint first; role and status follow once it is available.
        changed.address = addressOf(changed.id);
        if (isServing(event.status)) {
          changed.role = 'replica';
          changed.status = event.status;
        }
        return;
      }
      if (changed.role === undefined && isServing(event.status)) changed.role = 'replica';
      changed.status = event.status;
      return;
    }
    case 'allReplicasGone': {
      for (const member of nonPrimaries(group)) group.splice(group.indexOf(member), 1);
      return;
    }
  }
}

function snapshotMembers(group: SimulatedMember[]): GroupMember[] {
  return group.map((member) => ({
    cacheClusterId: member.id,
    role: member.role,
    address: member.address,
    status: member.status,
  }));
}

// ---------------------------------------------------------------------------
// Simulated Route 53 zone
// ---------------------------------------------------------------------------

/** Records by normalized name, each as Route 53 would list it. */
type Zone = Map<string, CurrentRecord>;

function listZone(zone: Zone): CurrentRecord[] {
  return [...zone.values()];
}

/**
 * Applies the batch the updater really sends, `conditionalBatch` of the plan, with Route 53's rules:
 * in order, CREATE only where nothing exists, DELETE only of the exact live value and TTL, no UPSERT.
 * So every step also proves the batch is valid on the state it was planned from.
 */
function applyChanges(zone: Zone, plan: ReconcilePlan): Zone {
  const next = new Map(zone);
  for (const change of conditionalBatch(plan.changes, listZone(zone))) {
    const key = normalize(change.name);
    const live = next.get(key);
    if (change.action === 'DELETE' && live !== undefined && live.target === change.target && live.ttl === change.ttl) {
      next.delete(key);
    } else if (change.action === 'CREATE' && live === undefined) {
      // Route 53 lists names and values back with a trailing dot.
      next.set(key, { name: `${change.name}.`, target: `${change.target}.`, ttl: change.ttl });
    } else {
      throw new Error(`Route 53 would reject ${JSON.stringify(change)} on ${JSON.stringify(live)}: ${JSON.stringify(listZone(zone))}`);
    }
  }
  return next;
}

/** The normalized target of a name, or undefined when the name does not exist. */
function targetOf(zone: Zone, name: string): string | undefined {
  const record = zone.get(name);
  return record === undefined ? undefined : normalize(record.target);
}

// ---------------------------------------------------------------------------
// Independent oracle for the minimum number of moved names
// ---------------------------------------------------------------------------

/** All ways to choose `count` items of `items` (order-preserving). */
function combinations<T>(items: readonly T[], count: number): T[][] {
  if (count === 0) return [[]];
  if (items.length < count) return [];
  const [first, ...rest] = items;
  return [
    ...combinations(rest, count - 1).map((combination) => [first, ...combination]),
    ...combinations(rest, count),
  ];
}

/**
 * The fewest names that must change target to reach any balanced state.
 *
 * Brute force, unlike the implementation's greedy choice: try every set of replicas
 * that could receive the ceil quota and keep the best. A replica keeps at most
 * min(held, quota) of its names; every other name must change.
 */
function minimumMoves(heldByTarget: ReadonlyMap<string, number>, targets: readonly string[], nameCount: number): number {
  const floorQuota = Math.floor(nameCount / targets.length);
  let maxKept = 0;
  for (const ceilHolders of combinations(targets, nameCount % targets.length)) {
    const kept = targets
      .map((target) => Math.min(heldByTarget.get(target) ?? 0, floorQuota + (ceilHolders.includes(target) ? 1 : 0)))
      .reduce((sum, count) => sum + count, 0);
    maxKept = Math.max(maxKept, kept);
  }
  return nameCount - maxKept;
}

// ---------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------

/** Same names with the same targets. */
function sameRecords(left: Record<string, string>, right: Record<string, string>): boolean {
  const leftNames = Object.keys(left);
  return leftNames.length === Object.keys(right).length && leftNames.every((name) => left[name] === right[name]);
}

function sameRecord(left: CurrentRecord | undefined, right: CurrentRecord | undefined): boolean {
  if (left === undefined || right === undefined) return left === right;
  return left.name === right.name && left.target === right.target && left.ttl === right.ttl;
}

/**
 * Checks one step: `plan` was made from `before`, applying it gave `after`, and `replan` was made from `after`.
 *
 * Plain checks rather than `expect`: jest's matchers cost far more than the plan itself, and there are over 100k steps.
 */
function checkInvariants(
  members: GroupMember[],
  before: Zone,
  plan: ReconcilePlan,
  after: Zone,
  replan: ReconcilePlan,
  settings: PlanSettings,
): void {
  const names = settings.recordNames;
  const replicaTargets = [...new Set(members
    .filter((member) => member.role === 'replica' && isServing(member.status!) && member.address)
    .map((member) => normalize(member.address!)))];
  const availableTargets = new Set(members
    .filter((member) => member.role === 'replica' && member.status === 'available' && member.address)
    .map((member) => normalize(member.address!)));
  const primaryMember = members.find((member) => member.role === 'primary' && member.address);
  const primaryAddress = primaryMember === undefined ? undefined : normalize(primaryMember.address!);
  const context = (): string => JSON.stringify({ members, before: listZone(before), changes: plan.changes, settings }, undefined, 1);
  const fail = (message: string): never => {
    throw new Error(`${message}\n${context()}`);
  };

  if (plan.servingReplicas !== replicaTargets.length) fail(`servingReplicas is ${plan.servingReplicas}`);

  // (f) Only UPSERTs of configured names, each once, in recordNames order, and none is a no-op.
  let previousIndex = -1;
  for (const change of plan.changes) {
    const index = names.indexOf(change.name);
    if (change.action !== 'UPSERT') fail(`planReconcile emitted ${change.action}`);
    if (index <= previousIndex) fail(`change for ${change.name} is unknown, repeated or out of order`);
    previousIndex = index;
    const live = before.get(change.name);
    if (live !== undefined && normalize(live.target) === change.target && live.ttl === change.ttl) {
      fail(`no-op UPSERT for ${change.name}`);
    }
  }

  // Unrelated records are never touched, and the plan's view matches the zone after the batch.
  for (const unrelated of UNRELATED_RECORDS) {
    const key = normalize(unrelated.name);
    if (!sameRecord(after.get(key), before.get(key))) fail(`unrelated record ${key} was touched`);
  }
  const recordsAfter: Record<string, string> = {};
  for (const name of names) {
    const target = targetOf(after, name);
    if (target !== undefined) recordsAfter[name] = target;
    if (target !== undefined && after.get(name)!.ttl !== settings.ttlSeconds) fail(`${name} has a drifted TTL after the batch`);
  }
  if (!sameRecords(plan.records, recordsAfter)) fail(`plan.records ${JSON.stringify(plan.records)} differs from the zone after the batch`);

  // (a) All N names exist whenever some target is known; otherwise nothing changes.
  if (replicaTargets.length > 0 || primaryAddress !== undefined) {
    for (const name of names) {
      if (!after.has(name)) fail(`${name} is missing`);
    }
  } else {
    for (const name of names) {
      if (targetOf(after, name) !== targetOf(before, name)) fail(`${name} changed while no target is known`);
    }
  }

  if (replicaTargets.length > 0) {
    // (b) and (c): every name on a serving replica, and the load balanced.
    const countByTarget = new Map(replicaTargets.map((target) => [target, 0]));
    for (const name of names) {
      const target = targetOf(after, name)!;
      const count = countByTarget.get(target);
      if (count === undefined) fail(`${name} targets ${target}, which is not a serving replica`);
      countByTarget.set(target, count! + 1);
    }
    const counts = [...countByTarget.values()];
    if (Math.max(...counts) - Math.min(...counts) > 1) fail(`unbalanced: ${counts.join(',')}`);
    const evenAfterMoving = (from: string, to: string): boolean => {
      const moved = new Map(countByTarget);
      moved.set(from, moved.get(from)! - 1);
      moved.set(to, moved.get(to)! + 1);
      return Math.max(...moved.values()) - Math.min(...moved.values()) <= 1;
    };
    for (const name of names) {
      const was = targetOf(before, name);
      const now = targetOf(after, name)!;
      if (was === now) continue;
      // (g) Never off a serving replica because of its status: a name left a serving replica only if putting it
      // back would make the spread uneven.
      if (was !== undefined && countByTarget.has(was) && evenAfterMoving(now, was)) fail(`${name} left the serving replica ${was} needlessly`);
      // (h) A moved name goes to an available replica first: it lands on one that only serves (a backup, a
      // modification) only if no available replica could take it with the spread still even.
      if (!availableTargets.has(now)) {
        const better = [...availableTargets].find((target) => evenAfterMoving(now, target));
        if (better !== undefined) fail(`${name} moved to ${now}, which only serves, while the available ${better} had room`);
      }
    }

    // (d) Exactly the minimum number of names changed target.
    const heldBefore = new Map<string, number>();
    for (const name of names) {
      const target = targetOf(before, name);
      if (target !== undefined) heldBefore.set(target, (heldBefore.get(target) ?? 0) + 1);
    }
    const moved = names.filter((name) => targetOf(before, name) !== targetOf(after, name)).length;
    const expectedMoves = minimumMoves(heldBefore, replicaTargets, names.length);
    if (moved !== expectedMoves) fail(`moved ${moved} names, the minimum is ${expectedMoves}`);
  } else if (primaryAddress !== undefined && settings.noReplicaFallback === 'primary') {
    // (b) No replica, fallback primary: everything on the primary.
    for (const name of names) {
      if (targetOf(after, name) !== primaryAddress) fail(`${name} does not target the primary`);
    }
  } else {
    // (b) No replica, keep: existing names keep their target, missing ones go to the primary if known.
    for (const name of names) {
      const expected = targetOf(before, name) ?? primaryAddress;
      if (targetOf(after, name) !== expected) fail(`${name} did not keep its target`);
    }
  }

  // (e) Converged: planning again from the resulting zone changes nothing.
  if (replan.changes.length > 0) fail(`not converged, re-plan changes ${JSON.stringify(replan.changes)}`);
  if (!sameRecords(replan.records, plan.records)) fail('re-plan disagrees on the records');
}

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const eventArbitrary: fc.Arbitrary<TopologyEvent> = fc.oneof(
  fc.record({ kind: fc.constant('failover' as const), pick: fc.nat(20), oldPrimaryStatus: fc.constantFrom(...SERVING_STATUSES, ...DOWN_STATUSES) }),
  fc.record({ kind: fc.constant('addReplica' as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('removeReplica' as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('replaceNode' as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('statusChange' as const), pick: fc.nat(20), status: fc.constantFrom(...SERVING_STATUSES, ...DOWN_STATUSES) }),
  fc.record({ kind: fc.constant('allReplicasGone' as const) }),
);

/** What a replica name initially points at, if it exists: a member (by pick), a stale address, or nothing. */
const initialRecordArbitrary = fc.record({
  points: fc.constantFrom('missing', 'member', 'member', 'stale'),
  pick: fc.nat(20),
  ttl: fc.constantFrom(TTL, TTL, TTL, 300),
  listedAs: fc.constantFrom('dotted', 'plain', 'uppercase'),
});

const scenarioArbitrary = fc.record({
  nameCount: fc.integer({ min: 1, max: 5 }),
  fallback: fc.constantFrom<NoReplicaFallback>('primary', 'keep'),
  primaryIdOffset: fc.nat(ID_POOL.length - 1),
  initialReplicaStatuses: fc.array(fc.constantFrom(...SERVING_STATUSES, ...DOWN_STATUSES), { minLength: 0, maxLength: MAX_REPLICAS }),
  initialRecords: fc.array(initialRecordArbitrary, { minLength: 5, maxLength: 5 }),
  // size 'max': lengths spread over 1..30 instead of fast-check's bias towards short arrays.
  events: fc.array(eventArbitrary, { minLength: 1, maxLength: 30, size: 'max' }),
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer T> ? T : never;

function initialGroup(scenario: Scenario): SimulatedMember[] {
  const primaryId = ID_POOL[scenario.primaryIdOffset];
  const replicaIds = ID_POOL.filter((id) => id !== primaryId);
  return [
    { id: primaryId, role: 'primary', address: addressOf(primaryId), status: 'available' },
    ...scenario.initialReplicaStatuses.map((status, index): SimulatedMember => ({
      id: replicaIds[index],
      role: 'replica',
      address: addressOf(replicaIds[index]),
      status,
    })),
  ];
}

function initialZone(scenario: Scenario, group: SimulatedMember[], names: readonly string[]): Zone {
  const zone: Zone = new Map(UNRELATED_RECORDS.map((record) => [normalize(record.name), record]));
  names.forEach((name, index) => {
    const initial = scenario.initialRecords[index];
    const target = initial.points === 'member' ? addressOf(pickFrom(group, initial.pick)!.id)
      : initial.points === 'stale' ? STALE_ADDRESS : undefined;
    if (target === undefined) return;
    const listed = initial.listedAs === 'dotted' ? { name: `${name}.`, target: `${target}.` }
      : initial.listedAs === 'uppercase' ? { name: `${name.toUpperCase()}.`, target: target.toUpperCase() }
        : { name, target };
    zone.set(name, { ...listed, ttl: initial.ttl });
  });
  return zone;
}

// ---------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------

test('random topology event sequences keep every invariant, with minimal moves and convergence', () => {
  let runs = 0;
  let steps = 0;
  const startedAt = Date.now();

  fc.assert(
    fc.property(scenarioArbitrary, (scenario) => {
      runs += 1;
      const names = Array.from({ length: scenario.nameCount }, (_, index) => `replica${index + 1}.${ZONE}`);
      const settings: PlanSettings = { recordNames: names, ttlSeconds: TTL, noReplicaFallback: scenario.fallback };
      const group = initialGroup(scenario);
      let zone = initialZone(scenario, group, names);

      // Step 0 reconciles the initial state; every event is one more step.
      const stepEvents: (TopologyEvent | undefined)[] = [undefined, ...scenario.events];
      for (const event of stepEvents) {
        if (event !== undefined) applyEvent(group, event);
        const members = snapshotMembers(group);
        const plan = planReconcile(members, listZone(zone), settings);
        const after = applyChanges(zone, plan);
        const replan = planReconcile(members, listZone(after), settings);
        checkInvariants(members, zone, plan, after, replan, settings);

        zone = after;
        steps += 1;
      }
    }),
    { numRuns: NUM_RUNS },
  );

  const seconds = (Date.now() - startedAt) / 1000;
  // Honest counts: the property really ran NUM_RUNS times, each with at least two steps.
  expect(runs).toBeGreaterThanOrEqual(NUM_RUNS);
  expect(steps).toBeGreaterThanOrEqual(NUM_RUNS);
  // eslint-disable-next-line no-console
  console.log(`plan property: ${runs} runs, ${steps} steps, ${seconds.toFixed(1)} s`);
}, 120_000);
