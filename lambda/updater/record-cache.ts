import type { CurrentRecord } from './plan';

/**
 * What a warm function last read or wrote in each zone, so that an event can go straight to its
 * conditional batch: one Route 53 request instead of a listing and a batch. The batch replaces the
 * lease's version as remembered, so it only lands if nobody wrote since: a stale memory costs a
 * refused batch and a fresh read, never a wrong name.
 */
export class RecordCache {
  private readonly zones = new Map<string, readonly CurrentRecord[]>();

  /** The records last seen in the zone, or undefined when this container has not seen it. */
  public get(hostedZoneId: string): readonly CurrentRecord[] | undefined {
    return this.zones.get(hostedZoneId);
  }

  public set(hostedZoneId: string, records: readonly CurrentRecord[]): void {
    this.zones.set(hostedZoneId, records);
  }

  public forget(hostedZoneId: string): void {
    this.zones.delete(hostedZoneId);
  }
}
