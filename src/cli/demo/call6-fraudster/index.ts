// Call 6: a fraudster at scale, many calls against one victim, each defence shown by the answer it
// gives, scene by scene.
import type { Policy } from '../../../policy/index.js';
import type { DemoDevice, DemoEnv, Tracked } from '../call.js';
import { header, narrate } from '../print.js';
import { fraudContext } from './context.js';
import { spoofedCallerId } from './scene1-spoofed-caller-id.js';
import { identitySwap } from './scene2-identity-swap.js';
import { guessingAcrossCalls } from './scene3-guessing-across-calls.js';
import { smsFlooding } from './scene4-sms-flooding.js';
import { raisedRisk } from './scene5-raised-risk.js';
import { genuineVictim } from './scene6-genuine-victim.js';

export async function call6(env: DemoEnv, policy: Policy, device: DemoDevice | undefined, track: (t: Tracked) => void): Promise<undefined> {
  const f = fraudContext(env, policy, track);
  const { ada, alan } = f;
  header('Call 6 · a fraudster tries: spoofed caller ID, identity swap, guessing across calls, SMS flooding, raised risk');
  narrate(`the victim is ${ada.body.display_name} (${ada.memberId}); the fraudster holds a customer account of their own (played by`);
  narrate(`${alan.body.display_name}'s, ${alan.memberId}) and places many calls, each with a new call SID, most from a new made-up number`);

  await spoofedCallerId(f);
  await identitySwap(f);
  const kbaLock = await guessingAcrossCalls(f);
  const codeLock = await smsFlooding(f);
  await raisedRisk(f);
  await genuineVictim(f, device, kbaLock, codeLock);
  // Every call of the scene worth auditing was tracked as it was played.
  return undefined;
}
