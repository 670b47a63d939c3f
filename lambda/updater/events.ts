import { normalizeHostedZoneId, parseRecordNames, ReconcileResourceProps } from '../../src/private/contract';

/** What an incoming event asks the updater to do. */
export type UpdaterRequest =
  | { readonly kind: 'reconcile'; readonly trigger: 'sns' | 'schedule' | 'direct'; readonly reasons: readonly string[] }
  | { readonly kind: 'ignore'; readonly reasons: readonly string[] }
  /** Check the names against the rules without changing anything (the integ test and operators use it). */
  | { readonly kind: 'verify' }
  /** Claim the names as the stack's custom resource would, after the lease was lost (operators use it). */
  | { readonly kind: 'reclaim' }
  | {
    readonly kind: 'custom-resource';
    readonly requestType: 'Create' | 'Update' | 'Delete';
    readonly physicalResourceId?: string;
    /** The zone the resource's names live in. */
    readonly hostedZoneId?: string;
    /** Names the resource owns now (for Delete: the names to remove). */
    readonly recordNames?: readonly string[];
    /** Names the resource owned before an Update. */
    readonly oldRecordNames?: readonly string[];
    /** The stack and the resource's logical id: together they name the resource instance (the lease's owner). */
    readonly stackId?: string;
    readonly logicalResourceId?: string;
  };

/** The subset of a custom_resources.Provider onEvent request the updater reads. */
interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly StackId?: string;
  readonly LogicalResourceId?: string;
  readonly ResourceProperties?: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

const ELASTICACHE_EVENT_PREFIX = 'ElastiCache:';

/**
 * Turns any event the function can receive into one request.
 *
 * Never throws: an event it cannot read is ignored with a reason, since the scheduled
 * reconcile repairs anything a lost notification would have.
 */
export function classifyEvent(event: unknown, replicationGroupId: string): UpdaterRequest {
  if (!isObject(event) || Object.keys(event).length === 0) {
    return { kind: 'reconcile', trigger: 'direct', reasons: ['direct invoke'] };
  }
  if (Array.isArray(event.Records)) {
    return classifySnsRecords(event.Records, replicationGroupId);
  }
  if (typeof event.RequestType === 'string') {
    return classifyCustomResource(event as unknown as CustomResourceEvent);
  }
  if (event.source === 'aws.events' || event['detail-type'] === 'Scheduled Event') {
    return { kind: 'reconcile', trigger: 'schedule', reasons: ['scheduled reconcile'] };
  }
  if (event.action === 'reconcile') {
    return { kind: 'reconcile', trigger: 'direct', reasons: ['direct invoke'] };
  }
  if (event.action === 'verify') {
    return { kind: 'verify' };
  }
  if (event.action === 'reclaim') {
    return { kind: 'reclaim' };
  }
  return { kind: 'ignore', reasons: [`unrecognized event with keys ${Object.keys(event).sort().join(', ')}`] };
}

function classifySnsRecords(records: unknown[], replicationGroupId: string): UpdaterRequest {
  const relevant: string[] = [];
  const ignored: string[] = [];
  for (const record of records) {
    const message = isObject(record) && isObject(record.Sns) ? record.Sns.Message : undefined;
    const reason = describeNotification(message, replicationGroupId);
    (reason.aboutThisGroup ? relevant : ignored).push(reason.text);
  }
  return relevant.length > 0
    ? { kind: 'reconcile', trigger: 'sns', reasons: relevant }
    : { kind: 'ignore', reasons: ignored.length > 0 ? ignored : ['SNS event without records'] };
}

/**
 * Reads one ElastiCache notification.
 *
 * The body is `{"ElastiCache:<Event>": "<id>", ...}`, where the id is the group id or a member's
 * cache cluster id (`<group>-00N`); older documentation shows a `SourceIdentifier` form instead.
 */
function describeNotification(message: unknown, replicationGroupId: string): { aboutThisGroup: boolean; text: string } {
  if (typeof message !== 'string') {
    return { aboutThisGroup: false, text: 'SNS record without a message' };
  }
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return { aboutThisGroup: false, text: `SNS message is not JSON: ${message.slice(0, 200)}` };
  }
  if (!isObject(body)) {
    return { aboutThisGroup: false, text: 'SNS message is not a JSON object' };
  }
  const mentions: Array<[string, unknown]> = Object.entries(body).filter(([key]) => key.startsWith(ELASTICACHE_EVENT_PREFIX));
  if (typeof body.SourceIdentifier === 'string') {
    mentions.push([String(body.Message ?? 'SourceIdentifier'), body.SourceIdentifier]);
  }
  if (mentions.length === 0) {
    return { aboutThisGroup: false, text: `not an ElastiCache notification: keys ${Object.keys(body).sort().join(', ')}` };
  }
  const ours = mentions.filter(([, id]) => typeof id === 'string' && isThisGroupOrMember(id, replicationGroupId));
  if (ours.length === 0) {
    return { aboutThisGroup: false, text: `about another group: ${mentions.map(([event, id]) => `${event}=${String(id)}`).join(', ')}` };
  }
  return { aboutThisGroup: true, text: ours.map(([event, id]) => `${event}=${String(id)}`).join(', ') };
}

function isThisGroupOrMember(id: string, replicationGroupId: string): boolean {
  const normalized = id.toLowerCase();
  return normalized === replicationGroupId || normalized.startsWith(`${replicationGroupId}-`);
}

function classifyCustomResource(event: CustomResourceEvent): UpdaterRequest {
  const names = (props: Record<string, unknown> | undefined): string[] | undefined => {
    const value = props?.[ReconcileResourceProps.REPLICA_RECORD_NAMES];
    return typeof value === 'string' ? parseRecordNames(value) : undefined;
  };
  const zoneId = event.ResourceProperties?.[ReconcileResourceProps.HOSTED_ZONE_ID];
  return {
    kind: 'custom-resource',
    requestType: event.RequestType,
    physicalResourceId: event.PhysicalResourceId,
    hostedZoneId: typeof zoneId === 'string' ? normalizeHostedZoneId(zoneId) : undefined,
    recordNames: names(event.ResourceProperties),
    oldRecordNames: names(event.OldResourceProperties),
    stackId: typeof event.StackId === 'string' ? event.StackId : undefined,
    logicalResourceId: typeof event.LogicalResourceId === 'string' ? event.LogicalResourceId : undefined,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
