import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.js';
import { generateVapidKey, importVapidKey } from './vapid.js';

describe('CALLGATE_VAPID_PRIVATE_KEY / CALLGATE_VAPID_SUBJECT', () => {
  const base = { CALLGATE_DB: ':memory:', CALLGATE_TOOL_SECRET: 't'.repeat(32), CALLGATE_IVR_SECRET: 'i'.repeat(32), CALLGATE_ADMIN_TOKEN: 'a'.repeat(32), CALLGATE_SECRET_KEY: 'k'.repeat(32) };

  it('a P-256 private JWK and a contact turn Web Push on; the key imports for signing', async () => {
    const jwk = await generateVapidKey();
    const r = loadConfig({ ...base, CALLGATE_VAPID_PRIVATE_KEY: JSON.stringify(jwk), CALLGATE_VAPID_SUBJECT: 'mailto:ops@bank.example' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.webPush.subject).toBe('mailto:ops@bank.example');
    expect((await importVapidKey(r.config.webPush.vapidPrivateJwk!)).publicKey).toMatch(/^B[\w-]{86}$/);
  });

  it('names the variable that is wrong or missing', () => {
    const errors = (env: Record<string, string>) => {
      const r = loadConfig({ ...base, ...env });
      return r.ok ? [] : r.errors;
    };
    expect(errors({ CALLGATE_VAPID_SUBJECT: 'mailto:ops@bank.example' })).toEqual([expect.stringMatching(/^CALLGATE_VAPID_PRIVATE_KEY: required with CALLGATE_VAPID_SUBJECT/)]);
    expect(errors({ CALLGATE_VAPID_PRIVATE_KEY: '{"kty":"RSA"}', CALLGATE_VAPID_SUBJECT: 'mailto:ops@bank.example' })).toEqual([expect.stringMatching(/^CALLGATE_VAPID_PRIVATE_KEY: must be a P-256 private JWK/)]);
    expect(errors({ CALLGATE_VAPID_PRIVATE_KEY: '{"kty":"RSA"}', CALLGATE_VAPID_SUBJECT: 'ops' }).join('\n')).toMatch(/CALLGATE_VAPID_SUBJECT: must be a mailto: or https: contact/);
  });
});
