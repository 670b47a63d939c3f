/**
 * A small HTTP proxy on 127.0.0.1 in front of moto. It counts every AWS request by service and
 * action (the call counts of the report), and can throttle Route 53 the way AWS does: one token
 * bucket for the whole account across ALL Route 53 actions, refilled at `ratePerSecond` up to
 * `burst` tokens (aws-facts §4.2: 10/s, 50). A request without a token gets Route 53's own
 * throttling answer (HTTP 400, `Throttling`, "Rate exceeded"), which the AWS SDK classifies as a
 * throttling error and retries with backoff. A rejected request takes no token, as in AWS.
 * Everything else is forwarded to moto unchanged.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { nowMs } from './util';

/** Route 53's account-wide request bucket. */
export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Requests of one service and action seen since the last reset. */
export interface ActionCount {
  /** The SigV4 signing name: `elasticache` or `route53`. */
  readonly service: string;
  readonly action: string;
  /** Describe/List/GET calls read; everything else writes. */
  readonly kind: 'read' | 'write';
  requests: number;
  /** Answered `Throttling` by the proxy (each one is retried by the SDK unless it was the last attempt). */
  throttled: number;
  /** Bytes of the responses moto sent back (the cost of an account-wide listing shows here). */
  responseBytes: number;
  /** The highest attempt number the SDK announced (`amz-sdk-request: attempt=N; max=M`), and its M. */
  highestAttempt: number;
  maxAttempts: number;
}

/** What the proxy saw since the last reset. */
export interface ProxyCounts {
  readonly actions: ActionCount[];
  /** When the last Route 53 write that moto accepted (HTTP 2xx) came back, on the {@link nowMs} clock. */
  readonly lastRoute53WriteAcceptedAt?: number;
}

/** Totals of {@link ProxyCounts} by what the report shows. */
export interface CallSummary {
  readonly elastiCacheReads: number;
  readonly elastiCacheWrites: number;
  readonly route53Reads: number;
  readonly route53Writes: number;
  readonly route53Throttled: number;
  readonly elastiCacheResponseBytes: number;
  /** The most attempts any Route 53 call took, and how many its client allowed. */
  readonly route53HighestAttempt: number;
  readonly route53MaxAttempts: number;
}

export function summarizeCalls(counts: ProxyCounts): CallSummary {
  const sum = (service: string, pick: (count: ActionCount) => number, kind?: ActionCount['kind']) => counts.actions
    .filter((count) => count.service === service && (kind === undefined || count.kind === kind))
    .reduce((total, count) => total + pick(count), 0);
  // A throttled request never reached moto, so it is not a call that was answered; retries that were answered count.
  const answered = (count: ActionCount) => count.requests - count.throttled;
  const route53 = counts.actions.filter((count) => count.service === 'route53');
  return {
    elastiCacheReads: sum('elasticache', answered, 'read'),
    elastiCacheWrites: sum('elasticache', answered, 'write'),
    route53Reads: sum('route53', answered, 'read'),
    route53Writes: sum('route53', answered, 'write'),
    route53Throttled: sum('route53', (count) => count.throttled),
    elastiCacheResponseBytes: sum('elasticache', (count) => count.responseBytes),
    route53HighestAttempt: Math.max(0, ...route53.map((count) => count.highestAttempt)),
    route53MaxAttempts: Math.max(0, ...route53.map((count) => count.maxAttempts)),
  };
}

const THROTTLING_BODY = (requestId: string) => '<?xml version="1.0"?>\n'
  + '<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
  + '<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>'
  + `<RequestId>${requestId}</RequestId></ErrorResponse>`;

export class ThrottlingProxy {
  /** Starts the proxy on a free port of 127.0.0.1, forwarding to `targetUrl` (moto). */
  static async start(targetUrl: string): Promise<ThrottlingProxy> {
    const proxy = new ThrottlingProxy(new URL(targetUrl));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  private readonly server: http.Server;
  /** Keep-alive connections to moto, so the proxy adds little latency of its own. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private counts = new Map<string, ActionCount>();
  private lastRoute53WriteAcceptedAt: number | undefined;
  private bucket: (TokenBucketOptions & { tokens: number; refilledAt: number }) | undefined;

  private constructor(private readonly target: URL) {
    this.server = http.createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 30_000;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Throttles Route 53 from now on with a full bucket, or stops throttling (`undefined`). */
  throttleRoute53(options: TokenBucketOptions | undefined): void {
    this.bucket = options && { ...options, tokens: options.burst, refilledAt: nowMs() };
  }

  resetCounts(): void {
    this.counts = new Map();
    this.lastRoute53WriteAcceptedAt = undefined;
  }

  snapshot(): ProxyCounts {
    return {
      actions: [...this.counts.values()].map((count) => ({ ...count })),
      lastRoute53WriteAcceptedAt: this.lastRoute53WriteAcceptedAt,
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    // A client that gives up mid-request (an SDK timeout) must not take the proxy down.
    request.on('error', () => response.destroy());
    response.on('error', () => request.destroy());
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const count = this.countFor(request, body);
      count.requests += 1;
      const attempt = /attempt=(\d+);\s*max=(\d+)/.exec(String(request.headers['amz-sdk-request'] ?? ''));
      if (attempt) {
        count.highestAttempt = Math.max(count.highestAttempt, Number(attempt[1]));
        count.maxAttempts = Math.max(count.maxAttempts, Number(attempt[2]));
      }
      if (count.service === 'route53' && !this.takeToken()) {
        count.throttled += 1;
        const requestId = randomUUID();
        response.writeHead(400, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
        response.end(THROTTLING_BODY(requestId));
        return;
      }
      this.forward(request, body, response, count);
    });
  }

  private forward(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse, count: ActionCount): void {
    const upstream = http.request({
      host: this.target.hostname,
      port: this.target.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
      agent: this.agent,
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        count.responseBytes += chunk.length;
      });
      answer.on('end', () => {
        if (count.service === 'route53' && count.kind === 'write' && (answer.statusCode ?? 500) < 300) {
          this.lastRoute53WriteAcceptedAt = nowMs();
        }
      });
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      // Answer like a broken connection would be seen: the SDK treats a 5xx as transient.
      if (!response.headersSent) {
        response.writeHead(502, { 'Content-Type': 'text/plain' });
      }
      response.end(`bench proxy: ${error.message}`);
    });
    upstream.end(body);
  }

  /** Refills by the time passed, then takes one token if there is one. */
  private takeToken(): boolean {
    const bucket = this.bucket;
    if (bucket === undefined) {
      return true;
    }
    const now = nowMs();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * bucket.ratePerSecond);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  private countFor(request: http.IncomingMessage, body: Buffer): ActionCount {
    const { service, action, kind } = classify(request, body);
    const key = `${service} ${action}`;
    let count = this.counts.get(key);
    if (count === undefined) {
      count = { service, action, kind, requests: 0, throttled: 0, responseBytes: 0, highestAttempt: 0, maxAttempts: 0 };
      this.counts.set(key, count);
    }
    return count;
  }
}

/**
 * Names the AWS call: the service from the SigV4 credential scope, the action from the form body
 * (ElastiCache's query protocol) or from the method and path (Route 53's REST protocol).
 */
export function classify(request: http.IncomingMessage, body: Buffer): Pick<ActionCount, 'service' | 'action' | 'kind'> {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(String(request.headers.authorization ?? ''));
  const service = scope?.[1] ?? 'unsigned';
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://proxy').pathname;
  if (service === 'route53') {
    const action = /\/hostedzone\/[^/]+\/rrset\/?$/.test(path)
      ? (method === 'GET' ? 'ListResourceRecordSets' : 'ChangeResourceRecordSets')
      : `${method} ${path.replace(/\/hostedzone\/[^/]+/, '/hostedzone/{Id}')}`;
    return { service, action, kind: method === 'GET' ? 'read' : 'write' };
  }
  const action = new URLSearchParams(body.toString('utf-8')).get('Action') ?? `${method} ${path}`;
  return { service, action, kind: /^(Describe|List)/.test(action) ? 'read' : 'write' };
}
