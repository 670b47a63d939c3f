import * as fc from 'fast-check';
import { overlaps, parseDailyWindow, parseWeeklyWindow } from '../../src/private/validate-props';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY = 24 * 60;
const WEEK = 7 * DAY;
const pad = (value: number) => String(value).padStart(2, '0');
const time = (minuteOfDay: number) => `${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}`;
const weekTime = (minuteOfWeek: number) => `${DAYS[Math.floor(minuteOfWeek / DAY)]}:${time(minuteOfWeek % DAY)}`;

/** The minutes of the week a window covers, counted one by one: the obvious model the ring arithmetic must agree with. */
function coveredMinutes(start: number, length: number, period: number, repeatEvery: number): Set<number> {
  const covered = new Set<number>();
  for (let offset = 0; offset < WEEK; offset += repeatEvery) {
    for (let minute = 0; minute < length; minute++) {
      covered.add((offset + start + minute) % period);
    }
  }
  return covered;
}

describe('snapshot and maintenance windows', () => {
  test('parsing gives the start and the length, wrapping past midnight and past Saturday', () => {
    expect(parseDailyWindow('23:30-00:30')).toEqual({ start: 23 * 60 + 30, length: 60 });
    expect(parseWeeklyWindow('sat:23:30-sun:00:30')).toEqual({ start: 6 * DAY + 23 * 60 + 30, length: 60 });
    expect(parseDailyWindow('24:00-01:00')).toBeUndefined();
    expect(parseWeeklyWindow('sun:05:00-sun:06:60')).toBeUndefined();
  });

  test('overlap agrees with counting the minutes both windows cover, on every day of the week', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: DAY - 1 }), fc.integer({ min: 1, max: DAY - 1 }),
      fc.integer({ min: 0, max: WEEK - 1 }), fc.integer({ min: 1, max: 3 * DAY }),
      (snapshotStart, snapshotLength, maintenanceStart, maintenanceLength) => {
        // GIVEN two windows written the way a user would
        const daily = parseDailyWindow(`${time(snapshotStart)}-${time((snapshotStart + snapshotLength) % DAY)}`)!;
        const weekly = parseWeeklyWindow(`${weekTime(maintenanceStart)}-${weekTime((maintenanceStart + maintenanceLength) % WEEK)}`)!;
        // THEN
        const snapshotMinutes = coveredMinutes(snapshotStart, snapshotLength, WEEK, DAY);
        const maintenanceMinutes = coveredMinutes(maintenanceStart, maintenanceLength, WEEK, WEEK);
        const model = [...maintenanceMinutes].some((minute) => snapshotMinutes.has(minute));
        expect(overlaps(daily, weekly)).toBe(model);
      },
    ), { numRuns: 300 });
  });
});
