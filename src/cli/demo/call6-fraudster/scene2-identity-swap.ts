// Scene 2: a code proves only the customer it was sent for; once a factor has passed, the claimed
// identity is fixed for the call.
import { showAuditEvent } from '../call.js';
import type { Json } from '../expect.js';
import { narrate, scene } from '../print.js';
import type { Fraud } from './context.js';

export async function identitySwap({ env, ada, alan, alanPhone, dial, track }: Fraud): Promise<void> {
  scene('2 · identity swap: a code proves only the customer it was sent for');
  const { call: swap } = await dial('the fraudster rings from their own phone and gives their own member ID', alanPhone, { memberId: alan.memberId, next: 'otp_send' });
  await swap.orchestrate(
    { action: 'otp_send', channel: 'sms' },
    { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify', destination_hint: `SMS to the number ending ${alanPhone.slice(-2)}` },
  );
  const ownCode = await swap.readSms();
  swap.spoken.add(ownCode);
  narrate(`the code reached the fraudster's own phone; now they claim to be ${ada.body.display_name} (allowed: no factor has passed yet;`);
  narrate('the move voids every challenge outstanding on the call)');
  // The resend cooldown of this call still runs, so the next step offered is Ada's question.
  await swap.orchestrate(
    { action: 'identify', account_ref: ada.memberId },
    { http: 200, success: true, reason: 'ok', 'auth_state.identified': true, 'auth_state.status': 'pending', privileged_allowed: false, next_required_step: 'kba_question' },
  );
  const moved = await showAuditEvent(swap, 'identified', ['by', 'customer_id', 'previous_customer_id']);
  env.checks.record('the claim moved, and the audit says from whom', [
    ...(moved?.customer_id === ada.body.customer_id && moved.previous_customer_id === alan.body.customer_id ? [] : [`identified ${JSON.stringify(moved?.previous_customer_id)} → ${JSON.stringify(moved?.customer_id)}`]),
  ]);
  narrate(`and read out their own code, issued for someone else: for ${ada.body.display_name} no code was ever sent`);
  await swap.orchestrate(
    { action: 'otp_verify', code: ownCode },
    { http: 200, success: false, reason: 'no_code_sent', 'auth_state.status': 'pending', 'auth_state.auth_success_count': 0, privileged_allowed: false, next_required_step: 'kba_question' },
  );
  await swap.tool('account_summary', {}, { http: 403, success: false, reason: 'not_authenticated' });
  track({ label: 'Call 6 swap', call: swap, expect: { status: 'pending', types: ['identified', 'otp_sent'] } });

  // A new call, not a resend on this one: the resend cooldown would outlast the fraud screen's wait.
  const { call: order } = await dial('the other order: pass a factor first, then move the claim', alanPhone, { memberId: alan.memberId, next: 'otp_send' });
  await order.orchestrate({ action: 'otp_send', channel: 'sms' }, { http: 200, success: true, reason: 'ok', next_required_step: 'otp_verify' });
  const ownCode2 = await order.readSms();
  order.spoken.add(ownCode2);
  await order.orchestrate(
    { action: 'otp_verify', code: ownCode2 },
    { http: 200, success: true, reason: 'ok', 'auth_state.status': 'authenticated', privileged_allowed: true, next_required_step: 'none' },
  );
  narrate(`authenticated as themselves, the fraudster claims ${ada.body.display_name}: refused, the identity is fixed for the call`);
  await order.orchestrate(
    { action: 'identify', account_ref: ada.memberId },
    { http: 200, success: false, reason: 'already_authenticated', 'auth_state.status': 'authenticated', privileged_allowed: true },
  );
  const own = await order.tool('account_summary', {}, { http: 200, success: true });
  const ownRefs = ((own.body.accounts ?? []) as Json[]).map((a) => String(a.account));
  const alanTails = alan.accounts.map((a) => a.ref.slice(-4));
  const adaTails = ada.accounts.map((a) => a.ref.slice(-4));
  env.checks.record("the swap call sees only the fraudster's own accounts", [
    ...(ownRefs.length > 0 && ownRefs.every((r) => alanTails.some((t) => r.endsWith(t))) ? [] : [`accounts ${ownRefs.join(', ')}`]),
    ...(ownRefs.some((r) => adaTails.some((t) => r.endsWith(t))) ? ["an account of Ada's"] : []),
  ]);
  track({ label: 'Call 6 order', call: order, expect: { status: 'authenticated', types: ['identified', 'otp_sent', 'factor_passed'] } });
}
