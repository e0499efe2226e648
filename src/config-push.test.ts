import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { pushSenderFromConfig, PushConfigError } from './factors/push/delivery/from-config.js';

const base = { CALLGATE_DB: ':memory:', CALLGATE_TOOL_SECRET: 't'.repeat(32), CALLGATE_IVR_SECRET: 'i'.repeat(32), CALLGATE_ADMIN_TOKEN: 'a'.repeat(32), CALLGATE_SECRET_KEY: 'k'.repeat(32) };
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const account = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'service_account', project_id: 'bank-app-7', private_key_id: 'abc', private_key: rsaPem, client_email: 'push@bank-app-7.iam.gserviceaccount.com', token_uri: 'https://oauth2.googleapis.com/token', ...over });
const apnsEnv = { CALLGATE_APNS_KEY: p8, CALLGATE_APNS_KEY_ID: 'ABC123DEFG', CALLGATE_APNS_TEAM_ID: 'TEAM123456', CALLGATE_APNS_TOPIC: 'com.bank.app' };

function errors(env: Record<string, string>) {
  const r = loadConfig({ ...base, ...env });
  return r.ok ? [] : r.errors;
}
function config(env: Record<string, string>) {
  const r = loadConfig({ ...base, ...env });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}
/** A PEM block around the first `n` bytes of a key's DER: the right shape, but not a key. */
const truncated = (pem: string, n: number) => {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').subarray(0, n);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
};

describe('CALLGATE_FCM_SERVICE_ACCOUNT / CALLGATE_FCM_API_URL', () => {
  it('the JSON key file turns FCM on (Google’s API by default); a loopback override is allowed', () => {
    expect(config({ CALLGATE_FCM_SERVICE_ACCOUNT: account() }).fcm).toEqual({
      serviceAccount: { projectId: 'bank-app-7', clientEmail: 'push@bank-app-7.iam.gserviceaccount.com', privateKey: rsaPem, privateKeyId: 'abc', tokenUri: 'https://oauth2.googleapis.com/token' },
      apiUrl: 'https://fcm.googleapis.com',
    });
    expect(config({ CALLGATE_FCM_SERVICE_ACCOUNT: account({ token_uri: 'http://127.0.0.1:9/token' }), CALLGATE_FCM_API_URL: 'http://localhost:9/' }).fcm?.apiUrl).toBe('http://localhost:9');
    // A key pasted on one line with \n escapes reads the same.
    expect(config({ CALLGATE_FCM_SERVICE_ACCOUNT: account({ private_key: rsaPem.replace(/\n/g, '\\n') }) }).fcm).toBeDefined();
    expect(config({}).fcm).toBeUndefined();
  });

  it('names the variable and the field that is wrong, and never repeats the key', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: '{not json' }, /^CALLGATE_FCM_SERVICE_ACCOUNT: must be the service account's JSON key file \(it does not parse/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: '[1]' }, /^CALLGATE_FCM_SERVICE_ACCOUNT: must be the service account's JSON key file \(a JSON object\)/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ type: 'authorized_user' }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "type" must be "service_account"/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ project_id: 'Bank App' }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "project_id"/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ client_email: 'nobody' }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "client_email"/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ private_key: p8 }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "private_key" must be the account's RSA key/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ private_key: 'secret-ish' }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "private_key"/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account({ token_uri: 'http://oauth.example/token' }) }, /^CALLGATE_FCM_SERVICE_ACCOUNT: "token_uri" must be an https URL/],
      [{ CALLGATE_FCM_SERVICE_ACCOUNT: account(), CALLGATE_FCM_API_URL: 'http://10.0.0.5' }, /^CALLGATE_FCM_API_URL: must be an https base URL \(plain http only to localhost\)/],
      [{ CALLGATE_FCM_API_URL: 'https://fcm.example' }, /^CALLGATE_FCM_SERVICE_ACCOUNT: required with CALLGATE_FCM_API_URL/],
    ];
    for (const [env, line] of cases) {
      const got = errors(env);
      expect(got, JSON.stringify(env).slice(0, 80)).toEqual([expect.stringMatching(line)]);
      expect(got.join('\n')).not.toMatch(/[A-Za-z0-9+/]{40,}/);
    }
  });

  it('a refused push URL is named, never repeated (it may carry credentials)', () => {
    const withCredentials = { CALLGATE_FCM_SERVICE_ACCOUNT: account(), CALLGATE_FCM_API_URL: 'https://push:hunter2-password@fcm.example' };
    expect(errors(withCredentials)).toEqual(['CALLGATE_FCM_API_URL: must be an https base URL (plain http only to localhost), without credentials']);
    const origin = errors({ ...apnsEnv, CALLGATE_APNS_ORIGIN: 'https://apns:hunter2-password@apns.example' });
    expect(origin).toEqual(['CALLGATE_APNS_ORIGIN: must be an https origin (plain http only to localhost), without credentials']);
  });

  it('a key with the right shape that WebCrypto refuses stops start-up, naming the variable', async () => {
    const c = config({ CALLGATE_FCM_SERVICE_ACCOUNT: account({ private_key: truncated(rsaPem, 300) }) });
    const err = await pushSenderFromConfig(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushConfigError);
    expect((err as PushConfigError).lines).toEqual(['CALLGATE_FCM_SERVICE_ACCOUNT: "private_key" does not import as an RSA signing key']);
  });
});

describe('CALLGATE_APNS_*', () => {
  it('the key, its id, the team and the topic turn APNs on (production by default; sandbox; a loopback origin)', async () => {
    expect(config(apnsEnv).apns).toEqual({ key: p8.trim(), keyId: 'ABC123DEFG', teamId: 'TEAM123456', topic: 'com.bank.app', env: 'production', origin: 'https://api.push.apple.com' });
    expect(config({ ...apnsEnv, CALLGATE_APNS_ENV: 'sandbox' }).apns?.origin).toBe('https://api.sandbox.push.apple.com');
    expect(config({ ...apnsEnv, CALLGATE_APNS_ORIGIN: 'http://127.0.0.1:9443' }).apns?.origin).toBe('http://127.0.0.1:9443');
    // Start-up has an HTTP/2 client on Node; without one (a runtime that lacks it) APNs is refused.
    expect(await pushSenderFromConfig(config(apnsEnv), { apnsTransport: () => Promise.reject(new Error('unused')) })).toBeDefined();
    const err = await pushSenderFromConfig(config(apnsEnv)).catch((e: unknown) => e);
    expect((err as PushConfigError).lines).toEqual(['CALLGATE_APNS_KEY: this runtime has no HTTP/2 client, which APNs requires']);
  });

  it('part of the set is an error naming each missing variable', () => {
    expect(errors({ CALLGATE_APNS_KEY: p8 })).toEqual([
      'CALLGATE_APNS_KEY_ID: required with CALLGATE_APNS_KEY (APNs)',
      'CALLGATE_APNS_TEAM_ID: required with CALLGATE_APNS_KEY (APNs)',
      'CALLGATE_APNS_TOPIC: required with CALLGATE_APNS_KEY (APNs)',
    ]);
    expect(errors({ ...apnsEnv, CALLGATE_APNS_TEAM_ID: '' })).toEqual(['CALLGATE_APNS_TEAM_ID: required with CALLGATE_APNS_KEY, CALLGATE_APNS_KEY_ID, CALLGATE_APNS_TOPIC (APNs)']);
    expect(errors({ CALLGATE_APNS_ENV: 'sandbox' })).toEqual([expect.stringMatching(/^CALLGATE_APNS_KEY: required with CALLGATE_APNS_ENV/)]);
    expect(errors({ CALLGATE_APNS_ORIGIN: 'https://apns.example' })).toEqual([expect.stringMatching(/^CALLGATE_APNS_KEY: required with CALLGATE_APNS_ORIGIN/)]);
  });

  it('names the variable that is wrong, and never repeats the key', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ CALLGATE_APNS_KEY: rsaPem }, /^CALLGATE_APNS_KEY: must be the \.p8 key file Apple issued/],
      [{ CALLGATE_APNS_KEY: p384 }, /^CALLGATE_APNS_KEY: must be the \.p8 key file/],
      [{ CALLGATE_APNS_KEY: 'ABCDEF' }, /^CALLGATE_APNS_KEY: must be the \.p8 key file/],
      [{ CALLGATE_APNS_KEY_ID: 'abc' }, /^CALLGATE_APNS_KEY_ID: must be the key's 10-character id, got "abc"/],
      [{ CALLGATE_APNS_TEAM_ID: 'team 12345' }, /^CALLGATE_APNS_TEAM_ID: must be the 10-character Team ID/],
      [{ CALLGATE_APNS_TOPIC: 'bankapp' }, /^CALLGATE_APNS_TOPIC: must be the app's bundle id/],
      [{ CALLGATE_APNS_ENV: 'development' }, /^CALLGATE_APNS_ENV: must be production or sandbox, got "development"/],
      [{ CALLGATE_APNS_ORIGIN: 'http://apns.example' }, /^CALLGATE_APNS_ORIGIN: must be an https origin \(plain http only to localhost\)/],
    ];
    for (const [env, line] of cases) {
      const got = errors({ ...apnsEnv, ...env });
      expect(got, Object.keys(env)[0]).toEqual([expect.stringMatching(line)]);
      expect(got.join('\n')).not.toMatch(/[A-Za-z0-9+/]{40,}/);
    }
    const c = config({ ...apnsEnv, CALLGATE_APNS_KEY: truncated(p8, 60) });
    const err = await pushSenderFromConfig(c, { apnsTransport: () => Promise.reject(new Error('unused')) }).catch((e: unknown) => e);
    expect((err as PushConfigError).lines).toEqual(['CALLGATE_APNS_KEY: does not import as a P-256 signing key']);
  });
});
