// `npm run device -- <command>`: a companion-app simulator, so a person can walk the Dynamic
// Identifier flow (docs/api.md) by hand against a running `npm start`. It does what the phone app
// does: holds a device-bound P-256 key (here a 0600 JSON file instead of a secure enclave), gets the
// public half enrolled for a customer, and confirms the 6-digit DID the IVR speaks by signing
//   callgate-did-confirm:v1\n{session_id}\n{call_binding}\n{did}\n{nonce}
//
//   npm run device -- enrol --customer cust_ada [--device phone-1]
//   npm run device -- confirm --device phone-1 --did 482916
//   npm run device -- list
//   npm run device -- push-enrol|push-listen|push-approve|push-deny --device phone-1 (docs/push.md)
//
// The core is exported (enrolDevice, confirmDid, listDevices) for the demo and the tests; main()
// only parses arguments and hands each verb (enrol.ts, confirm.ts, list.ts) its flags. Node only.
import { parseArgs } from 'node:util';
import { runIfMain } from '../run-main.js';
import { OPTIONS, type Command, type Io } from './command.js';
import { confirmCommand } from './confirm.js';
import { enrolCommand } from './enrol.js';
import { listCommand } from './list.js';
import { pushCommand } from './push.js';
import { DEFAULT_URL, type ClientOptions } from './settings.js';

export { confirmDid, normalizeDid, type ConfirmOptions, type ConfirmResult } from './confirm.js';
export { enrolDevice, type EnrolOptions, type EnrolResult } from './enrol.js';
export { listDevices, type ListedDevice } from './list.js';
export { pushApprove, pushDeny, pushEnrol, pushListen } from './push.js';
export type { DeviceFile } from './key-file.js';
export type { Io } from './command.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_URL, resolveAdminToken, resolveDeviceDir, resolveUrl, type ClientOptions, type Failure } from './settings.js';

const USAGE = `usage: npm run device -- <command> [options]

A phone-app simulator for the Dynamic Identifier flow: it holds device keys (JSON files, mode 0600)
and confirms the 6-digit DID a call speaks, as the real app would.

  enrol --customer <id> [--device <id>] [--admin-token <t>]
        make a P-256 key pair and enrol its public key for the customer
        (POST /admin/customers/{id}/devices); an existing key file for --device is reused
  confirm --device <id> --did <6 digits>
        POST /app/challenge, sign the challenge, POST /app/confirm; prints the outcome and timing
  list  the device key files
  push-enrol --device <id> [--endpoint <url> --p256dh <key> --auth <secret> | --fcm-token <t> | --apns-token <hex>]
        register the device for push approvals: the pull channel, plus a Web Push subscription, an FCM
        registration token or an APNs device token when given
  push-listen --device <id> [--wait <s>]
        hold the pull channel until a push arrives; prints its three choices
  push-approve --device <id> --number <2 digits> [--challenge <id>] [--wait <s>]
        tap the number the call said (a decoy is refused and counted against the call)
  push-deny --device <id> [--challenge <id>] [--wait <s>]
        "this wasn't me": the call is blocked and pushes to the customer pause

options
  --url <base>          callgate's base URL (else $CALLGATE_URL, else ${DEFAULT_URL})
  --admin-token <t>     for enrol (else $CALLGATE_ADMIN_TOKEN, else dev-secrets.json next to $CALLGATE_DB)
  --json                print the result as JSON
  -h, --help

Key files live in $CALLGATE_DEVICE_DIR, else <dir of $CALLGATE_DB>/devices (./data/devices).
Exit codes: 0 done, 1 refused or unreachable, 2 usage or set-up problem.`;

const nodeIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  enrol: ['url', 'customer', 'device', 'admin-token', 'json', 'help'],
  confirm: ['url', 'device', 'did', 'json', 'help'],
  list: ['json', 'help'],
  'push-enrol': ['url', 'device', 'endpoint', 'p256dh', 'auth', 'fcm-token', 'apns-token', 'json', 'help'],
  'push-listen': ['url', 'device', 'wait', 'json', 'help'],
  'push-approve': ['url', 'device', 'number', 'challenge', 'wait', 'json', 'help'],
  'push-deny': ['url', 'device', 'challenge', 'wait', 'json', 'help'],
};

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  const fail = (message: string) => {
    io.err(`error: ${message}\n\n${USAGE}`);
    return 2;
  };
  const parsed = parseCommandLine(argv);
  if (parsed instanceof Error) return fail(parsed.message);
  const { values, positionals } = parsed;
  const [given, ...extra] = positionals;
  const command = given === 'enroll' ? 'enrol' : given;
  if (command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.out : io.err)(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  const allowed = ALLOWED[command];
  if (!allowed) return fail(`unknown command "${given}"`);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (extra.length) return fail(`unexpected argument "${extra[0]}"`);
  for (const name of Object.keys(values) as (keyof typeof OPTIONS)[])
    if (values[name] !== undefined && !allowed.includes(name)) return fail(`--${name} does not apply to ${command}`);

  const common: ClientOptions = { env: io.env, ...(values.url !== undefined ? { url: values.url } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) };
  const report = (result: { ok: boolean; exitCode: number; message?: string }, human: () => void): number => {
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else if (!result.ok) io.err(`error: ${result.message}`);
    else human();
    return result.exitCode;
  };

  const verb: Command = { values, io, common, fail, report };
  switch (command) {
    case 'enrol':
      return enrolCommand(verb);
    case 'confirm':
      return confirmCommand(verb);
    case 'list':
      return listCommand(verb);
    case 'push-enrol':
    case 'push-listen':
    case 'push-approve':
    case 'push-deny':
      return pushCommand(command, verb);
    default:
      return fail(`unknown command "${given}"`);
  }
}

runIfMain(import.meta.url, main);
