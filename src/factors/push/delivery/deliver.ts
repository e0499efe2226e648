import type { PushMessage, Services } from '../../../kernel/index.js';
import type { PushChallenge, PushDevice } from '../store.js';

/**
 * What a push service carries: a wake-up naming the challenge, nothing to approve it with. The
 * app then reads the choices and the nonce from its signed pull channel, so FCM and APNs (which
 * see their payloads) never hold anything that helps answer a challenge.
 */
export function wakeUpMessage(c: PushChallenge, ttlSeconds: number): PushMessage {
  return { payload: { type: 'callgate.push', challenge_id: c.id, expires_at: new Date(c.expiresAt).toISOString() }, ttlSeconds };
}

/** Sends the wake-up through the device's push service; a subscription the service says is gone is dropped. */
export async function deliver(s: Services, c: PushChallenge, device: PushDevice, now: number): Promise<void> {
  if (!s.pushSender || !device.target || device.transport === 'pull') return;
  const ttl = Math.max(1, Math.ceil((c.expiresAt - now) / 1000));
  let result;
  try {
    result = await s.pushSender.send(device.transport, device.target, wakeUpMessage(c, ttl));
  } catch (err) {
    // A network failure: the pull channel still works; the kind of error only (never a URL).
    result = { ok: false as const, status: 0, gone: false };
    s.logger.warn('push_delivery_error', { challenge_id: c.id, transport: device.transport, error: (err as Error).name });
  }
  const data = { challenge_id: c.id, device_id: c.deviceId, transport: device.transport, status: result.status };
  if (result.ok) return void (await s.audit.record(c.callId, 'push_delivered', s.clock.now(), data));
  await s.audit.record(c.callId, 'push_delivery_failed', s.clock.now(), { ...data, gone: result.gone });
  if (result.gone) await s.push.dropTarget(device.deviceId, device.target.address, s.clock.now());
}
