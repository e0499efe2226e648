// Call 4: a web session (no call SID, no initiation webhook) authenticated by an authenticator-app
// code, which is accepted once.
import { generate } from 'otplib';
import type { Clock } from '../../kernel/ports.js';
import { demoCustomer, type EnrolResult } from '../demo-data.js';
import { Call, newConversationId, type DemoEnv } from './call.js';
import { CallAborted } from './expect.js';
import { header, narrate } from './print.js';

export async function call4(env: DemoEnv, enrolled: EnrolResult[], clock: Clock): Promise<Call | undefined> {
  const grace = demoCustomer('demo-grace');
  const uri = enrolled.find((e) => e.customer_id === 'demo-grace')?.totp_uri;
  header('Call 4 · web session: authenticator app code, no initiation webhook');
  const conversation = newConversationId();
  // Web/app sessions have no call SID: call_id is the conversation id.
  const call = new Call(env, conversation, conversation);
  const secret = uri ? new URL(uri).searchParams.get('secret') : null;
  if (!secret) throw new CallAborted('the TOTP customer has no otpauth URI from enrolment');
  narrate(`${grace.body.display_name} talks to the agent in the bank's web app; call_id = conversation_id = ${conversation}`);

  await call.orchestrate({ action: 'status' }, { http: 200, success: true, 'auth_state.status': 'pending', next_required_step: 'identify' });
  await call.orchestrate({ action: 'identify', account_ref: grace.memberId }, { http: 200, success: true, 'auth_state.identified': true });
  const code = await generate({ secret, epoch: Math.floor(clock.now() / 1000) });
  call.spoken.add(code);
  narrate('the caller reads the six digits from her authenticator app');
  await call.orchestrate(
    { action: 'otp_verify', channel: 'app', code },
    { http: 200, success: true, reason: 'ok', 'auth_state.status': 'authenticated', privileged_allowed: true, next_required_step: 'none' },
  );
  await call.orchestrate(
    { action: 'otp_verify', channel: 'app', code },
    { http: 200, success: false, 'auth_state.status': 'authenticated' },
  );
  narrate('the same authenticator code a second time is refused (accepted once), the call stays authenticated');
  await call.tool('account_summary', {}, { http: 200, success: true });
  return call;
}
