// One line per answer for the transcript: an orchestrator decision, a screen verdict, a tool result.
import { formatCents } from '../demo-data.js';
import type { Json } from './expect.js';
import { bold, dim, green, red, yellow } from './print.js';

export function decision(b: Json): string {
  const st = (b.auth_state ?? {}) as Json;
  const ok = b.success === true ? green('success=true') : yellow(`success=${b.success}`);
  const parts = [
    ok,
    `reason=${b.reason}`,
    `next=${b.next_required_step}${b.next_step_args ? `(${Object.values(b.next_step_args as Json).join(',')})` : ''}`,
    `privileged=${b.privileged_allowed}`,
  ];
  if (b.auth_state) {
    const successes = Array.isArray(st.successes) ? st.successes.join(',') : '';
    parts.push(dim('|'), `${st.status}`, `tier=${st.risk_tier}`, `successes=${st.auth_success_count}/${st.required_successes}[${successes}]`);
  }
  if (b.remaining_attempts !== undefined) parts.push(`remaining=${b.remaining_attempts}`);
  if (b.destination_hint) parts.push(`"${b.destination_hint}"`);
  if (b.retry_after_seconds !== undefined) parts.push(`retry_after=${b.retry_after_seconds}s`);
  if (b.question) parts.push(`question ${b.question.id}: "${b.question.text}"`);
  if (typeof b.did === 'string') parts.push(`did=${bold(b.did)} ttl=${b.ttl_seconds}s`);
  if (b.did_status !== undefined) parts.push(`did_status=${b.did_status}`);
  if (b.handoff) parts.push(red(`handoff→${b.handoff.queue} (${b.handoff.reason})`));
  return parts.join(' ');
}

/** The answer of POST /voxeq/results: the call's state once the verdict was applied. */
export function screenSummary(b: Json): string {
  if (b.success !== true) return `${yellow(`success=${b.success}`)} reason=${b.reason}`;
  const tier = b.risk_tier === 'high' ? red(`risk_tier=${b.risk_tier}`) : `risk_tier=${b.risk_tier}`;
  return `${green('success=true')} status=${b.status} ${tier} privileged=${b.privileged_allowed}`;
}

export function toolSummary(name: string, b: Json): string {
  if (b.success !== true) {
    return `${yellow(`success=${b.success}`)} reason=${b.reason}${b.next_required_step ? ` next=${b.next_required_step}` : ''}`;
  }
  if (name === 'account_summary') {
    const accounts = ((b.accounts ?? []) as Json[]).map((a) => `${a.kind} ${a.account} ${formatCents(Math.round(Number(a.balance) * 100), a.currency)}`);
    return `${green('success=true')} ${accounts.join(' · ')}`;
  }
  if (name === 'transfer_funds' && b.transfer) {
    const t = b.transfer as Json;
    return `${green('success=true')} ${t.id}: ${formatCents(Math.round(Number(t.amount) * 100), t.currency ?? 'USD')} ${t.from_account} → ${t.to_account} ${t.status}`;
  }
  return `${green('success=true')} reason=${b.reason}`;
}
