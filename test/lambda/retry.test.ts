import {
  CEILING_SHARE_OF_WAIT,
  DeadlineRetryStrategy,
  MAX_ATTEMPTS_GUARD,
  MAX_CEILING_MS,
  MIN_CEILING_MS,
  retryDelay,
} from '../../lambda/updater/retry';

describe('retryDelay', () => {
  test.each([
    ['a call that has just started waits up to the floor', 0, MIN_CEILING_MS],
    ['after 20 s of waiting, up to a tenth of that', 20_000, 20_000 * CEILING_SHARE_OF_WAIT],
    ['after 10 minutes, never more than the cap', 600_000, MAX_CEILING_MS],
  ])('%s', (_title, waitedMs, ceiling) => {
    expect(retryDelay(waitedMs, 0)).toBe(0);
    expect(retryDelay(waitedMs, 0.5)).toBeCloseTo(ceiling / 2);
    expect(retryDelay(waitedMs, 0.999999)).toBeCloseTo(ceiling, 0);
  });
});

describe('DeadlineRetryStrategy', () => {
  /** A strategy on a hand-driven clock, with a fixed jitter draw. */
  function strategyAt(clock: { now: number }, deadline: number, timeScale = 1) {
    return new DeadlineRetryStrategy({ deadline: () => deadline, now: () => clock.now, random: () => 0.5, timeScale });
  }

  test('retries throttling, transient and server errors, and nothing else', async () => {
    const clock = { now: 0 };
    const strategy = strategyAt(clock, 60_000);
    const first = await strategy.acquireInitialRetryToken('');

    for (const errorType of ['THROTTLING', 'TRANSIENT', 'SERVER_ERROR']) {
      await expect(strategy.refreshRetryTokenForRetry(first, { errorType })).resolves.toMatchObject({ firstAttemptAt: 0 });
    }
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow('not retried: CLIENT_ERROR');
  });

  test('the wait grows with the time already waited, and the retries stop before the deadline', async () => {
    // GIVEN a call that started at 0 and may retry until 30 s
    const clock = { now: 0 };
    const strategy = strategyAt(clock, 30_000);
    let token = await strategy.acquireInitialRetryToken('');
    const waits: number[] = [];

    // WHEN it is throttled again and again, each retry sent after its wait
    for (;;) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });
      } catch {
        break;
      }
      waits.push(token.getRetryDelay());
      clock.now += token.getRetryDelay() + 10;
    }

    // THEN many more attempts than a fixed count would give, growing waits, and none starting after 30 s
    expect(waits.length).toBeGreaterThan(20);
    expect(waits[waits.length - 1]).toBeGreaterThan(waits[0]);
    expect(clock.now - 10).toBeLessThanOrEqual(30_000);
    expect(token.getRetryCount()).toBe(waits.length);
  });

  test('a time-scaled clock divides every wait by its scale', async () => {
    const clock = { now: 0 };
    const token = await strategyAt(clock, 60_000, 4).acquireInitialRetryToken('');
    clock.now = 10_000;
    const scaled = await strategyAt(clock, 60_000, 4).refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });
    const unscaled = await strategyAt(clock, 60_000).refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });

    // 10 s on the scaled clock is 40 s of Route 53's time: a 4 s ceiling, waited as 0.5 s (half of it, / 4)
    expect(scaled.getRetryDelay()).toBeCloseTo(retryDelay(40_000, 0.5) / 4);
    expect(unscaled.getRetryDelay()).toBeCloseTo(retryDelay(10_000, 0.5));
  });

  test('gives up after the attempt guard even with time left', async () => {
    const clock = { now: 0 };
    const strategy = strategyAt(clock, Number.MAX_SAFE_INTEGER);
    const token = { firstAttemptAt: 0, getRetryCount: () => MAX_ATTEMPTS_GUARD - 1, getRetryDelay: () => 0 };
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' })).rejects.toThrow(`after ${MAX_ATTEMPTS_GUARD} attempts`);
  });
});
