// `npm run policy -- explain <call_id> [--json]`: why a recorded call got its decision.
// Reads the server's database (CALLGATE_DB, default ./data/callgate.sqlite) and the policy folder
// (CALLGATE_POLICY_DIR, default ./policies); starts no server and changes no call. The audit trail
// holds outcomes and labels only, so nothing printed here is a code, an answer or a secret.
import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config.js';
import { evaluate, formatPolicyError, policyFromContent, type Policy } from '../policy/index.js';
import { describeEvent, gateOutcome, iso, list, rel, summary } from './explain-lines.js';
import { loadPolicyDir } from '../runtime/node/policy-dir.js';
import { openSqlite } from '../runtime/node/sqlite.js';
import { createCallStore } from '../store/calls.js';
import { createEventStore, type EventRow } from '../store/events.js';
import type { CallRow } from '../store/schema/calls.js';
import { createPolicyStore } from '../store/policies.js';
import { postAuthTools } from '../../tools/post-auth/index.js';

export interface ExplainIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Epoch ms the current policy is evaluated at (tests pin it). */
  now?: () => number;
}

const nodeIo: ExplainIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

const USAGE = 'usage: npm run policy -- explain <call_id> [--json]';

const setting = (env: Record<string, string | undefined>, name: string, fallback: string) => {
  const v = env[name]?.trim();
  return v ? v : fallback;
};

export default async function explain(callId: string, argv: string[], io: ExplainIo = nodeIo): Promise<number> {
  const json = argv.includes('--json');
  const unknown = argv.filter((a) => a !== '--json');
  if (!callId || unknown.length > 0) {
    io.err(unknown.length > 0 ? `explain: unknown argument ${unknown.join(' ')}\n${USAGE}` : USAGE);
    return 2;
  }

  const dbPath = setting(io.env, 'CALLGATE_DB', DEFAULTS.CALLGATE_DB);
  const policyDir = setting(io.env, 'CALLGATE_POLICY_DIR', DEFAULTS.CALLGATE_POLICY_DIR);
  if (dbPath === ':memory:') {
    io.err('explain: CALLGATE_DB is :memory:, so no call outlives the server; point it at the server\'s database file');
    return 1;
  }
  if (!existsSync(dbPath)) {
    io.err(`explain: no database at ${dbPath} (set CALLGATE_DB to the server's database file)`);
    return 1;
  }

  const sqlite = openSqlite(dbPath);
  let call: CallRow | undefined;
  let events: EventRow[];
  let recorded: Policy | undefined;
  try {
    call = await createCallStore(sqlite.db).get(callId);
    events = call ? await createEventStore(sqlite.db).forCall(call.id) : [];
    const row = call ? (await createPolicyStore(sqlite.db).all()).find((r) => r.policyId === call!.policyId && r.version === call!.policyVersion) : undefined;
    recorded = row ? policyFromContent(row.content) : undefined;
  } finally {
    sqlite.close();
  }
  if (!call) {
    io.err(`explain: no call ${JSON.stringify(callId)} in ${dbPath}`);
    return 1;
  }

  // The version the call started under, as recorded in the database (else as the folder has it):
  // the server decides with exactly that one, and hands the call to a person when it is lost.
  const loaded = loadPolicyDir(policyDir);
  const policyWarnings = loaded.errors.map(formatPolicyError);
  const policy = recorded ?? loaded.policies.find((p) => p.id === call.policyId && p.version === call.policyVersion);
  const policyNote = policy
    ? null
    : `policy "${call.policyId}" v${call.policyVersion} is neither recorded in ${dbPath} nor in ${policyDir}: cannot re-evaluate (the server hands such a call to a person)`;

  const now = (io.now ?? Date.now)();
  const decision = policy ? evaluate(policy, call.signals, call.successes, { now }) : undefined;
  const tools =
    policy && decision
      ? [...new Set([...Object.keys(policy.actions), ...Object.keys(postAuthTools)])].sort().map((t) => gateOutcome(call, policy, t, now, decision))
      : [];
  const decisions = events.filter((e) => e.type === 'policy_decision');
  const failed: Record<string, number> = {};
  for (const e of events) {
    if (e.type === 'factor_failed') {
      const f = String((e.data as { factor?: unknown }).factor);
      failed[f] = (failed[f] ?? 0) + 1;
    }
  }
  const lockoutMax = policy?.lockout.max_failures;
  const why = summary(call, decision, lockoutMax);

  if (json) {
    io.out(
      JSON.stringify(
        {
          call: {
            id: call.id,
            status: call.status,
            source: call.source,
            policy: { id: call.policyId, version: call.policyVersion },
            customer_id: call.customerId,
            identified_by: call.identifiedBy,
            caller_id: call.callerId,
            agent_id: call.agentId,
            called_number: call.calledNumber,
            conversation_id: call.conversationId,
            signals: call.signals,
            successes: Object.fromEntries(Object.entries(call.successes).map(([f, at]) => [f, iso(at)])),
            failures: call.failures,
            handoff: call.handoff,
            created_at: iso(call.createdAt),
            updated_at: iso(call.updatedAt),
            authenticated_at: iso(call.authenticatedAt),
            ended_at: iso(call.endedAt),
          },
          why,
          policy: policy
            ? { id: policy.id, version: policy.version, note: policyNote, lockout_max_failures: policy.lockout.max_failures }
            : { id: null, version: null, note: policyNote },
          policy_errors: policyWarnings,
          evaluated_at: iso(now),
          decision: decision ?? null,
          tools,
          factors: {
            passed: events.filter((e) => e.type === 'factor_passed').map((e) => ({ factor: e.data.factor, at: iso(e.at) })),
            failed,
          },
          history: decisions.map((e) => ({ at: iso(e.at), ...e.data })),
          events: events.map((e) => ({ type: e.type, at: iso(e.at), ...e.data })),
        },
        null,
        2,
      ),
    );
    return 0;
  }

  const o = io.out;
  const start = call.createdAt;
  o(`Call ${call.id}`);
  o(`  status      ${call.status}${call.status === 'authenticated' && call.authenticatedAt ? ` (since ${rel(call.authenticatedAt, start)})` : ''}`);
  o(`  policy      ${call.policyId} v${call.policyVersion} (${call.source === 'initiation' ? 'initiation webhook' : 'first tool call'}, ${iso(start)})`);
  o(`  customer    ${call.customerId ? `${call.customerId} (identified by ${call.identifiedBy})` : 'not identified'}`);
  if (call.callerId || call.calledNumber || call.agentId) {
    o(`  line        caller ID ${call.callerId ?? '—'} → ${call.calledNumber ?? '—'}${call.agentId ? `, agent ${call.agentId}` : ''}`);
  }
  o(`  failed      ${call.failures} check(s)${lockoutMax !== undefined ? ` of ${lockoutMax} allowed before lockout` : ''}${Object.keys(failed).length ? `: ${Object.entries(failed).map(([f, n]) => `${f} ×${n}`).join(', ')}` : ''}`);
  o('');
  o(`Why: ${why}`);
  for (const w of policyWarnings) io.err(`warning: ${w}`);
  if (policyNote) o(`note: ${policyNote}`);

  if (policy && decision) {
    o('');
    o(`Risk tier: ${decision.tier}`);
    const present = Object.entries(call.signals).filter(([, v]) => Boolean(v));
    o(`  signals present   ${present.length ? present.map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(', ') : 'none'}`);
    o(
      `  tier ${decision.tier.padEnd(6)}       ${decision.tier_signals.length ? `because ${decision.tier_signals.join(', ')} (policy risk.${decision.tier})` : 'no signal listed under risk.high or risk.medium is present'}`,
    );
    o('');
    o(`Factors (tier ${decision.tier}, policy ${policy.id} v${policy.version})`);
    if (decision.outcome === 'handoff' || decision.outcome === 'block') {
      o(`  the ${decision.tier} tier does not count factors: it ${decision.outcome === 'handoff' ? `hands off to ${decision.handoff?.queue}` : 'blocks'}`);
    } else {
      o(`  counted     ${decision.counted.length}, ${decision.required} required: ${list(decision.counted)}`);
      o(`  eligible    ${list(decision.eligible)}`);
    }
    const passed = Object.entries(call.successes);
    o(`  proven      ${passed.length ? passed.map(([f, at]) => `${f} (${rel(at, start)})`).join(', ') : 'nothing'}`);
    o('');
    o(`Privileged tools (the gate's answer if asked now, ${iso(now)})`);
    const width = Math.max(...tools.map((t) => t.tool.length));
    for (const t of tools) {
      const rule = t.rule
        ? `needs ${t.required}${t.rule.max_age_seconds !== undefined ? `, each within ${t.rule.max_age_seconds} s` : ''}`
        : `no rule, tier threshold ${t.required}`;
      const verdict = t.allowed ? 'allowed' : `refused: ${t.reason}`;
      const stale = t.stale.length ? `; too old: ${t.stale.join(', ')}` : '';
      o(`  ${t.tool.padEnd(width)}  ${verdict.padEnd(28)} ${rule}; counted ${t.counted.length} (${list(t.counted)})${stale}`);
    }
  }

  o('');
  o(`Decision history (${decisions.length} policy_decision event${decisions.length === 1 ? '' : 's'})`);
  for (const e of decisions) {
    const d = e.data as Record<string, unknown>;
    const counted = Array.isArray(d.counted) ? (d.counted as string[]) : [];
    o(
      `  ${rel(e.at, start).padStart(9)}  ${String(d.trigger ?? '?').padEnd(16)} → ${String(d.status).padEnd(13)} tier ${String(d.tier).padEnd(6)} ${String(d.outcome).padEnd(8)} ${counted.length}/${d.required} (${list(counted)})`,
    );
    const reasons = Array.isArray(d.reasons) ? (d.reasons as string[]) : [];
    // The first reason names the policy, already on the line above.
    for (const r of reasons.slice(1)) o(`               · ${r}`);
  }

  o('');
  o('Timeline');
  for (const e of events) {
    const line = describeEvent(e);
    if (line) o(`  ${rel(e.at, start).padStart(9)}  ${line}`);
  }
  if (call.handoff) {
    o('');
    o(`Handoff packet: ${String((call.handoff as { summary?: unknown }).summary ?? JSON.stringify(call.handoff))}`);
  }
  return 0;
}
