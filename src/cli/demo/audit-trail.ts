// The closing summary: each tracked call's audit trail (GET /admin/calls/{id}), its status and
// event types checked against what its scenario expects.
import type { DemoEnv, Tracked } from './call.js';
import type { Json } from './expect.js';
import { bold, dim, header, out } from './print.js';

function compressTypes(types: string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < types.length; ) {
    let j = i;
    while (j < types.length && types[j] === types[i]) j++;
    parts.push(j - i > 1 ? `${types[i]}×${j - i}` : types[i]!);
    i = j;
  }
  return parts.join(' → ');
}

export async function auditSummaries(env: DemoEnv, calls: Tracked[]): Promise<void> {
  header('Audit trail (GET /admin/calls/{id})');
  for (const { label, call, expect } of calls) {
    const trail = await call.audit();
    const st = (trail.auth_state ?? {}) as Json;
    const types = ((trail.events ?? []) as Json[]).map((e) => String(e.type));
    out(`${bold(label)} ${call.callId}: status ${st.status}, ${types.length} events, ${st.failures ?? 0} failed checks`);
    out(dim(`   ${compressTypes(types)}`));
    const missing = expect.types.filter((t) => !types.includes(t));
    env.checks.record(`audit ${label}`, [
      ...(st.status === expect.status ? [] : [`expected status ${expect.status}, got ${st.status}`]),
      ...missing.map((t) => `no ${t} event`),
    ]);
  }
}
