// push-enrol, push-listen, push-approve, push-deny: what the phone app does for a push approval
// (docs/push.md). The device's key file (from `enrol`) signs every request; nothing else is needed.
import { approveBody, denyBody, pollQuery, registerBody, type AppChallenge } from '../../factors/push/app-device.js';
import type { Command } from './command.js';
import { post, refusal } from './http.js';
import { loadDevice } from './key-file.js';
import { DEFAULT_TIMEOUT_MS, ID_RE, resolveDeviceDir, resolveUrl, usage, type ClientOptions, type Failure } from './settings.js';

export interface PushOptions extends ClientOptions {
  deviceId: string;
  /** The clock signed timestamps are read from (the demo's server runs on a moved clock). */
  now?: () => number;
}

type Loaded = { base: string; key: CryptoKey; customerId: string };

async function open(o: PushOptions): Promise<Loaded | Failure> {
  if (typeof o.deviceId !== 'string' || !ID_RE.test(o.deviceId)) return usage(`--device: must be 1–64 letters, digits, . _ - (got ${JSON.stringify(o.deviceId ?? '')})`);
  const base = resolveUrl(o);
  if (typeof base !== 'string') return base;
  const device = await loadDevice(resolveDeviceDir(o), o.deviceId);
  if (!device.ok) return device;
  return { base, key: device.key, customerId: device.data.customer_id };
}

const isFailure = (v: unknown): v is Failure => typeof v === 'object' && v !== null && (v as Failure).ok === false;

/** `push-enrol`: register the device for pushes (the pull channel, or a Web Push subscription, FCM or APNs token on top). */
export async function pushEnrol(o: PushOptions & { endpoint?: string; p256dh?: string; auth?: string; fcmToken?: string; apnsToken?: string }) {
  const d = await open(o);
  if (isFailure(d)) return d;
  const transport = o.endpoint !== undefined ? 'webpush' : o.fcmToken !== undefined ? 'fcm' : o.apnsToken !== undefined ? 'apns' : 'pull';
  const address = o.endpoint ?? o.fcmToken ?? o.apnsToken;
  const body = await registerBody(d.key, { deviceId: o.deviceId, transport, address, p256dh: o.p256dh, auth: o.auth }, (o.now ?? Date.now)());
  const res = await post(o, d.base, '/app/push/register', body);
  if (!res.ok) return res;
  if (res.status !== 200) return refusal(`registering ${o.deviceId} for pushes`, res.status, res.body, () => undefined);
  return { ok: true as const, exitCode: 0 as const, deviceId: o.deviceId, transport: String(res.body.transport) };
}

/** `push-listen`: hold the pull channel until a push arrives (or `waitSeconds` pass). */
export async function pushListen(o: PushOptions & { waitSeconds?: number }) {
  const d = await open(o);
  if (isFailure(d)) return d;
  const wait = Math.min(o.waitSeconds ?? 25, 25);
  const url = `${d.base}/app/push/pending?${await pollQuery(d.key, o.deviceId, (o.now ?? Date.now)(), wait)}`;
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout((o.timeoutMs ?? DEFAULT_TIMEOUT_MS) + wait * 1000) });
  } catch (err) {
    return { ok: false as const, exitCode: 1 as const, reason: 'unreachable', message: `cannot reach callgate at ${d.base}: ${(err as Error).message}` };
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 200) return refusal('listening for pushes', res.status, body, (r) => (r === 'unknown_device' ? `register first: npm run device -- push-enrol --device ${o.deviceId}` : undefined));
  return { ok: true as const, exitCode: 0 as const, deviceId: o.deviceId, challenges: (body.challenges ?? []) as AppChallenge[] };
}

/** The challenge to answer: the one named, else the oldest pending (waiting for one if none yet). */
async function pick(o: PushOptions & { challengeId?: string; waitSeconds?: number }) {
  const listened = await pushListen(o);
  if (!listened.ok) return listened;
  const c = o.challengeId ? listened.challenges.find((x) => x.challenge_id === o.challengeId) : listened.challenges[0];
  if (!c) return { ok: false as const, exitCode: 1 as const, reason: 'no_push', message: `no pending push for ${o.deviceId}${o.challengeId ? ` with id ${o.challengeId}` : ''}` };
  return c;
}

/** `push-approve`: tap the number the call said among the three choices. */
export async function pushApprove(o: PushOptions & { number: string; challengeId?: string; waitSeconds?: number }) {
  if (!/^\d{2}$/.test(o.number ?? '')) return usage(`--number: the two digits the call said (got ${JSON.stringify(o.number ?? '')})`);
  const d = await open(o);
  if (isFailure(d)) return d;
  const c = await pick(o);
  if (isFailure(c)) return c;
  const started = performance.now();
  const res = await post(o, d.base, '/app/push/approve', await approveBody(d.key, o.deviceId, c, o.number));
  if (!res.ok) return res;
  if (res.status !== 200)
    return refusal(`approving ${c.challenge_id}`, res.status, res.body, (r) => (r === 'wrong_number' ? `${o.number} was a decoy: the push is refused and the call records a failed check` : undefined));
  return { ok: true as const, exitCode: 0 as const, status: 'approved', challengeId: c.challenge_id, choices: c.choices, roundTripMs: Math.round(performance.now() - started) };
}

/** `push-deny`: "this wasn't me". */
export async function pushDeny(o: PushOptions & { challengeId?: string; waitSeconds?: number }) {
  const d = await open(o);
  if (isFailure(d)) return d;
  const c = await pick(o);
  if (isFailure(c)) return c;
  const res = await post(o, d.base, '/app/push/deny', await denyBody(d.key, o.deviceId, c));
  if (!res.ok) return res;
  if (res.status !== 200) return refusal(`denying ${c.challenge_id}`, res.status, res.body, () => undefined);
  return { ok: true as const, exitCode: 0 as const, status: 'denied', challengeId: c.challenge_id };
}

export async function pushCommand(verb: 'push-enrol' | 'push-listen' | 'push-approve' | 'push-deny', { values, common, fail, report, io }: Command): Promise<number> {
  if (values.device === undefined) return fail(`${verb} needs --device <id>`);
  const wait = values.wait === undefined ? undefined : Number(values.wait);
  if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0 && wait <= 25)) return fail('--wait: whole seconds, 0 to 25');
  const o = { ...common, deviceId: values.device, ...(wait !== undefined ? { waitSeconds: wait } : {}), ...(values.challenge ? { challengeId: values.challenge } : {}) };
  switch (verb) {
    case 'push-enrol': {
      if ((values.endpoint === undefined) !== (values.p256dh === undefined) || (values.endpoint === undefined) !== (values.auth === undefined))
        return fail('a Web Push subscription needs --endpoint, --p256dh and --auth together');
      if ([values.endpoint, values['fcm-token'], values['apns-token']].filter((v) => v !== undefined).length > 1)
        return fail('one push target at a time: --endpoint (Web Push), --fcm-token or --apns-token');
      const r = await pushEnrol({ ...o, endpoint: values.endpoint, p256dh: values.p256dh, auth: values.auth, fcmToken: values['fcm-token'], apnsToken: values['apns-token'] });
      if (!r.ok && r.reason === 'usage') return fail(r.message);
      return report(r, () => r.ok && io.out(`registered ${r.deviceId} for pushes (${r.transport})`));
    }
    case 'push-listen': {
      const r = await pushListen(o);
      return report(r, () => {
        if (!r.ok) return;
        if (r.challenges.length === 0) io.out('no push yet');
        for (const c of r.challenges) io.out(`push ${c.challenge_id}: choose one of ${c.choices.join('  ')} (until ${c.expires_at})`);
      });
    }
    case 'push-approve': {
      if (values.number === undefined) return fail('push-approve needs --number <the two digits the call said>');
      const r = await pushApprove({ ...o, number: values.number });
      if (!r.ok && r.reason === 'usage') return fail(r.message);
      return report(r, () => r.ok && io.out(`approved ${r.challengeId} with ${values.number} (choices ${r.choices.join(' ')}) in ${r.roundTripMs} ms`));
    }
    case 'push-deny': {
      const r = await pushDeny(o);
      return report(r, () => r.ok && io.out(`denied ${r.challengeId}: "this wasn't me"`));
    }
  }
}
