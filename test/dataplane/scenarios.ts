/** The scripted events the lab runs, shared by the CI test and the benchmark. */
import type { Lab } from './lab';
import type { ElastiCacheModel } from './switches';

/** When an event changed roles or membership, and which replica name it hit. */
export interface EventTimes {
  /** The role or membership change: reads through `affectedName` after this are judged. */
  readonly changedAt: number;
  /** From here on, only the new primary takes writes: every write acknowledged after it must survive. */
  readonly switchedAt: number;
  /** The replica name whose node the event took away from the replicas. */
  readonly affectedName: string;
  /** When the lab's resolver answered nothing, if the event stopped it. */
  readonly resolverDown?: { readonly from: number; readonly to: number };
  /** Whether the event promotes a replica (reads on a primary are then judged from `changedAt`). */
  readonly promotes?: boolean;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly replicas: number;
  /** Switches that differ from the default model. */
  readonly model?: Partial<ElastiCacheModel>;
  /** Whether another replica stays available for readers while the affected name's node is not a replica. */
  readonly anotherReplica: boolean;
  readonly run: (lab: Lab) => Promise<EventTimes>;
}

/** The node `name` points at now. */
async function nodeOf(lab: Lab, name: string): Promise<string> {
  const id = lab.nodeIdOf((await lab.zoneTargets())[name]);
  if (!id) {
    throw new Error(`${name} does not point at a lab node`);
  }
  return id;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A failover (TestFailover, or a maintenance failover): replica1's node is promoted, the old primary becomes its replica. */
const failover = async (lab: Lab): Promise<EventTimes> => {
  const affectedName = lab.names[0];
  const { promotedAt, switchedAt } = await lab.failover(await nodeOf(lab, affectedName));
  return { changedAt: promotedAt, switchedAt, affectedName, promotes: true };
};

/** How long the resolver-down scenarios keep the lab's resolver silent. */
export const RESOLVER_DOWN_MS = 5_000;

/** The lab's resolver answers nothing for a while; with `failoverMeanwhile`, replica1's node is promoted right after it stops. */
const resolverDown = (failoverMeanwhile: boolean) => async (lab: Lab): Promise<EventTimes> => {
  const affectedName = lab.names[0];
  const newPrimary = await nodeOf(lab, affectedName);
  const from = Date.now();
  lab.setResolverAnswering(false);
  try {
    const times = failoverMeanwhile ? await lab.failover(newPrimary) : { promotedAt: from, switchedAt: from };
    await sleep(Math.max(0, from + RESOLVER_DOWN_MS - Date.now()));
    const resolverWasDown = { from, to: Date.now() };
    return { changedAt: times.promotedAt, switchedAt: times.switchedAt, affectedName, promotes: failoverMeanwhile, resolverDown: resolverWasDown };
  } finally {
    lab.setResolverAnswering(true);
  }
};

/**
 * The node a name points at fails and comes back empty, then resyncs in full (a replaced or rebooted node). The
 * emulator reports it as the model's `statusWhileDown` meanwhile; `available`, the default, keeps the name on it.
 */
const replicaRestart = async (lab: Lab): Promise<EventTimes> => {
  const affectedName = lab.names[0];
  const node = await nodeOf(lab, affectedName);
  const { oldPrimaryDownMs, statusWhileDown } = lab.options.model;
  const at = Date.now();
  await lab.killNode(node, statusWhileDown);
  await sleep(oldPrimaryDownMs);
  await lab.restartAsReplica(node);
  return { changedAt: at, switchedAt: at, affectedName };
};

/** The primary fails: replica1's node is promoted after detection; the old primary is back as a replica later. */
const primaryDown = async (lab: Lab): Promise<EventTimes> => {
  const affectedName = lab.names[0];
  const newPrimary = await nodeOf(lab, affectedName);
  const oldPrimary = await lab.primaryId();
  const { primaryFailureDetectionMs, oldPrimaryDownMs, statusWhileDown } = lab.options.model;
  await lab.killNode(oldPrimary, statusWhileDown);
  const failedAt = Date.now();
  await sleep(primaryFailureDetectionMs);
  const { promotedAt } = await lab.failover(newPrimary);
  await sleep(Math.max(0, failedAt + oldPrimaryDownMs - Date.now()));
  await lab.restartAsReplica(oldPrimary);
  // Writes acknowledged by the failed primary before it died may be lost; from its death on, only the new one takes writes.
  return { changedAt: promotedAt, switchedAt: failedAt, affectedName, promotes: true };
};

export const SCENARIOS: readonly Scenario[] = [
  { id: 'failover', title: 'failover', replicas: 2, anotherReplica: true, run: failover },
  {
    id: 'failover-drop',
    title: 'failover, promoted node closes its connections',
    replicas: 2,
    anotherReplica: true,
    model: { promotionClosesConnections: true },
    run: failover,
  },
  {
    id: 'primary-down',
    title: 'old primary down 4 s, then back as a replica',
    replicas: 2,
    anotherReplica: true,
    model: { promotionClosesConnections: true },
    run: primaryDown,
  },
  {
    id: 'replica-added',
    title: 'replica added',
    replicas: 2,
    anotherReplica: true,
    run: async (lab) => {
      const at = Date.now();
      await lab.addReplica();
      return { changedAt: at, switchedAt: at, affectedName: lab.names[0] };
    },
  },
  {
    id: 'replica-removed',
    title: 'replica removed',
    replicas: 2,
    anotherReplica: true,
    run: async (lab) => {
      const affectedName = lab.names[1];
      const removed = await nodeOf(lab, affectedName);
      const at = Date.now();
      await lab.removeReplica(removed);
      return { changedAt: at, switchedAt: at, affectedName };
    },
  },
  {
    id: 'replica-restart',
    title: 'the node replica1 points at killed, back empty after 4 s (full resync)',
    replicas: 2,
    anotherReplica: true,
    run: replicaRestart,
  },
  { id: 'resolver-down', title: 'resolver answers nothing for 5 s (steady state)', replicas: 2, anotherReplica: true, run: resolverDown(false) },
  {
    id: 'resolver-down-failover',
    title: 'resolver answers nothing for 5 s while replica1\'s node is promoted',
    replicas: 2,
    anotherReplica: true,
    run: resolverDown(true),
  },
  {
    id: 'one-replica-down',
    title: 'one replica: old primary down 4 s',
    replicas: 1,
    anotherReplica: false,
    run: primaryDown,
  },
];

export function scenario(id: string): Scenario {
  const found = SCENARIOS.find((candidate) => candidate.id === id);
  if (!found) {
    throw new Error(`no scenario ${id}`);
  }
  return found;
}
