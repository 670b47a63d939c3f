import type { NoReplicaFallback } from './plan';
import { NamesOwner, namesOwner, NoReplicaFallbackValue, normalizeHostedZoneId, parseRecordNames, stackKey, UpdaterEnv } from '../../src/private/contract';

/** Everything one reconcile needs to know about its replication group and zone. */
export interface UpdaterSettings {
  readonly replicationGroupId: string;
  readonly hostedZoneId: string;
  readonly recordNames: readonly string[];
  readonly ttlSeconds: number;
  readonly noReplicaFallback: NoReplicaFallback;
  /** The hash of the stack id the construct set (`stackKey`); undefined when the variable is not set. */
  readonly stack?: string;
  /** The custom resource that owns the names, as its CloudFormation events name it; undefined when not set. */
  readonly owner?: NamesOwner;
}

/**
 * Reads the settings the construct put in the environment.
 *
 * A misconfigured function fails loudly on its first event rather than writing wrong names.
 */
export function readSettings(env: NodeJS.ProcessEnv): UpdaterSettings {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) {
      problems.push(`${name} is not set`);
    }
    return value ?? '';
  };

  const replicationGroupId = required(UpdaterEnv.REPLICATION_GROUP_ID).toLowerCase();
  const hostedZoneId = normalizeHostedZoneId(required(UpdaterEnv.HOSTED_ZONE_ID));
  const recordNamesText = required(UpdaterEnv.REPLICA_RECORD_NAMES);
  const recordNames = parseRecordNames(recordNamesText);
  // A value of only commas would otherwise leave nothing to reconcile, silently.
  if (recordNamesText && recordNames.length === 0) {
    problems.push(`${UpdaterEnv.REPLICA_RECORD_NAMES} has no record names, got '${recordNamesText}'`);
  }
  const ttlText = required(UpdaterEnv.RECORD_TTL_SECONDS);
  const ttlSeconds = Number(ttlText);
  if (ttlText && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)) {
    problems.push(`${UpdaterEnv.RECORD_TTL_SECONDS} must be a positive integer, got '${ttlText}'`);
  }
  const fallbackText = (env[UpdaterEnv.NO_REPLICA_FALLBACK] ?? NoReplicaFallbackValue.PRIMARY).trim() || NoReplicaFallbackValue.PRIMARY;
  const fallbacks: string[] = Object.values(NoReplicaFallbackValue);
  if (!fallbacks.includes(fallbackText)) {
    problems.push(`${UpdaterEnv.NO_REPLICA_FALLBACK} must be one of ${fallbacks.join(', ')}, got '${fallbackText}'`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid updater configuration: ${problems.join('; ')}`);
  }
  const stackId = env[UpdaterEnv.STACK_ID]?.trim();
  const logicalId = env[UpdaterEnv.NAMES_LOGICAL_ID]?.trim();
  return {
    replicationGroupId,
    hostedZoneId,
    recordNames,
    ttlSeconds,
    noReplicaFallback: fallbackText as NoReplicaFallback,
    stack: stackId ? stackKey(stackId) : undefined,
    owner: stackId && logicalId ? namesOwner(stackId, logicalId) : undefined,
  };
}
