/**
 * Jest snapshot serializer that replaces asset hashes, so a snapshot changes when the
 * template changes, not when the bundled handler is rebuilt.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

module.exports = {
  test: (value: unknown): boolean => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string): string => JSON.stringify(value.replace(ASSET_HASH, '[ASSET_HASH]')),
};
