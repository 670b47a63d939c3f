import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createUpdaterAws, errorName, UpdaterAws } from './aws';
import { classifyEvent } from './events';
import { deleteRecords, reconcile, ReconcileResult } from './reconcile';
import { RecordCache } from './record-cache';
import { DEFAULT_CALL_BUDGET_MS, RETRY_DEADLINE_MARGIN_MS } from './retry';
import { readSettings } from './settings';
import { verifyNames, VerifyResult } from './verify';
import {
  hostedZoneIdOfPhysicalId,
  namesOwner,
  replicaNamesLeaseName,
  replicaNameZone,
  replicaRecordsPhysicalId,
  replicaSlotNames,
  UpdaterEnv,
  UpdaterMetrics,
} from '../../src/private/contract';

const SERVICE_NAME = UpdaterMetrics.SERVICE;
const METRICS_NAMESPACE = UpdaterMetrics.NAMESPACE;

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
let aws: UpdaterAws | undefined;
/** What this container last read or wrote in its zones: a warm event needs one Route 53 request. */
let recordCache = new RecordCache();
/** When the current invocation's Route 53 retries must stop (epoch milliseconds). */
let retryDeadline = 0;
/** The group the logger keys and metric dimensions were set for; Powertools warns each time one is set again. */
let defaultsSetFor: string | undefined;

/** Lets tests and benchmarks swap the AWS layer; like a new container, it starts with no memory of the zone. */
export function setUpdaterAws(replacement: UpdaterAws | undefined): void {
  aws = replacement;
  recordCache = new RecordCache();
}

/** The part of the Lambda context the handler reads. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
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
export async function handler(
  event: unknown,
  context?: InvocationContext,
): Promise<ReconcileResponse | CustomResourceResponse | VerifyResult | { ignored: string[] }> {
  const settings = readSettings(process.env);
  // Route 53 retries last as long as this invocation can (retry.ts); without a Lambda context, a fixed budget.
  retryDeadline = Date.now() + (context ? context.getRemainingTimeInMillis() - RETRY_DEADLINE_MARGIN_MS : DEFAULT_CALL_BUDGET_MS);
  if (defaultsSetFor !== settings.replicationGroupId) {
    logger.appendPersistentKeys({ replicationGroupId: settings.replicationGroupId });
    metrics.setDefaultDimensions({ [UpdaterMetrics.GROUP_DIMENSION]: settings.replicationGroupId });
    defaultsSetFor = settings.replicationGroupId;
  }
  const client = aws ??= createUpdaterAws({ deadline: () => retryDeadline });
  const request = classifyEvent(event, settings.replicationGroupId);
  const started = Date.now();
  try {
    switch (request.kind) {
      case 'ignore':
        logger.info('Event ignored', { reasons: request.reasons });
        return { ignored: [...request.reasons] };
      case 'verify': {
        const leaseName = replicaNamesLeaseName(settings.recordNames);
        const [group, records] = await Promise.all([
          client.readGroup(settings.replicationGroupId),
          client.readRecords(settings.hostedZoneId, [...settings.recordNames, ...(leaseName ? [leaseName] : [])]),
        ]);
        const result = verifyNames(group.members, records, settings.recordNames, leaseName);
        logger.info('Names verified', { ...result });
        return result;
      }
      case 'reconcile': {
        // A notification goes straight to its batch from memory; the schedule always lists, so drift is found.
        const result = await reconcile(client, settings, { cache: recordCache, startFromCache: request.trigger !== 'schedule', stack: settings.stack });
        logSummary(request.trigger, result, started, request.reasons);
        return { replicationGroupId: result.replicationGroupId, records: result.records, changes: result.changes };
      }
      case 'reclaim': {
        if (settings.owner === undefined) {
          throw new Error(`Cannot reclaim the names: ${UpdaterEnv.STACK_ID} and ${UpdaterEnv.NAMES_LOGICAL_ID} are not set (the construct sets both)`);
        }
        // The custom resource's own claim: refused, with what to do, when another stack holds the names.
        const result = await reconcile(client, settings, { claimant: settings.owner, cache: recordCache });
        logSummary('reclaim', result, started);
        return { replicationGroupId: result.replicationGroupId, records: result.records, changes: result.changes };
      }
      case 'custom-resource': {
        const hostedZoneId = request.hostedZoneId ?? settings.hostedZoneId;
        const ownedNames = request.recordNames ?? settings.recordNames;
        // CloudFormation names the stack and the resource in every event: together, the lease's owner.
        const owner = namesOwner(request.stackId ?? '', request.logicalResourceId ?? '');
        if (request.requestType === 'Delete') {
          const physicalResourceId = request.physicalResourceId ?? replicaRecordsPhysicalId(hostedZoneId);
          // The lease first, in the same atomic batch: no run can write here afterwards (contract.ts).
          // Every slot, not only the current names: a name left beyond them would keep the zone from being deleted.
          const leaseName = replicaNamesLeaseName(ownedNames);
          const names = [...(leaseName ? [leaseName] : []), ...replicaSlotNames(ownedNames)];
          try {
            const deleted = await deleteRecords(client, hostedZoneId, names, recordCache, leaseName ? { leaseName, owner } : undefined);
            if (deleted < 0) {
              // A replacement of this resource (CloudFormation creates it before deleting this one) holds the names.
              logger.info('Replica names belong to another owner, nothing deleted', { names, leaseName, durationMs: Date.now() - started });
            } else {
              logger.info('Replica names deleted', { names, deleted, durationMs: Date.now() - started });
            }
          } catch (error) {
            if (errorName(error) !== 'NoSuchHostedZone') {
              throw error;
            }
            // The zone went first (or by hand): its names went with it, so the Delete is done.
            logger.info('Hosted zone already gone, nothing to delete', { hostedZoneId, names, durationMs: Date.now() - started });
          }
          return { PhysicalResourceId: physicalResourceId };
        }
        if (request.requestType === 'Update') {
          refuseZoneMove(request.physicalResourceId, hostedZoneId, request.oldRecordNames, ownedNames);
        }
        // Names this Update drops keep resolving (reconcile keeps them on live replicas) until the next Update, which
        // deletes every name beyond the current ones that the previous deployment had already dropped.
        const namesToDelete = request.requestType === 'Update'
          ? replicaSlotNames(ownedNames).filter((name) => !ownedNames.includes(name) && !(request.oldRecordNames ?? []).includes(name))
          : [];
        const ownedSettings = { ...settings, hostedZoneId, recordNames: ownedNames };
        const result = await reconcile(client, ownedSettings, {
          namesToDelete,
          claimant: owner,
          // A failed Create gets no Delete from the provider framework (cfn-response.ts), so it undoes its own writes.
          restoreOnFailure: request.requestType === 'Create',
          cache: recordCache,
        });
        logSummary(`custom-resource ${request.requestType}`, result, started);
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

/**
 * Refuses an Update that would move the names to another hosted zone, before anything is written.
 *
 * The function's IAM policy covers the new zone only once the update reaches this resource, so the Delete of the
 * old zone's names that CloudFormation would send afterwards is denied, and the old zone, still holding them, can
 * never be deleted. Failing here rolls the stack back instead. A rollback's own Update targets the zone of the
 * physical id again, so it passes. The zone moves when `replicationGroupId` (the default zone name derives from
 * it), `zoneName` or `hostedZone` changes on a deployed construct.
 */
function refuseZoneMove(
  physicalResourceId: string | undefined,
  hostedZoneId: string,
  oldNames: readonly string[] | undefined,
  newNames: readonly string[],
): void {
  const previousZoneId = hostedZoneIdOfPhysicalId(physicalResourceId);
  if (previousZoneId === undefined || previousZoneId === hostedZoneId) {
    return;
  }
  const previousZone = replicaNameZone(oldNames?.[0] ?? '') ?? previousZoneId;
  const newZone = replicaNameZone(newNames[0] ?? '') ?? hostedZoneId;
  throw new Error(`The replica names cannot move from hosted zone ${previousZone} (${previousZoneId}) to ${newZone} (${hostedZoneId}) `
    + 'on a deployed construct: the old zone could not be emptied and deleted. This happens when replicationGroupId (the default '
    + `zone name is <replicationGroupId>.cache.internal), zoneName or hostedZone changes. To keep the zone, set zoneName to '${previousZone}'; `
    + 'to move, create a new construct beside this one. Nothing was changed; the deployment rolls back.');
}

/** An ignored event or a Delete records no metric, and publishing nothing logs a warning. */
function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) {
    metrics.publishStoredMetrics();
  }
}

function logSummary(trigger: string, result: ReconcileResult, started: number, reasons?: readonly string[]): void {
  metrics.addMetric('RecordChanges', MetricUnit.Count, result.changes);
  metrics.addMetric('ServingReplicas', MetricUnit.Count, result.servingReplicas);
  if (result.deferred !== undefined) {
    // Worth an alarm when it persists: the names are not following the group.
    metrics.addMetric('ReconcileDeferred', MetricUnit.Count, 1);
  }
  if (result.skipped !== undefined) {
    metrics.addMetric('ReconcileSkipped', MetricUnit.Count, 1);
    if (result.unmanaged === true) {
      // Nothing follows the group until someone acts: the updater alarm counts this metric.
      metrics.addMetric(UpdaterMetrics.NAMES_NOT_MANAGED, MetricUnit.Count, 1);
    }
    logger.warn('Reconcile skipped', { trigger, reasons, skipped: result.skipped, unmanaged: result.unmanaged === true, durationMs: Date.now() - started });
    return;
  }
  logger.info(result.deferred === undefined ? 'Reconcile complete' : 'Reconcile deferred', {
    trigger,
    reasons,
    deferred: result.deferred,
    before: result.before,
    after: result.records,
    changes: result.changes,
    deleted: result.deleted,
    retiring: result.retiring,
    servingReplicas: result.servingReplicas,
    attempts: result.attempts,
    durationMs: Date.now() - started,
  });
}
