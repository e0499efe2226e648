import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { APNS_REFUSED, bootWorker, WorkerStartupError } from './boot.js';
import type { WorkerEnv } from './env.js';
import { EVERY_MINUTE, runSweeps } from './sweeps.js';
import { send, SECRETS } from './test-client.js';

const bindings = env as unknown as WorkerEnv;

describe('the worker at start', () => {
  it('serves the bundled policies, parsed and pinned like the Node server pins them', async () => {
    const health = await send('GET', '/healthz', 'none');
    expect(health.body).toEqual({
      ok: true,
      policies: [
        { id: 'default', version: 1, file: 'default.yaml' },
        { id: 'nist-aal2', version: 1, file: 'nist-aal2.yaml' },
      ],
    });
    const rows = await bindings.DB.prepare('SELECT policy_id, version FROM policy_versions ORDER BY policy_id').all();
    expect(rows.results).toEqual([
      { policy_id: 'default', version: 1 },
      { policy_id: 'nist-aal2', version: 1 },
    ]);
  });

  it('refuses a bad environment with the same lines as Node, naming each variable', async () => {
    const err = await bootWorker({ ...bindings, PORT: 'eighty', CALLGATE_OTP_DELIVERY: 'pigeon' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStartupError);
    const lines = (err as WorkerStartupError).lines;
    expect(lines.some((l) => l.startsWith('PORT: must be an integer'))).toBe(true);
    expect(lines.some((l) => l.startsWith('CALLGATE_OTP_DELIVERY:'))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRETS.tool);
  });

  it('refuses production without its secrets, and a policy file that changes a recorded version', async () => {
    const prod = await bootWorker({ ...bindings, NODE_ENV: 'production', CALLGATE_TOOL_SECRET: '' }).catch((e: unknown) => e);
    expect((prod as WorkerStartupError).lines).toContain('CALLGATE_TOOL_SECRET: required in production (at least 32 characters)');
    const health = await send('GET', '/healthz', 'none');
    expect(health.status).toBe(200); // the default policy v1 is recorded now
    const changed = `id: default\nversion: 1\ntiers:\n  low: {require: 1, from: [otp]}\n  medium: {require: 2, from: [otp, kba_basic]}\n  high: {handoff: true}\n`;
    const err = await bootWorker({ ...bindings, POLICY_FILES: JSON.stringify({ 'default.yaml': changed }) }).catch((e: unknown) => e);
    expect((err as WorkerStartupError).lines.join('\n')).toMatch(/default\.yaml:2:\d+ version: policy "default" version 1 is already recorded with different rules/);
  });
});

describe('push delivery on the worker', () => {
  /** A fresh WebCrypto key as PKCS#8 PEM, the form a .p8 file or a service-account JSON holds. */
  const pem = async (alg: SubtleCryptoGenerateKeyAlgorithm) => {
    const pair = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const der = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
    return `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----\n`;
  };

  it('refuses APNs at start, naming the variable and why (HTTP/2), and never the key', async () => {
    const key = await pem({ name: 'ECDSA', namedCurve: 'P-256' });
    const err = await bootWorker({ ...bindings, CALLGATE_APNS_KEY: key, CALLGATE_APNS_KEY_ID: 'ABC123DEFG', CALLGATE_APNS_TEAM_ID: 'TEAM123456', CALLGATE_APNS_TOPIC: 'com.bank.app' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStartupError);
    expect((err as WorkerStartupError).lines).toEqual([APNS_REFUSED]);
    expect(APNS_REFUSED).toMatch(/^CALLGATE_APNS_KEY: .*HTTP\/2.*FCM/);
    expect((err as WorkerStartupError).lines.join('\n')).not.toContain(key.split('\n')[1]!.slice(0, 40));
  });

  it('wires FCM (and Web Push) into the push sender from the same variables as Node', async () => {
    const key = await pem({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' });
    const account = { type: 'service_account', project_id: 'bank-app-7', private_key: key, client_email: 'push@bank-app-7.iam.gserviceaccount.com', token_uri: 'https://oauth2.googleapis.com/token' };
    expect((await bootWorker(bindings)).services.pushSender).toBeUndefined();
    expect((await bootWorker({ ...bindings, CALLGATE_FCM_SERVICE_ACCOUNT: JSON.stringify(account) })).services.pushSender).toBeDefined();
  });
});

describe('the every-minute cron', () => {
  it('times out a session nobody polls, records it, and wakes its object', async () => {
    let now = Date.now();
    const rt = await bootWorker(bindings, { now: () => now });
    const created = await rt.app.fetch(
      new Request('http://callgate.test/ivr/sessions', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRETS.ivr}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'genesys', callId: 'cron-1', ani: '+14155550199' }),
      }),
    );
    const session = (await created.json()) as { sessionId: string; ttlSeconds: number };
    now += session.ttlSeconds * 1000 + 1;
    await runSweeps(rt, EVERY_MINUTE);
    const row = await bindings.DB.prepare('SELECT status FROM did_sessions WHERE id = ?').bind(session.sessionId).first();
    expect(row).toEqual({ status: 'timeout' });
    const events = await bindings.DB.prepare("SELECT type FROM events WHERE call_id = 'genesys:cron-1' ORDER BY id").all();
    expect(events.results.map((e) => e.type)).toContain('timeout');
    const woken = await runInDurableObject(bindings.CALLS.getByName('call:genesys:cron-1'), (_, s) => s.storage.get(`wake:did:${session.sessionId}`));
    expect(woken).toBeTypeOf('number');
  });
});
