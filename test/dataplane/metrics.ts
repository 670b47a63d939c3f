/** Turns a client's events into what the lab judges: where reads went, errors, and writes that survived. */
import type { ClientEvent } from './client-config';
import type { EventTimes } from './scenarios';

/** Reads through the affected name in one window, and how many a primary served. */
export interface WindowReads {
  readonly reads: number;
  readonly onPrimary: number;
}

export interface WriteResult {
  /** Writes the client reported done. */
  readonly acknowledged: number;
  /** Errors that reached the application. */
  readonly errors: number;
  /** Acknowledged writes missing from the primary at the end (lost to asynchronous replication in the failover). */
  readonly lost: number;
  /** Of those, acknowledged after the switch: must be 0. */
  readonly lostAfterSwitch: number;
  readonly firstError?: string;
}

export interface ClientResult {
  /** e.g. `ioredis recipe`. */
  readonly client: string;
  readonly before: WindowReads;
  readonly during: WindowReads;
  readonly after: WindowReads;
  /**
   * From the change to the first replica read after the last read a primary served (or that failed),
   * through the affected name; 0 when no read after the change was on a primary or failed; `null` when its
   * last read was still on a primary or failed.
   */
  readonly backOnReplicaMs: number | null;
  /** Read errors that reached the application, over every reader. */
  readonly readErrors: number;
  readonly firstReadError?: string;
  /** Readers whose last read was through their own name, on a replica, on the node that name points at (recipe only reports names). */
  readonly readersHome: number;
  readonly readers: number;
  readonly writes?: WriteResult;
}

export interface Windows {
  readonly times: EventTimes;
  /** From here on reads are "after": names correct, TTL passed, one role check interval and a margin. */
  readonly settledAt: number;
}

type ReadEvent = Extract<ClientEvent, { e: 'read' }>;
type ReadOutcome = Extract<ClientEvent, { e: 'read' | 'read-error' }>;
const isReadOutcome = (event: ClientEvent): event is ReadOutcome => event.e === 'read' || event.e === 'read-error';

/** Judges reads and read errors; writes are added by the caller once it has checked them on the primary. */
export function judgeReads(client: string, events: readonly ClientEvent[], windows: Windows, targets: Record<string, string>): ClientResult {
  const { changedAt, affectedName } = windows.times;
  const outcomes = events.filter(isReadOutcome);
  const affected = outcomes.filter((event) => event.reader === affectedName);
  const reads = affected.filter((event): event is ReadEvent => event.e === 'read');
  const window = (from: number, to: number): WindowReads => {
    const inside = reads.filter((read) => read.t >= from && read.t < to);
    return { reads: inside.length, onPrimary: inside.filter((read) => read.role === 'master').length };
  };

  const afterChange = affected.filter((event) => event.t >= changedAt);
  const lastBad = afterChange.map((event, index) => ({ event, index })).filter(({ event }) => event.e !== 'read' || event.role === 'master').pop();
  const firstGood = afterChange.slice(lastBad ? lastBad.index + 1 : 0).find((event) => event.e === 'read' && event.role === 'slave');
  const errors = outcomes.filter((event) => event.e === 'read-error');

  const lastByReader = new Map(outcomes.map((event) => [event.reader, event]));
  const home = [...lastByReader.entries()].filter(([reader, last]) =>
    last.e === 'read' && last.role === 'slave' && last.name === reader && (last.host === undefined || last.host === reader || last.host === targets[reader]));

  return {
    client,
    before: window(0, changedAt),
    during: window(changedAt, windows.settledAt),
    after: window(windows.settledAt, Number.MAX_SAFE_INTEGER),
    backOnReplicaMs: !lastBad ? 0 : firstGood ? firstGood.t - changedAt : null,
    readErrors: errors.length,
    firstReadError: errors[0]?.e === 'read-error' ? errors[0].error : undefined,
    readersHome: home.length,
    readers: lastByReader.size,
  };
}

/**
 * The lab notes the switch when the old primary's REPLICAOF reply reaches it; a client may read an acknowledgement the
 * old primary sent just before that a little later. Writes acknowledged within this after the switch count as in the window.
 */
export const ACK_DELIVERY_GRACE_MS = 100;

/** Judges the writes: `present` tells which acknowledged sequence numbers the primary still holds. */
export function judgeWrites(events: readonly ClientEvent[], switchedAt: number, present: ReadonlySet<number>): WriteResult {
  const acknowledged = events.filter((event): event is Extract<ClientEvent, { e: 'write' }> => event.e === 'write');
  const errors = events.filter((event): event is Extract<ClientEvent, { e: 'write-error' }> => event.e === 'write-error');
  const lost = acknowledged.filter((write) => !present.has(write.seq));
  return {
    acknowledged: acknowledged.length,
    errors: errors.length,
    lost: lost.length,
    lostAfterSwitch: lost.filter((write) => write.t > switchedAt + ACK_DELIVERY_GRACE_MS).length,
    firstError: errors[0]?.error,
  };
}

/** `12 %` of a window's reads served by the primary, or `–` without reads. */
export function percentOnPrimary(window: WindowReads): string {
  return window.reads === 0 ? '–' : `${Math.round((100 * window.onPrimary) / window.reads)} %`;
}
