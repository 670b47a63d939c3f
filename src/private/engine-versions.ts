import { CacheEngine } from '../engine';

/** The engine version used when `engineVersion` is not given. */
export const DEFAULT_ENGINE_VERSIONS: Record<CacheEngine, string> = {
  [CacheEngine.VALKEY]: '8.2',
  [CacheEngine.REDIS]: '7.1',
};

/** Every engine version ElastiCache offers for a cluster-mode-disabled group, with its parameter group family. */
const PARAMETER_GROUP_FAMILIES: Record<CacheEngine, Record<string, string>> = {
  [CacheEngine.VALKEY]: {
    '7.2': 'valkey7',
    '8.0': 'valkey8',
    '8.1': 'valkey8',
    '8.2': 'valkey8',
    '9.0': 'valkey9',
  },
  [CacheEngine.REDIS]: {
    '4.0.10': 'redis4.0',
    '5.0.6': 'redis5.0',
    '6.0': 'redis6.x',
    '6.2': 'redis6.x',
    '7.0': 'redis7',
    '7.1': 'redis7',
  },
};

/** The versions ElastiCache offers for `engine`, oldest first. */
export function supportedEngineVersions(engine: CacheEngine): string[] {
  return Object.keys(PARAMETER_GROUP_FAMILIES[engine] ?? {});
}

/** The parameter group family of an engine version, or undefined when the pair does not exist. */
export function parameterGroupFamily(engine: CacheEngine, engineVersion: string): string | undefined {
  return PARAMETER_GROUP_FAMILIES[engine]?.[engineVersion];
}

/** Whether the engine version supports `TransitEncryptionMode` (Redis OSS 7 and later, every Valkey). */
export function supportsTransitEncryptionMode(engine: CacheEngine, engineVersion: string): boolean {
  return engine === CacheEngine.VALKEY || Number.parseFloat(engineVersion) >= 7;
}
