/**
 * Route 53 retries bounded by the invocation's remaining time, not by a count.
 *
 * An AZ outage fails many groups over at once, and every group's updater shares one account-wide
 * Route 53 budget (10 requests/s, burst 50: aws-facts §4.2). Draining a large fleet takes longer
 * than any fixed number of SDK attempts, so a function that gave up while it still had time would
 * fail, be retried by Lambda a minute later into the same congestion, and end in the dead-letter
 * queue. Here a call is retried for as long as the invocation has time left, and never past it.
 *
 * The wait before each retry is drawn uniformly from zero up to a ceiling that grows with how long
 * the call has already waited (a tenth of it), between {@link MIN_CEILING_MS} and {@link MAX_CEILING_MS}.
 * Full jitter spreads a fleet over time; a ceiling proportional to the wait so far keeps the last
 * caller's overshoot past the moment Route 53 had room for it to a small fraction of the whole
 * drain, whatever the fleet size or Route 53's rate. The price is more refused requests; the
 * benchmark counts them, and models them as taking no token from the bucket (AWS's throttling
 * page describes the bucket, not what a refused request costs).
 */

/** The shortest ceiling: a small fleet drains in seconds, so its callers must look often. */
export const MIN_CEILING_MS = 250;
/** The longest ceiling: even deep into a long drain, a caller looks at least this often on average (half of it). */
export const MAX_CEILING_MS = 10_000;
/** The ceiling as a share of the time the call has waited so far. */
export const CEILING_SHARE_OF_WAIT = 0.1;
/** Time the handler keeps back from the invocation's remaining time, to log, publish metrics and answer before the timeout. */
export const RETRY_DEADLINE_MARGIN_MS = 5_000;
/** How long a call made without a deadline (tests, benchmarks) keeps retrying. */
export const DEFAULT_CALL_BUDGET_MS = 60_000;
/** A guard against a tight loop if the clock misbehaves; time is the real bound. */
export const MAX_ATTEMPTS_GUARD = 1_000;

/**
 * The error classes the SDK retries. Sending a batch again is safe even when a transient or server error hid
 * that the first one landed: the repeat is refused (its DELETEs no longer match), and the reconcile lists the
 * zone and finds nothing left to do.
 */
const RETRYABLE = new Set(['THROTTLING', 'TRANSIENT', 'SERVER_ERROR']);

/** What the SDK's retry middleware asks of a retry token. */
export interface DeadlineRetryToken {
  /** When the first attempt of this call was made, in `now()` milliseconds. */
  readonly firstAttemptAt: number;
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** What the SDK's retry middleware tells about a failed attempt (`RetryErrorInfo`). */
export interface RetryErrorInfo {
  readonly errorType: string;
  readonly error?: unknown;
}

/** Options of {@link DeadlineRetryStrategy}. */
export interface DeadlineRetryOptions {
  /**
   * The moment (in `now()` milliseconds) after which no retry may start: the invocation's deadline less a margin.
   * @default - DEFAULT_CALL_BUDGET_MS after the call's first attempt
   */
  readonly deadline?: () => number;
  /** @default Date.now */
  readonly now?: () => number;
  /** A number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Divides every wait: the benchmark runs Route 53's clock faster by this factor, and the updater's with it.
   * @default 1
   */
  readonly timeScale?: number;
}

/** The wait before the next attempt, given how long the call has waited so far (all in milliseconds). */
export function retryDelay(waitedMs: number, random: number): number {
  const ceiling = Math.min(MAX_CEILING_MS, Math.max(MIN_CEILING_MS, waitedMs * CEILING_SHARE_OF_WAIT));
  return random * ceiling;
}

/**
 * An AWS SDK v3 retry strategy (the middleware's `RetryStrategyV2` contract): retries throttling, transient and
 * server errors with {@link retryDelay}, as long as the retry would start before the deadline.
 */
export class DeadlineRetryStrategy {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timeScale: number;

  constructor(private readonly options: DeadlineRetryOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timeScale = options.timeScale ?? 1;
  }

  public async acquireInitialRetryToken(_scope: string): Promise<DeadlineRetryToken> {
    return token(0, 0, this.now());
  }

  public async refreshRetryTokenForRetry(previous: DeadlineRetryToken, errorInfo: RetryErrorInfo): Promise<DeadlineRetryToken> {
    const attempts = previous.getRetryCount() + 1;
    if (!RETRYABLE.has(errorInfo.errorType) || attempts >= MAX_ATTEMPTS_GUARD) {
      throw new Error(`not retried: ${errorInfo.errorType} after ${attempts} attempts`);
    }
    const now = this.now();
    const delay = retryDelay((now - previous.firstAttemptAt) * this.timeScale, this.random()) / this.timeScale;
    const deadline = this.options.deadline?.() ?? previous.firstAttemptAt + DEFAULT_CALL_BUDGET_MS / this.timeScale;
    if (now + delay > deadline) {
      throw new Error(`not retried: the invocation's time is spent after ${attempts} attempts`);
    }
    return token(attempts, delay, previous.firstAttemptAt);
  }

  public recordSuccess(_token: DeadlineRetryToken): void {
    // No shared retry quota: the deadline bounds each call, and the function serves one group.
  }
}

function token(retryCount: number, delay: number, firstAttemptAt: number): DeadlineRetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delay, firstAttemptAt };
}
