import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createUpdaterAws, errorName, UpdaterAws } from './aws';
import { classifyEvent } from './events';
import { deleteRecords, reconcile, ReconcileResult } from './reconcile';
import { readSettings } from './settings';
import { verifyNames, VerifyResult } from './verify';
import { replicaRecordsPhysicalId, replicaSlotNames } from '../../src/private/contract';

const SERVICE_NAME = 'cdk-redis-stable-readers-updater';
const METRICS_NAMESPACE = 'CdkRedisStableReaders';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
let aws: UpdaterAws | undefined;
/** The group the logger keys and metric dimensions were set for; Powertools warns each time one is set again. */
let defaultsSetFor: string | undefined;

/** Lets tests and benchmarks swap the AWS layer. */
export function setUpdaterAws(replacement: UpdaterAws | undefined): void {
  aws = replacement;
}

/** The answer to a direct invoke or a reconciling event. */
export interface ReconcileResponse {
  readonly replicationGroupId: string;
  readonly records: Record<string, string>;
  readonly changes: number;
}

/** The answer custom_resources.Provider expects from an onEvent handler. */
export interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * One entry point for every event: ElastiCache notifications through SNS, the schedule,
 * CloudFormation custom resource events and direct invokes. Each becomes one reconcile,
 * except `{"action":"verify"}`, which only checks the names.
 */
export async function handler(event: unknown): Promise<ReconcileResponse | CustomResourceResponse | VerifyResult | { ignored: string[] }> {
  const settings = readSettings(process.env);
  if (defaultsSetFor !== settings.replicationGroupId) {
    logger.appendPersistentKeys({ replicationGroupId: settings.replicationGroupId });
    metrics.setDefaultDimensions({ ReplicationGroupId: settings.replicationGroupId });
    defaultsSetFor = settings.replicationGroupId;
  }
  const client = aws ??= createUpdaterAws();
  const request = classifyEvent(event, settings.replicationGroupId);
  const started = Date.now();
  try {
    switch (request.kind) {
      case 'ignore':
        logger.info('Event ignored', { reasons: request.reasons });
        return { ignored: [...request.reasons] };
      case 'verify': {
        const [group, records] = await Promise.all([
          client.readGroup(settings.replicationGroupId),
          client.readRecords(settings.hostedZoneId, settings.recordNames),
        ]);
        const result = verifyNames(group.members, records, settings.recordNames);
        logger.info('Names verified', { ...result });
        return result;
      }
      case 'reconcile': {
        const result = await reconcile(client, settings);
        logSummary(request.trigger, result, started, request.reasons);
        return { replicationGroupId: result.replicationGroupId, records: result.records, changes: result.changes };
      }
      case 'custom-resource': {
        const hostedZoneId = request.hostedZoneId ?? settings.hostedZoneId;
        const ownedNames = request.recordNames ?? settings.recordNames;
        if (request.requestType === 'Delete') {
          const physicalResourceId = request.physicalResourceId ?? replicaRecordsPhysicalId(hostedZoneId);
          // Every slot, not only the current names: a name left beyond them would keep the zone from being deleted.
          const names = replicaSlotNames(ownedNames);
          try {
            const deleted = await deleteRecords(client, hostedZoneId, names);
            logger.info('Replica names deleted', { names, deleted, durationMs: Date.now() - started });
          } catch (error) {
            if (errorName(error) !== 'NoSuchHostedZone') {
              throw error;
            }
            // The zone went first (or by hand): its names went with it, so the Delete is done.
            logger.info('Hosted zone already gone, nothing to delete', { hostedZoneId, names, durationMs: Date.now() - started });
          }
          return { PhysicalResourceId: physicalResourceId };
        }
        const result = await reconcile(client, { ...settings, hostedZoneId, recordNames: ownedNames }, { namesToDelete: request.oldRecordNames });
        logSummary(`custom-resource ${request.requestType}`, result, started);
        // A new zone gives a new physical id, so CloudFormation deletes the names in the old zone.
        // A deferred reconcile still succeeds: failing would roll the stack back over a transient group state.
        return { PhysicalResourceId: replicaRecordsPhysicalId(hostedZoneId), Data: result.records };
      }
    }
  } catch (error) {
    metrics.addMetric('ReconcileFailures', MetricUnit.Count, 1);
    logger.error('Reconcile failed', { error: error as Error, errorName: errorName(error) });
    throw error;
  } finally {
    publishMetrics();
  }
}

/** An ignored event or a Delete records no metric, and publishing nothing logs a warning. */
function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) {
    metrics.publishStoredMetrics();
  }
}

function logSummary(trigger: string, result: ReconcileResult, started: number, reasons?: readonly string[]): void {
  metrics.addMetric('RecordChanges', MetricUnit.Count, result.changes);
  metrics.addMetric('AvailableReplicas', MetricUnit.Count, result.availableReplicas);
  if (result.deferred !== undefined) {
    // Worth an alarm when it persists: the names are not following the group.
    metrics.addMetric('ReconcileDeferred', MetricUnit.Count, 1);
  }
  logger.info(result.deferred === undefined ? 'Reconcile complete' : 'Reconcile deferred', {
    trigger,
    reasons,
    deferred: result.deferred,
    before: result.before,
    after: result.records,
    changes: result.changes,
    deleted: result.deleted,
    availableReplicas: result.availableReplicas,
    attempts: result.attempts,
    durationMs: Date.now() - started,
  });
}
