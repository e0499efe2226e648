import { readFileSync } from 'node:fs';
import { generateDeviceKeyPair, importDevicePrivateKey } from '../../src/crypto/device-signature.js';
import { enrolAda, makeTestApp, testPolicies, unlimited, type TestApp, type TestAppOptions } from './app.js';
import { approveBody, denyBody, pollQuery, registerBody, type AppChallenge } from '../../src/factors/push/app-device.js';

// A phone app with a real P-256 key, enrolled through
// the admin API, talking to the push routes of a test app the way the real app does.

/** The shipped policies with policies/examples/push.yaml as the default (push offered first). */
export function pushPolicies() {
  const text = readFileSync(new URL('../../policies/examples/push.yaml', import.meta.url), 'utf8');
  return testPolicies([text.replace(/^id: push$/m, 'id: default').replace(/^applies_to:.*$/m, 'applies_to: {}')]);
}

/**
 * The push suites' app: the push policy in force, no rate limits, Ada enrolled, and her phone's key
 * (`ada-phone`), registered for pushes unless `{register: false}`.
 */
export async function pushTestApp(opts: { register?: boolean; app?: TestAppOptions } = {}) {
  const t = await makeTestApp({ rateLimiter: unlimited, policies: pushPolicies(), ...opts.app });
  await enrolAda(t);
  const ada = await pushDevice(t, 'cust_ada', 'ada-phone');
  if (opts.register ?? true) await ada.register();
  return { t, ada };
}

export async function pushDevice(t: TestApp, customerId: string, deviceId: string) {
  const { publicJwk, privateJwk } = await generateDeviceKeyPair();
  const enrolled = await t.admin('POST', `/customers/${customerId}/devices`, { device_id: deviceId, public_key_jwk: publicJwk });
  if (enrolled.status !== 201) throw new Error(`device enrol failed: ${JSON.stringify(enrolled.body)}`);
  const key = await importDevicePrivateKey(privateJwk);
  const get = async (path: string) => {
    const res = await t.app.request(path);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return {
    deviceId,
    key,
    register: async (extra: { transport?: 'pull' | 'webpush'; address?: string; p256dh?: string; auth?: string } = {}) =>
      t.appPost('/push/register', await registerBody(key, { deviceId, transport: extra.transport ?? 'pull', ...extra }, t.clock.now())),
    pending: async (waitSeconds = 0) => get(`/app/push/pending?${await pollQuery(key, deviceId, t.clock.now(), waitSeconds)}`),
    /** The one pending challenge the pull channel shows (throws when there is none). */
    async challenge(): Promise<AppChallenge> {
      const res = await this.pending();
      const c = res.body.challenges?.[0] as AppChallenge | undefined;
      if (!c) throw new Error(`no pending push: ${JSON.stringify(res.body)}`);
      return c;
    },
    approve: async (c: AppChallenge, number: string) => t.appPost('/push/approve', await approveBody(key, deviceId, c, number)),
    deny: async (c: AppChallenge) => t.appPost('/push/deny', await denyBody(key, deviceId, c)),
  };
}

export type PushDevice = Awaited<ReturnType<typeof pushDevice>>;

/** A choice the agent did not say. */
export const decoy = (c: AppChallenge, number: string) => c.choices.find((n) => n !== number)!;
