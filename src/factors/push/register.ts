import { fromBase64Url } from '../../crypto/bytes.js';
import type { Services } from '../../kernel/index.js';
import type { PushTarget, PushTransport } from './schema.js';
import { formatRefusal, fresh, refuse, signedBy, type AppAnswer } from './device-auth.js';
import { registerMessage } from './messages.js';

export interface Registration {
  deviceId: string;
  transport: PushTransport;
  address?: string | undefined;
  p256dh?: string | undefined;
  auth?: string | undefined;
  timestamp: number;
  signature: string;
}

/** A Web Push subscription's keys as RFC 8291 needs them: an uncompressed P-256 point and 16 bytes. */
export function subscriptionKeysValid(p256dh: string, auth: string): boolean {
  const point = fromBase64Url(p256dh);
  const secret = fromBase64Url(auth);
  return point?.length === 65 && point[0] === 0x04 && secret?.length === 16;
}

/**
 * POST /app/push/register: an enrolled device, signing with its key, asks for pushes (the pull
 * channel, or a Web Push subscription / FCM or APNs token on top of it). Idempotent; registering
 * again replaces the target.
 */
export async function register(s: Services, r: Registration): Promise<AppAnswer> {
  const now = s.clock.now();
  if (!(await s.rateLimit.take(`app:push-register:${r.deviceId}`, 10, 60_000, now))) return refuse(429, 'rate_limited');
  const format = formatRefusal(r.signature);
  if (format) return format;
  if (!fresh(r.timestamp, now)) return refuse(401, 'stale_request');
  const device = await signedBy(s, r.deviceId, registerMessage(r), r.signature);
  if (!device) return refuse(401, 'bad_signature');
  const target: PushTarget | null =
    r.transport === 'pull' ? null : { address: r.address!, ...(r.transport === 'webpush' ? { p256dh: r.p256dh!, auth: r.auth! } : {}) };
  await s.push.register({ deviceId: device.id, customerId: device.customerId, transport: r.transport, target, now });
  await s.audit.record(null, 'push_registered', now, { device_id: device.id, customer_id: device.customerId, transport: r.transport });
  return { status: 200, body: { success: true, device_id: device.id, transport: r.transport } };
}
