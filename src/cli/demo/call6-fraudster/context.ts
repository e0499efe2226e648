// What every scene of call 6 shares: the victim and the fraudster's own account, the fraudster's
// dialer, and `dial`, a new call with its initiation and, when given, the member ID the caller says.
import type { Policy } from '../../../policy/index.js';
import { demoCustomer, type DemoCustomer } from '../../demo-data.js';
import type { JsonResponse } from '../../http-client.js';
import { Call, newCallSid, newConversationId, type DemoEnv, type Tracked } from '../call.js';
import type { Expectation, Json } from '../expect.js';
import { narrate } from '../print.js';

export interface Fraud {
  env: DemoEnv;
  policy: Policy;
  /** Adds a call to the audit summary at the end of the demo. */
  track: (t: Tracked) => void;
  /** The victim. */
  ada: DemoCustomer;
  /** The fraudster's own customer account. */
  alan: DemoCustomer;
  adaPhone: string;
  alanPhone: string;
  /** The fraudster's dialer: a fresh made-up number per call (fictional 555-01xx, on no customer record). */
  fraudNumber: () => string;
  /** What an initiation answers a new caller whom caller ID does not identify. */
  pendingInit: Expectation;
  /** A new call from `from`: its initiation, then (when `ref` is given) the member ID the caller says. */
  dial: (what: string, from: string, ref?: { memberId: string; next: unknown }) => Promise<{ call: Call; init: JsonResponse<Json> }>;
}

export function fraudContext(env: DemoEnv, policy: Policy, track: (t: Tracked) => void): Fraud {
  const ada = demoCustomer('demo-ada');
  const alan = demoCustomer('demo-alan');
  const adaPhone = ada.body.phones[0]!;
  const alanPhone = alan.body.phones[0]!;
  let dialed = 0;
  const fraudNumber = () => `+1646555${String(101 + dialed++).padStart(4, '0')}`;
  const pendingInit: Expectation = {
    http: 200,
    'dynamic_variables.auth_status': 'pending',
    'dynamic_variables.auth_next_step': 'identify',
    'dynamic_variables.auth_risk_tier': 'low',
    'dynamic_variables.auth_privileged_allowed': false,
  };
  const dial: Fraud['dial'] = async (what, from, ref) => {
    const call = new Call(env, newCallSid(), newConversationId());
    narrate(`${what}: call ${call.callId} from ${from}`);
    const init = await call.initiation(from, pendingInit);
    if (ref) {
      await call.orchestrate(
        { action: 'identify', account_ref: ref.memberId },
        { http: 200, success: true, reason: 'ok', 'auth_state.identified': true, 'auth_state.status': 'pending', next_required_step: ref.next, privileged_allowed: false },
      );
    }
    return { call, init };
  };
  return { env, policy, track, ada, alan, adaPhone, alanPhone, fraudNumber, pendingInit, dial };
}
