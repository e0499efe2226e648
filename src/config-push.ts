// The native push services for push approvals (docs/push.md): FCM HTTP v1 and APNs, read from the
// environment like every other variable. Keys are checked for shape here (start-up imports them);
// no error line ever repeats a key or the service-account JSON.
import { got, parseUrl } from './config-fields.js';
import { isLoopbackHost } from './loopback.js';
import { pkcs8Der, pkcs8Kind } from './crypto/pem.js';
import type { VarName } from './config-types.js';

export const FCM_DEFAULT_API_URL = 'https://fcm.googleapis.com';
export const APNS_DEFAULT_ORIGINS = { production: 'https://api.push.apple.com', sandbox: 'https://api.sandbox.push.apple.com' } as const;

export interface FcmConfig {
  serviceAccount: { projectId: string; clientEmail: string; privateKey: string; privateKeyId?: string; tokenUri: string };
  /** FCM's API base (a loopback fake in tests). */
  apiUrl: string;
}

export interface ApnsConfig {
  /** The .p8 key's PEM text. */
  key: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id (`apns-topic`). */
  topic: string;
  env: 'production' | 'sandbox';
  origin: string;
}

/** https anywhere; plain http only to this machine (a test's fake), never across a network. */
function serviceUrl(v: string): string | undefined {
  const u = parseUrl(v);
  if (!u || u.username || u.password || u.search || u.hash) return undefined;
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return v.replace(/\/+$/, '');
  return undefined;
}

const str = (o: Record<string, unknown>, k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);

function serviceAccount(text: string, errors: string[]): FcmConfig['serviceAccount'] | undefined {
  const name = 'CALLGATE_FCM_SERVICE_ACCOUNT';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    errors.push(`${name}: must be the service account's JSON key file (it does not parse as JSON)`);
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    errors.push(`${name}: must be the service account's JSON key file (a JSON object)`);
    return undefined;
  }
  const o = json as Record<string, unknown>;
  const before = errors.length;
  if (o.type !== undefined && o.type !== 'service_account') errors.push(`${name}: "type" must be "service_account"`);
  const projectId = str(o, 'project_id');
  if (!projectId || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId)) errors.push(`${name}: "project_id" must be a Google Cloud project id`);
  const clientEmail = str(o, 'client_email');
  if (!clientEmail || !/^[^@\s]+@[^@\s]+$/.test(clientEmail)) errors.push(`${name}: "client_email" must be the service account's email`);
  const privateKey = str(o, 'private_key');
  const der = privateKey ? pkcs8Der(privateKey) : null;
  if (!der || pkcs8Kind(der) !== 'rsa') errors.push(`${name}: "private_key" must be the account's RSA key as PKCS#8 PEM (BEGIN PRIVATE KEY)`);
  const tokenUriText = str(o, 'token_uri');
  const tokenUri = tokenUriText ? serviceUrl(tokenUriText) : undefined;
  if (!tokenUri) errors.push(`${name}: "token_uri" must be an https URL (plain http only to localhost)`);
  const privateKeyId = str(o, 'private_key_id');
  if (errors.length > before) return undefined;
  return { projectId: projectId!, clientEmail: clientEmail!, privateKey: privateKey!, tokenUri: tokenUri!, ...(privateKeyId ? { privateKeyId } : {}) };
}

/** FCM and APNs from the environment: each all-or-nothing, one line per problem, each naming its variable. */
export function loadPushServices(raw: (name: VarName) => string | undefined): { errors: string[]; fcm?: FcmConfig; apns?: ApnsConfig } {
  const errors: string[] = [];
  const out: { fcm?: FcmConfig; apns?: ApnsConfig } = {};

  // FCM.
  const fcmText = raw('CALLGATE_FCM_SERVICE_ACCOUNT');
  const fcmUrlText = raw('CALLGATE_FCM_API_URL');
  const fcmUrl = fcmUrlText === undefined ? FCM_DEFAULT_API_URL : serviceUrl(fcmUrlText);
  if (fcmUrl === undefined) errors.push('CALLGATE_FCM_API_URL: must be an https base URL (plain http only to localhost), without credentials');
  if (fcmText === undefined && fcmUrlText !== undefined) errors.push('CALLGATE_FCM_SERVICE_ACCOUNT: required with CALLGATE_FCM_API_URL (FCM)');
  const account = fcmText === undefined ? undefined : serviceAccount(fcmText, errors);
  if (account && fcmUrl) out.fcm = { serviceAccount: account, apiUrl: fcmUrl };

  // APNs: the key, its id, the team and the app's bundle id belong together.
  const key = raw('CALLGATE_APNS_KEY');
  const keyId = raw('CALLGATE_APNS_KEY_ID');
  const teamId = raw('CALLGATE_APNS_TEAM_ID');
  const topic = raw('CALLGATE_APNS_TOPIC');
  const envText = raw('CALLGATE_APNS_ENV');
  const originText = raw('CALLGATE_APNS_ORIGIN');
  const parts = { CALLGATE_APNS_KEY: key, CALLGATE_APNS_KEY_ID: keyId, CALLGATE_APNS_TEAM_ID: teamId, CALLGATE_APNS_TOPIC: topic };
  const set = Object.keys(parts).filter((k) => parts[k as keyof typeof parts] !== undefined);
  const before = errors.length;
  if (set.length > 0) {
    for (const [name, v] of Object.entries(parts)) if (v === undefined) errors.push(`${name}: required with ${set.join(', ')} (APNs)`);
  } else {
    for (const [name, v] of [['CALLGATE_APNS_ENV', envText], ['CALLGATE_APNS_ORIGIN', originText]] as const)
      if (v !== undefined) errors.push(`CALLGATE_APNS_KEY: required with ${name} (APNs; and CALLGATE_APNS_KEY_ID, CALLGATE_APNS_TEAM_ID, CALLGATE_APNS_TOPIC)`);
  }
  const der = key === undefined ? null : pkcs8Der(key);
  if (key !== undefined && (!der || pkcs8Kind(der) !== 'p256'))
    errors.push('CALLGATE_APNS_KEY: must be the .p8 key file Apple issued (a P-256 key as PKCS#8 PEM, BEGIN PRIVATE KEY)');
  if (keyId !== undefined && !/^[A-Z0-9]{10}$/.test(keyId)) errors.push(`CALLGATE_APNS_KEY_ID: must be the key's 10-character id, ${got(keyId)}`);
  if (teamId !== undefined && !/^[A-Z0-9]{10}$/.test(teamId)) errors.push(`CALLGATE_APNS_TEAM_ID: must be the 10-character Team ID, ${got(teamId)}`);
  if (topic !== undefined && !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(topic)) errors.push(`CALLGATE_APNS_TOPIC: must be the app's bundle id (com.example.app), ${got(topic)}`);
  if (envText !== undefined && envText !== 'production' && envText !== 'sandbox') errors.push(`CALLGATE_APNS_ENV: must be production or sandbox, ${got(envText)}`);
  const env = envText === 'sandbox' ? 'sandbox' : 'production';
  const origin = originText === undefined ? APNS_DEFAULT_ORIGINS[env] : serviceUrl(originText);
  if (origin === undefined) errors.push('CALLGATE_APNS_ORIGIN: must be an https origin (plain http only to localhost), without credentials');
  if (errors.length === before && key && keyId && teamId && topic && origin) out.apns = { key, keyId, teamId, topic, env, origin };

  return { errors, ...out };
}
