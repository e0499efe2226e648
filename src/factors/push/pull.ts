import type { Services } from '../../kernel/index.js';
import { appView, deviceKey } from './challenge.js';
import { formatRefusal, fresh, refuse, signedBy, type AppAnswer } from './device-auth.js';
import { pollMessage } from './messages.js';

/** The longest a pull long-poll holds (a client reconnects after it). */
export const MAX_PULL_SECONDS = 25;

/**
 * GET /app/push/pending: the device's pull channel. Signed by the device key over a timestamp;
 * answers its pending challenges at once, or holds until one is created (woken the moment it
 * commits), `waitSeconds` pass or the client goes away.
 */
export async function pending(
  s: Services,
  q: { deviceId: string; timestamp: number; signature: string; waitSeconds: number },
  signal?: AbortSignal,
): Promise<AppAnswer> {
  const now = s.clock.now();
  if (!(await s.rateLimit.take(`app:push-poll:${q.deviceId}`, 60, 60_000, now))) return refuse(429, 'rate_limited');
  const format = formatRefusal(q.signature);
  if (format) return format;
  if (!fresh(q.timestamp, now)) return refuse(401, 'stale_request');
  const device = await signedBy(s, q.deviceId, pollMessage(q.deviceId, q.timestamp), q.signature);
  if (!device) return refuse(401, 'bad_signature');
  if (!(await s.push.device(device.id))) return refuse(404, 'unknown_device', { hint: 'register for pushes first: POST /app/push/register' });

  const until = Date.now() + Math.min(q.waitSeconds, MAX_PULL_SECONDS) * 1000;
  for (;;) {
    const list = await s.push.pendingForDevice(device.id, s.clock.now());
    const left = until - Date.now();
    if (list.length > 0 || left <= 0 || signal?.aborted) return { status: 200, body: { challenges: list.map(appView) } };
    if ((await s.waker.wait(deviceKey(device.id), left, signal)) === 'aborted') return { status: 200, body: { challenges: [] } };
  }
}
