// The exact UTF-8 strings the phone app signs with its device key (ECDSA P-256 / SHA-256,
// base64url of the 64-byte P1363 r‖s, the same key and encoding as the DID confirmation):
//
//   approve:  callgate-push-approve:v1\n{challenge_id}\n{call_binding}\n{number}\n{nonce}
//   deny:     callgate-push-deny:v1\n{challenge_id}\n{call_binding}\n{nonce}
//   poll:     callgate-push-poll:v1\n{device_id}\n{timestamp}
//   register: callgate-push-register:v1\n{device_id}\n{timestamp}\n{transport}\n{address}\n{p256dh}\n{auth}
//
// `timestamp` is the request's Unix time in milliseconds (decimal), accepted within a few minutes
// of the server's clock; an absent register field is "-". The verifier builds each string from
// the values it stored, never from the client's copies. docs/push.md is the app team's reference.

export const APPROVE_PREFIX = 'callgate-push-approve:v1';
export const DENY_PREFIX = 'callgate-push-deny:v1';
export const POLL_PREFIX = 'callgate-push-poll:v1';
export const REGISTER_PREFIX = 'callgate-push-register:v1';

/** Every field a single line: a newline inside one would let two tuples sign the same bytes. */
function lines(prefix: string, fields: readonly string[]): string {
  for (const v of fields) {
    if (typeof v !== 'string') throw new TypeError('push message fields must be strings');
    if (v.includes('\n')) throw new TypeError('push message fields must not contain a newline');
  }
  return [prefix, ...fields].join('\n');
}

export interface ChallengeFields {
  challengeId: string;
  callBinding: string;
  nonce: string;
}

export const approveMessage = (c: ChallengeFields & { number: string }) => lines(APPROVE_PREFIX, [c.challengeId, c.callBinding, c.number, c.nonce]);
export const denyMessage = (c: ChallengeFields) => lines(DENY_PREFIX, [c.challengeId, c.callBinding, c.nonce]);
export const pollMessage = (deviceId: string, timestamp: number) => lines(POLL_PREFIX, [deviceId, String(timestamp)]);

export interface RegisterFields {
  deviceId: string;
  timestamp: number;
  transport: string;
  address?: string | undefined;
  p256dh?: string | undefined;
  auth?: string | undefined;
}

export const registerMessage = (r: RegisterFields) =>
  lines(REGISTER_PREFIX, [r.deviceId, String(r.timestamp), r.transport, r.address ?? '-', r.p256dh ?? '-', r.auth ?? '-']);
