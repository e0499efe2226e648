// Scene 6: the genuine customer still gets in on her device, which the fraudster cannot lock; and
// every lock ends by itself once its window has passed.
import { confirmDid } from '../../device/index.js';
import { demoAnswer } from '../../demo-data.js';
import { DID_WAIT_SECONDS, showAuditEvent, until, type DemoDevice } from '../call.js';
import { CallAborted, present, sixDigits, type Json } from '../expect.js';
import { bold, green, narrate, out, red, scene } from '../print.js';
import type { Fraud } from './context.js';

export async function genuineVictim(
  { env, ada, adaPhone, dial, track }: Fraud,
  device: DemoDevice | undefined,
  kbaLock: Json | undefined,
  codeLock: Json | undefined,
): Promise<void> {
  scene(`6 · the genuine ${ada.body.display_name} still gets in: her device-bound path is not the fraudster's to lock`);
  const { call: victim } = await dial(`${ada.body.display_name} rings from her own phone and gives her member ID; knowledge and codes are locked for her`, adaPhone, {
    memberId: ada.memberId,
    next: 'did_issue',
  });
  if (!device) throw new CallAborted('no demo device enrolled');
  const issued = await victim.orchestrate(
    { action: 'did_issue' },
    { http: 200, success: true, reason: 'ok', did: sixDigits, next_required_step: 'did_wait', privileged_allowed: false },
  );
  const did = issued.body.did;
  if (typeof did !== 'string') throw new CallAborted('did_issue gave no DID');
  victim.spoken.add(did);
  out(`   ${bold('agent says:')} "${String(issued.body.prompts?.speak)}"`);
  const wait = victim.begin({ action: 'did_wait', wait_seconds: DID_WAIT_SECONDS });
  const holding = await until(() => env.longPolls() > 0, 10_000);
  env.checks.record('did_wait holds (call 6)', holding ? [] : ['the did_wait request was not holding on the server within 10 s']);
  narrate(`${ada.body.display_name} types ${did} into the app on her phone (key ${device.deviceId})`);
  const confirmed = await confirmDid({ env: {}, url: env.http.baseUrl, deviceDir: device.deviceDir, deviceId: device.deviceId, did });
  out(`   ${bold('phone')} POST /app/challenge → sign → POST /app/confirm ${bold('←')} ${confirmed.ok ? `${green('200')} confirmed session ${confirmed.sessionId} ${green('✓')}` : red(`✗ ${confirmed.message}`)}`);
  env.checks.record('the victim confirms on her device', confirmed.ok ? [] : [`confirmDid failed: ${confirmed.reason}`]);
  const { res } = await wait.answered;
  wait.finish(res, {
    http: 200,
    success: true,
    did_status: 'confirmed',
    'auth_state.status': 'authenticated',
    'auth_state.successes.0': 'did',
    privileged_allowed: true,
    next_required_step: 'none',
  });
  await victim.tool('account_summary', {}, { http: 200, success: true });
  track({ label: 'Call 6 victim', call: victim, expect: { status: 'authenticated', types: ['identified', 'did_issued', 'factor_passed', 'confirmed'] } });

  const lockEnds = Math.max(Number(kbaLock?.locked_until ?? 0), Number(codeLock?.locked_until ?? 0));
  const later = Math.max(60, Math.ceil((lockEnds - env.clock.now()) / 1000) + 60);
  narrate(`every lock ends by itself: ${Math.round(later / 60)} min pass on the server's clock, past the end of both windows`);
  env.clock.advance(later);
  const { call: after } = await dial(`${ada.body.display_name} calls again`, adaPhone, { memberId: ada.memberId, next: 'otp_send' });
  const q2 = await after.orchestrate({ action: 'kba_question', level: 'advanced' }, { http: 200, success: true, reason: 'ok', 'question.id': present, next_required_step: 'kba_verify' });
  const q2id = q2.body.question?.id as string | undefined;
  const a2 = q2id ? demoAnswer(ada.body.customer_id, q2id) : undefined;
  if (!q2id || !a2) throw new CallAborted(`no answer known for question ${q2id}`);
  after.spoken.add(a2);
  await after.orchestrate(
    { action: 'kba_verify', question_id: q2id, answer: a2 },
    { http: 200, success: true, reason: 'ok', 'auth_state.status': 'authenticated', 'auth_state.successes.0': 'kba_advanced', privileged_allowed: true, next_required_step: 'none' },
  );
  const unlocked = await showAuditEvent(after, 'budget_unlocked', ['customer_id', 'family', 'locked_until', 'by']);
  env.checks.record('the knowledge lock ended by itself', unlocked?.family === 'knowledge' && unlocked.by === 'time' ? [] : [`budget_unlocked ${JSON.stringify(unlocked ?? null)}`]);
  track({ label: 'Call 6 later', call: after, expect: { status: 'authenticated', types: ['identified', 'budget_unlocked', 'factor_passed'] } });
}
