// Does what ElevenLabs holds already say what we would send? The API answers with every default
// filled in (voice, ASR, node positions…), so the comparison is by subset: each value we set
// must be there, equal; keys we never set are the platform's business. Maps whose keys are data
// (body properties, headers, workflow nodes and edges, variable placeholders) must have the same
// keys, so removing a field, node or edge is a change too.

const KEYED_MAPS = new Set(['properties', 'request_headers', 'nodes', 'edges', 'dynamic_variable_placeholders']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths where `current` differs from `desired`; empty when nothing would change. */
export function differences(desired: unknown, current: unknown, path = ''): string[] {
  const here = path || '(root)';
  if (desired === undefined) return [];
  if (desired === null) return current === null || current === undefined ? [] : [here];
  if (Array.isArray(desired)) {
    if (!Array.isArray(current) || current.length !== desired.length) return [here];
    return desired.flatMap((d, i) => differences(d, current[i], `${path}[${i}]`));
  }
  if (isObject(desired)) {
    if (!isObject(current)) return [here];
    const out: string[] = [];
    for (const [k, v] of Object.entries(desired)) out.push(...differences(v, current[k], path ? `${path}.${k}` : k));
    const last = path.slice(path.lastIndexOf('.') + 1);
    if (KEYED_MAPS.has(last)) {
      for (const k of Object.keys(current)) {
        if (!(k in desired) && current[k] !== null && current[k] !== undefined) out.push(`${path}.${k}`);
      }
    }
    return out;
  }
  return Object.is(desired, current) ? [] : [here];
}
