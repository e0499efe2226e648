import { handedOffAt, OPERATOR_DID_WINDOW_MS, type OperatorDidRefusal } from '../factors/did/operator.js';
import { readSession } from '../factors/did/sessions.js';
import { policyFor, type Services } from '../kernel/index.js';
import type { CallRow } from '../store/schema/calls.js';
import { h, isoTime, seg, type Html } from './html.js';

// The agent-console path of the Dynamic Identifier: on a handed-off call the human agent presses
// the button, reads the number to the caller, the caller types it in their phone app, and this
// panel turns into "caller verified by device". The call itself is never changed by it.

export const REFUSALS: Record<OperatorDidRefusal, string> = {
  unknown_call: 'No such call.',
  not_handed_off: 'Only a handed-off call gets a DID from the console (a live call has its own, through the agent).',
  handoff_too_old: `The call was handed off more than ${OPERATOR_DID_WINDOW_MS / 60_000} minutes ago: the console issues DIDs only while the agent can still be on the line.`,
  not_identified: 'The caller never named an account: there is no customer whose device could confirm.',
  not_enrolled: 'The customer the call claims has no enrolled device.',
  locked: "The customer's DID guesses are locked for now (too many wrong DIDs typed in their app).",
  max_retries: "No DID attempts left on this call (the policy's did.max_retries).",
  already_confirmed: 'The caller already confirmed a DID on this call.',
  did_unavailable: 'No free DID could be drawn just now; press again.',
};

const shell = (state: string, body: Html) => h`<section class="panel" id="did-panel" data-did-status="${state}">
<h2>Verify the caller's device</h2>
${body}
</section>`;

function issueButton(call: CallRow, csrf: string, label: string): Html {
  return h`<form method="post" action="/console/calls/${seg(call.id)}/did" class="inline" id="did-issue">
<input type="hidden" name="_csrf" value="${csrf}">
<button type="submit">${label}</button>
</form>`;
}

export async function didPanel(s: Services, call: CallRow, csrf: string): Promise<Html> {
  const now = s.clock.now();
  if (call.status === 'blocked') return shell('none', h`<p class="muted">The policy blocked this call: the console issues no DID for it.</p>`);
  const stored = await s.did.latestForRef('operator', call.id);
  const session = stored && (await readSession(s, stored));

  if (session?.status === 'confirmed') {
    return shell(
      'confirmed',
      h`<p class="verified" id="did-verified">✓ Caller verified by device <span class="mono">${session.confirmedDeviceId ?? ''}</span> at ${isoTime(session.resolvedAt)}</p>
<p class="muted">The person on the line holds the enrolled phone of customer <span class="mono">${session.customerId ?? ''}</span>. This is for you, the agent: the call stays handed off and no automated tool reopens.</p>`,
    );
  }
  if (session?.status === 'pending') {
    const left = Math.max(0, Math.ceil((session.expiresAt - now) / 1000));
    return shell(
      'pending',
      h`<p>Read this number to the caller; they type it in their phone app:</p>
<p class="did" id="did-digits" aria-label="${session.did.split('').join(' ')}">${session.did}</p>
<p class="muted">Waiting for the device… expires in ${left} s (attempt ${session.attempt} of ${session.maxRetries + 1}).</p>`,
    );
  }

  // None yet, or the last one timed out or was canceled: say whether another can be issued.
  const why = (reason: OperatorDidRefusal) => h`<p class="muted" data-refusal="${reason}">${REFUSALS[reason]}</p>`;
  const previous = session ? h`<p class="muted">The last DID ${session.status === 'timeout' ? 'expired unconfirmed' : 'was canceled'} at ${isoTime(session.resolvedAt)}.</p>` : '';
  const state = session?.status ?? 'none';
  if (now - handedOffAt(call) > OPERATOR_DID_WINDOW_MS) return shell(state, h`${previous}${why('handoff_too_old')}`);
  if (!call.customerId) return shell(state, h`${previous}${why('not_identified')}`);
  if (session && session.attempt > policyFor(s, call).factors.did.max_retries) return shell(state, h`${previous}${why('max_retries')}`);
  if (!(await s.customers.enrolment(call.customerId))?.devices) return shell(state, h`${previous}${why('not_enrolled')}`);
  return shell(
    state,
    h`${previous}<p>The caller claims customer <span class="mono">${call.customerId}</span>. Ask them to confirm a number in their phone app:</p>
${issueButton(call, csrf, session ? 'Issue another DID' : 'Issue a DID to the caller')}`,
  );
}
