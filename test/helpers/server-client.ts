import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Requests to a running server over its socket, as its clients send them, with the development
 * secrets the server wrote to `dir` (the folder of its CALLGATE_DB).
 */
export function serverClient(url: string, dir: string) {
  const secrets = JSON.parse(readFileSync(join(dir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
  const toolSecret = secrets.CALLGATE_TOOL_SECRET!;
  const request = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return {
    secrets,
    request,
    initiation: (body: unknown) => request('POST', '/elevenlabs/initiation', toolSecret, body),
    /** An initiation webhook for a new call from `caller_id`. */
    ring: (call_sid: string, caller_id: string, agent_id = 'agent_1') =>
      request('POST', '/elevenlabs/initiation', toolSecret, { call_sid, caller_id, agent_id, called_number: '+18005550100' }),
    /** One auth_orchestrator call; the conversation is `conv-<call_id>`. */
    tool: (call_id: string, action: string, args: Record<string, unknown> = {}) =>
      request('POST', '/tools/auth_orchestrator', toolSecret, { call_id, conversation_id: `conv-${call_id}`, action, ...args }),
    post: (name: string, call_id: string, args: Record<string, unknown> = {}) =>
      request('POST', `/tools/post/${name}`, toolSecret, { call_id, conversation_id: `conv-${call_id}`, ...args }),
    admin: (method: string, path: string, body?: unknown) => request(method, `/admin${path}`, secrets.CALLGATE_ADMIN_TOKEN!, body),
  };
}
