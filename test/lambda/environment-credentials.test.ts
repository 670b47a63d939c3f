import * as fs from 'fs';
import * as path from 'path';
import { defaultProvider } from '../../lambda/updater/environment-credentials';

describe('the updater\'s credentials come from the environment, as Lambda provides them', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('reads the key, the secret, the session token and the expiration', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_CREDENTIAL_EXPIRATION: '2026-11-30T12:00:00Z',
    });

    await expect(defaultProvider()()).resolves.toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date('2026-11-30T12:00:00Z'),
    });
  });

  test('without credentials in the environment, a clear error', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    await expect(defaultProvider()()).rejects.toThrow('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
  });

  test('the bundle leaves the SDK\'s default chain out (SSO, profiles, web identity, instance metadata)', () => {
    const bundle = fs.readFileSync(path.join(__dirname, '../../assets/updater/index.js'), 'utf-8');

    expect(bundle).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
    for (const leftOut of ['fromSSO', 'fromTokenFile', 'fromInstanceMetadata', 'credential-provider-ini']) {
      expect(bundle).not.toContain(leftOut);
    }
  });
});
