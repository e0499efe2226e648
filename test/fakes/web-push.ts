// A local push service that speaks Web Push as a browser vendor's does: RFC 8030 delivery
// (POST to the subscription endpoint → 201 Created, 404/410 for a subscription that is gone),
// RFC 8292 VAPID (the ES256 JWT is verified with the `k` key: audience, expiry, subject) and
// RFC 8291 aes128gcm payloads, decrypted with the subscription's own private key as a user agent
// would. Written with node:crypto, independently of the sender it checks.
import { createECDH, createPublicKey, createDecipheriv, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSubscription {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushedMessage {
  subscriptionId: string;
  headers: IncomingHttpHeaders;
  /** The decrypted payload, parsed as JSON. */
  payload: Record<string, unknown>;
  vapid: { aud: string; sub: string; exp: number; k: string };
}

/** RFC 8291 §3.4 + RFC 8188, the receiving side: the plaintext of an aes128gcm body. */
export function decryptAes128gcm(body: Buffer, uaPrivate: Buffer, uaPublic: Buffer, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(uaPrivate);
  const secret = ecdh.computeSecret(asPublic);
  const info = (s: string, ...more: Buffer[]) => Buffer.concat([Buffer.from(s, 'latin1'), ...more]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, auth, info('WebPush: info\0', uaPublic, asPublic), 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, info('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, info('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const record = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // Strip the padding and the last-record delimiter (0x02).
  let end = record.length - 1;
  while (end >= 0 && record[end] === 0) end--;
  if (record[end] !== 2) throw new Error('not a last record');
  return record.subarray(0, end);
}

/** Verifies `vapid t=…, k=…` for a request to `origin`; the claims, or a reason it is refused. */
function checkVapid(header: string | undefined, origin: string): PushedMessage['vapid'] | string {
  const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!m) return 'no vapid authorization';
  const [, h, p, sig, k] = m as unknown as [string, string, string, string, string];
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) return 'k is not a P-256 point';
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  if (!ok) return 'bad JWT signature';
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  const now = Date.now() / 1000;
  if (head.alg !== 'ES256') return 'alg is not ES256';
  if (claims.aud !== origin) return 'wrong aud';
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 86_400) return 'exp outside 24 hours';
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return 'no sub contact';
  return { aud: claims.aud, sub: claims.sub, exp: claims.exp, k };
}

export async function startFakePushService() {
  const subs = new Map<string, { priv: Buffer; pub: Buffer; auth: Buffer; gone: boolean }>();
  const messages: PushedMessage[] = [];
  const refusals: string[] = [];
  const waiters = new Set<() => void>();
  let origin = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const refuse = (status: number, why: string) => {
        refusals.push(why);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
      };
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      const sub = id ? subs.get(id) : undefined;
      if (req.method !== 'POST' || !id || !sub) return refuse(404, 'no such subscription');
      if (sub.gone) return refuse(410, 'unsubscribed');
      const vapid = checkVapid(req.headers.authorization, origin);
      if (typeof vapid === 'string') return refuse(401, vapid);
      if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(400, 'content-encoding must be aes128gcm');
      if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) return refuse(400, 'TTL header required');
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(decryptAes128gcm(Buffer.concat(chunks), sub.priv, sub.pub, sub.auth).toString('utf8')) as Record<string, unknown>;
      } catch {
        return refuse(400, 'payload does not decrypt');
      }
      messages.push({ subscriptionId: id, headers: req.headers, payload, vapid });
      for (const w of waiters) w();
      res.writeHead(201, { location: `${origin}/message/${randomBytes(8).toString('hex')}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    messages,
    refusals,
    /** A new subscription, as PushManager.subscribe() would make in a browser. */
    subscribe(): FakeSubscription {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const id = randomBytes(12).toString('base64url');
      const auth = randomBytes(16);
      subs.set(id, { priv: ecdh.getPrivateKey(), pub: ecdh.getPublicKey(), auth, gone: false });
      return { id, endpoint: `${origin}/push/${id}`, p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') };
    },
    /** The user unsubscribed: further pushes answer 410 Gone. */
    unsubscribe(id: string) {
      subs.get(id)!.gone = true;
    },
    waitForMessages(count: number, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${messages.length} of ${count} pushes arrived (refused: ${refusals.join('; ')})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type FakePushService = Awaited<ReturnType<typeof startFakePushService>>;
