import type { Config } from '../../../config.js';
import type { PushSender } from '../../../kernel/index.js';
import { apnsAdapter, type ApnsTransport } from './apns.js';
import { fcmAdapter } from './fcm.js';
import { importSigningKey } from './jwt.js';
import { createPushSender, webPushAdapter, type PushAdapter } from './sender.js';
import { importVapidKey } from './vapid.js';

/** Start-up refused: one line per problem, naming its variable (never a key). */
export class PushConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export interface PushDeliveryDeps {
  fetch?: typeof fetch;
  /** The HTTP/2 client APNs needs; a runtime without one cannot deliver to APNs. */
  apnsTransport?: ApnsTransport;
}

/**
 * The push sender the configuration asks for: Web Push, FCM and APNs, each when configured (none:
 * devices use the pull channel only). Keys are imported here, so a key WebCrypto refuses stops
 * start-up instead of every push.
 */
export async function pushSenderFromConfig(config: Config, deps: PushDeliveryDeps = {}): Promise<PushSender | undefined> {
  const adapters: Partial<Record<'webpush' | 'fcm' | 'apns', PushAdapter>> = {};
  const errors: string[] = [];
  const fetchOpt = deps.fetch ? { fetch: deps.fetch } : {};
  if (config.webPush.vapidPrivateJwk && config.webPush.subject) {
    adapters.webpush = webPushAdapter({ vapid: await importVapidKey(config.webPush.vapidPrivateJwk), subject: config.webPush.subject, ...fetchOpt });
  }
  if (config.fcm) {
    const { serviceAccount, apiUrl } = config.fcm;
    await importSigningKey(serviceAccount.privateKey, 'RS256').then(
      () => (adapters.fcm = fcmAdapter({ serviceAccount, apiUrl, ...fetchOpt })),
      () => errors.push('CALLGATE_FCM_SERVICE_ACCOUNT: "private_key" does not import as an RSA signing key'),
    );
  }
  if (config.apns) {
    const { key, keyId, teamId, topic, origin } = config.apns;
    if (!deps.apnsTransport) errors.push('CALLGATE_APNS_KEY: this runtime has no HTTP/2 client, which APNs requires');
    else
      await importSigningKey(key, 'ES256').then(
        () => (adapters.apns = apnsAdapter({ key, keyId, teamId, topic, origin, transport: deps.apnsTransport! })),
        () => errors.push('CALLGATE_APNS_KEY: does not import as a P-256 signing key'),
      );
  }
  if (errors.length) throw new PushConfigError(errors);
  return Object.keys(adapters).length ? createPushSender(adapters) : undefined;
}
