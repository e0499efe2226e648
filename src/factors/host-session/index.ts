import { defineFactor, text } from '../../kernel/index.js';
import { applyHostSession } from './step.js';

/**
 * A host app's signed session (docs/host-session.md): a valid one identifies the caller, an
 * invalid one is a risk signal. It lowers friction, never replaces a factor: it proves nothing.
 */
export const hostSessionFactor = defineFactor({
  id: 'host_session',
  fields: { host_session_token: text(4096, 'Signed session token from the host web/mobile app, when it has one.') },
  actions: {},
  proves: {},
  reasons: [],
  before: (ctx, req) => applyHostSession(ctx, req?.host_session_token),
});
