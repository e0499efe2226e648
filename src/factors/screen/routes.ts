import { Hono } from 'hono';
import { sha256Hex } from '../../crypto/hmac.js';
import { SIGNATURE_HEADER, verifyBody } from '../../crypto/signature.js';
import { applyScreenResult } from './screen.js';
import { privilegedAllowed, type Services } from '../../kernel/index.js';
import { screenResultSchema } from '../../providers/voxeq/types.js';
import { fieldErrors, invalidRequest, jsonError } from '../../http/errors.js';

/**
 * POST /voxeq/results: a fraud-screen verdict, signed with X-Callgate-Signature (300 s window, constant
 * time). The same signed delivery is accepted once; a replay is refused even inside the window.
 */
export function voxeqRoutes(s: Services, secret: string | undefined) {
  return new Hono().post('/results', async (c) => {
    if (!secret) return jsonError(c, 503, 'not_configured');
    const raw = await c.req.text();
    const header = c.req.header(SIGNATURE_HEADER);
    const verified = await verifyBody(secret, header, raw, Math.floor(s.clock.now() / 1000));
    if (!verified.ok) return jsonError(c, 401, verified.reason);

    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return invalidRequest(c, [{ field: 'body', message: 'malformed JSON' }]);
    }
    const parsed = screenResultSchema.safeParse(json);
    if (!parsed.success) return invalidRequest(c, fieldErrors(parsed.error));

    // The delivery is what was signed (timestamp + body), not how the header spells the signature:
    // one statement claims it, so a replay is refused however its header is re-spelled or raced.
    const delivery = `voxeq:${verified.t}:${await sha256Hex(raw)}`;
    if (!(await s.receipts.claim(delivery, s.clock.now()))) return jsonError(c, 409, 'replayed');
    const settled = await applyScreenResult(s, parsed.data);
    if (!settled) return jsonError(c, 404, 'unknown_call');
    return c.json({
      success: true,
      call_id: settled.call.id,
      status: settled.call.status,
      risk_tier: settled.decision.tier,
      privileged_allowed: privilegedAllowed(settled.call, settled.decision),
    });
  });
}
