import { ReplicationGroupEngine } from '../engine';

/** The engine version used when `engineVersion` is not given. */
export const DEFAULT_ENGINE_VERSIONS: Record<ReplicationGroupEngine, string> = {
  [ReplicationGroupEngine.VALKEY]: '8.2',
  [ReplicationGroupEngine.REDIS]: '7.1',
};

/**
 * The engine versions ElastiCache offered for a cluster-mode-disabled group when this release was made, oldest first.
 * A version not listed here still works (with a warning) when its parameter group family can be derived.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html
 */
const KNOWN_ENGINE_VERSIONS: Record<ReplicationGroupEngine, string[]> = {
  [ReplicationGroupEngine.VALKEY]: ['7.2', '8.0', '8.1', '8.2', '9.0'],
  [ReplicationGroupEngine.REDIS]: ['4.0.10', '5.0.6', '6.0', '6.2', '7.0', '7.1'],
};

/** `major.minor` or `major.minor.patch`, digits only: the form ElastiCache's versions take. */
const VERSION_FORM = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/** An engine version split into numbers. */
export interface EngineVersion {
  readonly engine: ReplicationGroupEngine;
  /** As the user wrote it; this is what the template gets. */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The version's numbers, or undefined when it is not `digits.digits[.digits]`. */
export function parseEngineVersion(engine: ReplicationGroupEngine, text: string): EngineVersion | undefined {
  const match = VERSION_FORM.exec(text);
  if (!match) {
    return undefined;
  }
  return { engine, text, major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

function compare(a: EngineVersion, b: EngineVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `version` is at least `major.minor`. */
function atLeast(version: EngineVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** The versions this release knows for `engine`, oldest first. */
export function knownEngineVersions(engine: ReplicationGroupEngine): string[] {
  return [...(KNOWN_ENGINE_VERSIONS[engine] ?? [])];
}

/** Whether this release knows the version (so no warning is due). */
export function isKnownEngineVersion(version: EngineVersion): boolean {
  return knownEngineVersions(version.engine).includes(version.text);
}

/** Whether the version is older than every version ElastiCache still offers for its engine (it cannot be a new release). */
export function isOlderThanKnown(version: EngineVersion): boolean {
  const oldest = parseEngineVersion(version.engine, knownEngineVersions(version.engine)[0]);
  return oldest !== undefined && compare(version, oldest) < 0;
}

/**
 * The parameter group family of an engine version, derived from its numbers, so a version AWS ships after this
 * release gets one too: Valkey `valkey<major>`; Redis OSS 7 and later `redis<major>`, 6.x `redis6.x`, before 6
 * `redis<major>.<minor>` (`redis4.0`, `redis5.0`).
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html
 */
export function parameterGroupFamily(version: EngineVersion): string {
  if (version.engine === ReplicationGroupEngine.VALKEY) {
    return `valkey${version.major}`;
  }
  if (version.major >= 7) {
    return `redis${version.major}`;
  }
  return version.major === 6 ? 'redis6.x' : `redis${version.major}.${version.minor}`;
}

/** Whether the version supports `TransitEncryptionMode` (Redis OSS 7.0 and later, every Valkey). */
export function supportsTransitEncryptionMode(version: EngineVersion): boolean {
  return version.engine === ReplicationGroupEngine.VALKEY || atLeast(version, 7, 0);
}

/**
 * Whether the version supports RBAC user groups (`UserGroupIds`): Redis OSS 6.0 and later, every Valkey.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html
 */
export function supportsUserGroups(version: EngineVersion): boolean {
  return version.engine === ReplicationGroupEngine.VALKEY || atLeast(version, 6, 0);
}

/**
 * Whether the version supports data tiering (the r6gd nodes): Redis OSS 6.2 and later, every Valkey.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/data-tiering.html
 */
export function supportsDataTiering(version: EngineVersion): boolean {
  return version.engine === ReplicationGroupEngine.VALKEY || atLeast(version, 6, 2);
}

/**
 * Whether the node type tiers data to SSD (the r6gd family), which ElastiCache requires `DataTieringEnabled: true` for.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (DataTieringEnabled)
 */
export function isDataTieringNodeType(cacheNodeType: string): boolean {
  return /^cache\.r6gd\./.test(cacheNodeType);
}

/** ElastiCache's log types, in the order the construct renders them. */
export type LogType = 'slow-log' | 'engine-log';

/**
 * The log types ElastiCache can deliver for the version: every Valkey version has both; Redis OSS has the slow
 * log from 6.0 and the engine log from 6.2. Asking for more fails at deploy with `InvalidParameterValue`.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html
 */
export function supportedLogTypes(version: EngineVersion): LogType[] {
  if (version.engine === ReplicationGroupEngine.VALKEY) {
    return ['slow-log', 'engine-log'];
  }
  const types: LogType[] = [];
  if (atLeast(version, 6, 0)) {
    types.push('slow-log');
  }
  if (atLeast(version, 6, 2)) {
    types.push('engine-log');
  }
  return types;
}
