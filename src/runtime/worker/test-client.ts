// For the workerd tests: requests to this worker's own fetch handler (the same isolate), with the
// secrets vitest.worker.config.ts binds. Not part of the deployed bundle.
import { exports } from 'cloudflare:workers';
import { confirmMessage, generateDeviceKeyPair, importDevicePrivateKey, signAsDevice } from '../../crypto/device-signature.js';

export const SECRETS = {
  tool: 'worker-test-tool-secret-0123456789abcdef',
  ivr: 'worker-test-ivr-secret-0123456789abcdef',
  admin: 'worker-test-admin-token-0123456789abcdef',
};

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
}

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default;

export async function send(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await worker.fetch(
    new Request(`http://callgate.test${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

export const admin = (method: string, path: string, body?: unknown) => send(method, `/admin${path}`, SECRETS.admin, body);
export const ivr = (method: string, path: string, body?: unknown) => send(method, `/ivr${path}`, SECRETS.ivr, body);
export const app = (path: string, body: unknown) => send('POST', `/app${path}`, 'none', body);

/** Enrols a customer with one phone and a device holding a real P-256 key; answers how to confirm as it. */
export async function enrolWithDevice(customerId: string, phone: string, deviceId: string) {
  const enrolled = await admin('POST', '/customers', { customer_id: customerId, phones: [phone], account_refs: [`REF-${customerId}`] });
  if (enrolled.status !== 201) throw new Error(`enrol: ${JSON.stringify(enrolled.body)}`);
  const { publicJwk, privateJwk } = await generateDeviceKeyPair();
  const device = await admin('POST', `/customers/${customerId}/devices`, { device_id: deviceId, public_key_jwk: publicJwk });
  if (device.status !== 201) throw new Error(`device: ${JSON.stringify(device.body)}`);
  const key = await importDevicePrivateKey(privateJwk);
  return {
    /** POST /app/challenge, then the signed /app/confirm body the phone app would send. */
    async signedConfirm(did: string) {
      const ch = await app('/challenge', { device_id: deviceId, did });
      if (ch.status !== 200) throw new Error(`challenge: ${JSON.stringify(ch.body)}`);
      const signature = await signAsDevice(key, confirmMessage({ sessionId: ch.body.session_id, callBinding: ch.body.call_binding, did, nonce: ch.body.nonce }));
      return { session_id: ch.body.session_id as string, device_id: deviceId, nonce: ch.body.nonce as string, signature };
    },
  };
}
