/** The README's use snippet (examples/connect.ts) builds a reader and a writer from the environment. */
test('examples/connect.ts makes one reader over the replica names and one writer on the primary name', async () => {
  process.env.REPLICA_HOSTNAMES = 'replica1.cache.example.internal,replica2.cache.example.internal';
  process.env.PRIMARY_HOSTNAME = 'primary.cache.example.internal';
  process.env.AUTH_TOKEN = 'token';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { reader, writer } = require('../examples/connect') as typeof import('../examples/connect');
  try {
    expect(reader.names).toEqual(['replica1.cache.example.internal', 'replica2.cache.example.internal']);
    expect(writer.name).toBe('primary.cache.example.internal');
  } finally {
    await reader.close();
    await writer.close();
  }
});
