import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../kernel/index.js';
import { initiate } from '../elevenlabs/initiation.js';
import { readBody } from './body.js';
import { invalidRequest } from './errors.js';

const id = z.string().trim().min(1).max(128);
// ElevenLabs may add fields; they are tolerated and ignored.
export const initiationSchema = z.object({
  call_sid: id,
  caller_id: z.string().max(64).nullish(),
  agent_id: z.string().max(128).nullish(),
  called_number: z.string().max(64).nullish(),
  /** STIR/SHAKEN status when the platform forwards it (not in ElevenLabs' own payload). */
  stir_verstat: z.string().max(64).nullish(),
});

/**
 * POST /elevenlabs/initiation — seeds the call's auth_state while the phone rings. Caller ID only
 * picks candidate customers; it proves and claims nothing, and the answer is the same for an
 * enrolled and an unknown number.
 */
export function initiationRoutes(s: Services) {
  return new Hono().post('/initiation', async (c) => {
    const body = await readBody(c, initiationSchema);
    if (!body.ok) return invalidRequest(c, body.errors);
    return c.json(await initiate(s, body.value));
  });
}
