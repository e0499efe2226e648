// A local APNs provider API that speaks Apple's wire format over HTTP/2 (h2c on loopback: the
// same node:http2 client callgate uses, without TLS): POST /3/device/<hex token>, an ES256
// provider token verified with the team key's public half (kid, iss, and an iat younger than an
// hour), apns-topic / apns-push-type / apns-priority / apns-expiration checked, and Apple's answers:
// 200 with apns-id, 400 BadDeviceToken, 403 ExpiredProviderToken / InvalidProviderToken,
// 410 Unregistered with a timestamp. Written with node:crypto, independently of the adapter.
import { generateKeyPairSync, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface ApnsDelivery {
  deviceToken: string;
  headers: IncomingHttpHeaders;
  payload: { aps: Record<string, unknown> } & Record<string, unknown>;
  providerToken: string;
  apnsId: string;
}

/** The refusal reason for a provider token, or undefined when it is good. */
function checkProviderToken(jwt: string, key: KeyObject, keyId: string, teamId: string, expired: Set<string>): string | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'InvalidProviderToken';
  const [h, p, s] = parts as [string, string, string];
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return 'InvalidProviderToken';
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const c = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  if (head.alg !== 'ES256' || head.kid !== keyId || c.iss !== teamId || typeof c.iat !== 'number') return 'InvalidProviderToken';
  const now = Date.now() / 1000;
  if (c.iat > now + 60) return 'InvalidProviderToken';
  if (now - c.iat > 3600 || expired.has(jwt)) return 'ExpiredProviderToken';
  return undefined;
}

export async function startFakeApns(topic = 'com.example.bank') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyId = randomBytes(5).toString('hex').toUpperCase();
  const teamId = randomBytes(5).toString('hex').toUpperCase();
  const devices = new Map<string, { unregisteredAt?: number }>();
  const deliveries: ApnsDelivery[] = [];
  const refusals: string[] = [];
  const providerTokens = new Set<string>();
  const expired = new Set<string>();

  const server = createServer();
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const answer = (status: number, reason?: string, extra: Record<string, unknown> = {}) => {
        const apnsId = randomUUID().toUpperCase();
        if (reason) refusals.push(reason);
        stream.respond({ ':status': status, 'apns-id': apnsId, ...(reason ? { 'content-type': 'application/json' } : {}) });
        stream.end(reason ? JSON.stringify({ reason, ...extra }) : undefined);
        return apnsId;
      };
      const m = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(String(headers[':path']));
      if (headers[':method'] !== 'POST') return answer(405, 'MethodNotAllowed');
      if (!m) return answer(404, 'BadPath');
      const jwt = /^bearer (\S+)$/i.exec(String(headers.authorization ?? ''))?.[1];
      if (!jwt) return answer(403, 'MissingProviderToken');
      const refused = checkProviderToken(jwt, publicKey, keyId, teamId, expired);
      if (refused) return answer(403, refused);
      providerTokens.add(jwt);
      if (!headers['apns-topic']) return answer(400, 'MissingTopic');
      if (headers['apns-topic'] !== topic) return answer(400, 'DeviceTokenNotForTopic');
      const pushType = headers['apns-push-type'];
      if (pushType !== 'alert' && pushType !== 'background') return answer(400, 'InvalidPushType');
      if (headers['apns-priority'] !== undefined && !['5', '10'].includes(String(headers['apns-priority']))) return answer(400, 'BadPriority');
      if (pushType === 'background' && headers['apns-priority'] === '10') return answer(400, 'BadPriority');
      if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(String(headers['apns-expiration']))) return answer(400, 'BadExpirationDate');
      if (headers['apns-collapse-id'] !== undefined && Buffer.byteLength(String(headers['apns-collapse-id'])) > 64) return answer(400, 'BadCollapseId');
      const body = Buffer.concat(chunks);
      if (body.length > 4096) return answer(413, 'PayloadTooLarge');
      let payload: ApnsDelivery['payload'];
      try {
        payload = JSON.parse(body.toString('utf8')) as ApnsDelivery['payload'];
        if (typeof payload.aps !== 'object' || payload.aps === null) throw new Error();
      } catch {
        return answer(400, 'PayloadEmpty');
      }
      if (pushType === 'alert' && !payload.aps.alert) return answer(400, 'BadPayload');
      const token = m[1]!.toLowerCase();
      const device = devices.get(token);
      if (!device) return answer(400, 'BadDeviceToken');
      if (device.unregisteredAt !== undefined) return answer(410, 'Unregistered', { timestamp: device.unregisteredAt });
      const apnsId = randomUUID().toUpperCase();
      deliveries.push({ deviceToken: token, headers, payload, providerToken: jwt, apnsId });
      stream.respond({ ':status': 200, 'apns-id': apnsId });
      stream.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    topic,
    keyId,
    teamId,
    /** The .p8 file Apple lets the team download once. */
    p8: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    deliveries,
    refusals,
    /** Every distinct provider token APNs accepted. */
    providerTokens,
    /** A device token for an installed app, as `registerForRemoteNotifications` gives it (hex). */
    register(): string {
      const token = randomBytes(32).toString('hex');
      devices.set(token, {});
      return token;
    },
    /** The app was removed: APNs answers 410 Unregistered from now on. */
    unregister(token: string) {
      devices.set(token, { unregisteredAt: Date.now() });
    },
    /** Every provider token seen so far is answered ExpiredProviderToken from now on. */
    expireProviderTokens() {
      for (const t of providerTokens) expired.add(t);
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        // A client's idle session must not hold the fake open.
        for (const session of sessions) session.destroy();
      }),
  };
}

export type FakeApns = Awaited<ReturnType<typeof startFakeApns>>;
