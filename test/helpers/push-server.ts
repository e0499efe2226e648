// A real callgate (startServer: config → SQLite file → app → socket) with the example push policy
// in force, one customer and one phone enrolled with the device simulator's key file: what the
// FCM and APNs suites drive over HTTP. Every answer and log line is kept for the secret scans.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrolDevice, main } from '../../src/cli/device/index.js';
import { jsonLogger } from '../../src/kernel/ports.js';
import { startServer, type RunningServer } from '../../src/runtime/node/server.js';

export const DEVICE = 'ada-phone';

export async function startPushServer(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-push-'));
  const policyDir = join(dir, 'policies');
  mkdirSync(policyDir);
  copyFileSync('policies/default.yaml', join(policyDir, 'default.yaml'));
  copyFileSync('policies/examples/push.yaml', join(policyDir, 'push.yaml'));
  const logs: string[] = [];
  const printed: string[] = [];
  const responses: string[] = [];
  const db = join(dir, 'callgate.sqlite');
  const server: RunningServer = await startServer({
    env: { CALLGATE_DB: db, PORT: '0', HOST: '127.0.0.1', CALLGATE_POLICY_DIR: policyDir, ...env },
    print: (l) => printed.push(l),
    logger: jsonLogger((l) => logs.push(l)),
  });
  const cliEnv = { CALLGATE_DB: db, CALLGATE_URL: server.url };

  async function readDb<T>(read: (d: import('better-sqlite3').Database) => T): Promise<T> {
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(db, { readonly: true });
    try {
      return read(sqlite);
    } finally {
      sqlite.close();
    }
  }

  async function http(method: string, path: string, body?: unknown, bearer?: string) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, any> };
  }
  const tool = async (callId: string, action: string, args: Record<string, unknown> = {}) =>
    (await http('POST', '/tools/auth_orchestrator', { call_id: callId, conversation_id: `conv-${callId}`, action, ...args }, server.config.secrets.tool)).body;

  const created = await http('POST', '/admin/customers', { customer_id: 'cust_push', phones: ['+14155550193'], account_refs: ['PUSH-0001'] }, server.config.secrets.admin);
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const enrolled = await enrolDevice({ env: cliEnv, customerId: 'cust_push', deviceId: DEVICE });
  if (!enrolled.ok) throw new Error(enrolled.message);

  return {
    server,
    logs,
    printed,
    responses,
    /** `npm run device -- push-enrol --device ada-phone <args>`: exit code and what it printed. */
    async pushEnrol(args: string[]) {
      const out: string[] = [];
      const code = await main(['push-enrol', '--device', DEVICE, ...args], { out: (l) => out.push(l), err: (l) => out.push(l), env: cliEnv });
      responses.push(...out);
      return { code, out };
    },
    /** `push-approve`: the phone taps the number the call said (ends the pending challenge). */
    async approve(number: string) {
      const out: string[] = [];
      const code = await main(['push-approve', '--device', DEVICE, '--number', number, '--wait', '1'], { out: (l) => out.push(l), err: (l) => out.push(l), env: cliEnv });
      responses.push(...out);
      return { code, out };
    },
    /** A call from the enrolled customer, identified, with a push sent; background delivery done. */
    async pushSend(callId: string) {
      await http('POST', '/elevenlabs/initiation', { call_sid: callId, caller_id: '+14155550193', agent_id: 'agent_1', called_number: '+18005550199' }, server.config.secrets.tool);
      const identified = await tool(callId, 'identify', { account_ref: 'PUSH-0001' });
      if (identified.next_required_step !== 'push_send') throw new Error(JSON.stringify(identified));
      const sent = await tool(callId, 'push_send');
      await server.drain();
      return sent;
    },
    /** The call's audit events, as the admin API shows them. */
    async events(callId: string): Promise<{ type: string; [k: string]: unknown }[]> {
      return (await http('GET', `/admin/calls/${callId}`, undefined, server.config.secrets.admin)).body.events;
    },
    /** The device's push registration as stored. */
    target: () => readDb((d) => d.prepare('select transport, target from push_devices where device_id = ?').get(DEVICE) as { transport: string; target: string | null }),
    /** Every table's rows as JSON, one string per table (for the secret scans). */
    tables: () =>
      readDb((d) =>
        (d.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((t) => JSON.stringify(d.prepare(`select * from ${t.name}`).all())),
      ),
    http,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PushServer = Awaited<ReturnType<typeof startPushServer>>;

/** Every needle absent from every haystack; the message names where and how long (never the value). */
export function expectNoSecrets(haystacks: Record<string, string[]>, needles: string[], expect: (v: unknown, m: string) => { toBeUndefined(): void }) {
  for (const [where, texts] of Object.entries(haystacks)) {
    for (const needle of needles) expect(texts.find((t) => t.includes(needle)), `${where} contains a secret (${needle.length} chars)`).toBeUndefined();
  }
}
