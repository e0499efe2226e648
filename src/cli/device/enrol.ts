// `enrol`: make (or reuse) a device key and enrol its public half for a customer.
import { rmSync } from 'node:fs';
import { toHex } from '../../crypto/bytes.js';
import { generateDeviceKeyPair, type DevicePublicJwk } from '../../crypto/device-signature.js';
import type { Command } from './command.js';
import { missingRoute, post, refusal } from './http.js';
import { deviceFilePath, loadDevice, writeDeviceFile, type DeviceFile } from './key-file.js';
import { ID_RE, resolveAdminToken, resolveDeviceDir, resolveUrl, usage, type ClientOptions, type Failure } from './settings.js';

export interface EnrolOptions extends ClientOptions {
  customerId: string;
  /** Default: a fresh `phone-<32 hex>`. An existing key file for this id is reused. */
  deviceId?: string;
  /** Else $CALLGATE_ADMIN_TOKEN, else the dev secrets file next to CALLGATE_DB. */
  adminToken?: string;
}

export type EnrolResult =
  | {
      ok: true;
      exitCode: 0;
      /** 201 newly enrolled, 200 the server already had exactly this key for this customer. */
      status: 200 | 201;
      deviceId: string;
      customerId: string;
      file: string;
      publicJwk: DevicePublicJwk;
      /** True when an existing key file was reused rather than a new key generated. */
      reusedKey: boolean;
    }
  | Failure;

/**
 * Makes (or reuses) the device key file and enrols its public key for the customer with
 * `POST /admin/customers/{id}/devices`. A key file made by this call is deleted again when the
 * server refuses it; when the server cannot be reached it is kept, so the same --device retries.
 */
export async function enrolDevice(o: EnrolOptions): Promise<EnrolResult> {
  if (typeof o.customerId !== 'string' || !ID_RE.test(o.customerId))
    return usage(`--customer: must be 1–64 letters, digits, . _ - (got ${JSON.stringify(o.customerId ?? '')})`);
  if (o.deviceId !== undefined && !ID_RE.test(o.deviceId))
    return usage(`--device: must be 1–64 letters, digits, . _ - not starting with a dot (got ${JSON.stringify(o.deviceId)})`);
  const base = resolveUrl(o);
  if (typeof base !== 'string') return base;
  const admin = resolveAdminToken(o);
  if ('ok' in admin) return admin;
  const dir = resolveDeviceDir(o);

  // The key file: reuse the one this device id already has, else make one.
  let deviceId = o.deviceId ?? newDeviceId();
  let file = deviceFilePath(dir, deviceId);
  let data: DeviceFile | undefined;
  let created = false;
  const existing = o.deviceId === undefined ? undefined : await loadDevice(dir, deviceId);
  if (existing?.ok) {
    if (existing.data.customer_id !== o.customerId)
      return usage(
        `device "${deviceId}" already belongs to customer "${existing.data.customer_id}" (${existing.file}); choose another --device`,
        'device_taken_locally',
      );
    data = existing.data;
  } else if (existing && !existing.ok && existing.reason !== 'unknown_device') {
    return existing;
  }
  if (!data) {
    const { publicJwk, privateJwk } = await generateDeviceKeyPair();
    for (;;) {
      data = {
        version: 1,
        device_id: deviceId,
        customer_id: o.customerId,
        public_key_jwk: publicJwk,
        private_key_jwk: privateJwk,
        created_at: new Date().toISOString(),
        enrolled_at: null,
        server_url: base,
      };
      if (writeDeviceFile(file, data, true)) break;
      // Someone made this file between our look and our write.
      if (o.deviceId !== undefined) return usage(`${file} appeared while enrolling; run the command again`);
      deviceId = newDeviceId();
      file = deviceFilePath(dir, deviceId);
    }
    created = true;
  }

  const path = `/admin/customers/${encodeURIComponent(o.customerId)}/devices`;
  const answer = await post(o, base, path, { device_id: deviceId, public_key_jwk: data.public_key_jwk }, admin.token);
  if (!answer.ok) {
    if (created && answer.reason !== 'unreachable') rmSync(file, { force: true });
    if (answer.reason === 'unreachable')
      answer.message += `\nthe key is kept in ${file}; retry with: npm run device -- enrol --customer ${o.customerId} --device ${deviceId}`;
    return answer;
  }
  if (answer.status !== 201 && answer.status !== 200) {
    if (created) rmSync(file, { force: true });
    return refusal(`enrolling device "${deviceId}" for customer "${o.customerId}"`, answer.status, answer.body, (reason) => {
      if (answer.status === 401)
        return `the admin token (from ${admin.source}) is not the one the server at ${base} uses; pass --admin-token or set CALLGATE_ADMIN_TOKEN`;
      if (reason === 'unknown_customer')
        return `no customer "${o.customerId}" on ${base}; create it first (POST /admin/customers, or npm run seed:demo)`;
      if (reason === 'device_exists')
        return `the server already has device "${deviceId}" with another key or customer; choose another --device`;
      if (answer.status === 404 && reason === 'not_found') return missingRoute(base, path);
      return undefined;
    });
  }
  data = { ...data, enrolled_at: new Date().toISOString(), server_url: base };
  writeDeviceFile(file, data, false);
  return {
    ok: true,
    exitCode: 0,
    status: answer.status,
    deviceId,
    customerId: o.customerId,
    file,
    publicJwk: data.public_key_jwk,
    reusedKey: !created,
  };
}

function newDeviceId(): string {
  // 128 random bits: a device id is not a credential, but knowing one lets a stranger spend its
  // customer's DID budget (docs/security.md), so it must not be guessable.
  return `phone-${toHex(crypto.getRandomValues(new Uint8Array(16)))}`;
}

export async function enrolCommand({ values, io, common, fail, report }: Command): Promise<number> {
  if (values.customer === undefined) return fail('enrol needs --customer <id>');
  const r = await enrolDevice({
    ...common,
    customerId: values.customer,
    ...(values.device !== undefined ? { deviceId: values.device } : {}),
    ...(values['admin-token'] !== undefined ? { adminToken: values['admin-token'] } : {}),
  });
  if (!r.ok && r.reason === 'usage') return fail(r.message);
  return report(r, () => {
    if (!r.ok) return;
    io.out(
      `${r.status === 201 ? 'enrolled' : 'already enrolled'}: device ${r.deviceId} for customer ${r.customerId} (${r.status})` +
        (r.reusedKey ? ', existing key reused' : ''),
    );
    io.out(`  key file: ${r.file} (0600)`);
    io.out(`  next: when a call speaks a DID, run: npm run device -- confirm --device ${r.deviceId} --did <6 digits>`);
  });
}
