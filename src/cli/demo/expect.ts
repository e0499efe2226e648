// The one small expectation helper every scenario shares: an expectation is a map from a dotted
// path of the answer (or `http` for its status) to a value or a labelled predicate; the recorder
// counts the steps whose expectations held and prints the mismatches of those that did not.
import type { JsonResponse } from '../http-client.js';
import { out, red } from './print.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Checks {
  passed = 0;
  readonly failures: string[] = [];

  /** Records the mismatches of one step; prints them under the answer. True when none. */
  record(step: string, mismatches: string[]): boolean {
    if (mismatches.length === 0) {
      this.passed++;
      return true;
    }
    for (const m of mismatches) {
      this.failures.push(`${step}: ${m}`);
      out(red(`     ✗ ${m}`));
    }
    return false;
  }
}

/** Dotted path → value (`auth_state.status`, `handoff.reason`). */
function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export type Expectation = Record<string, unknown | ((v: unknown) => boolean)>;

export function mismatches(res: JsonResponse<Json>, expect: Expectation): string[] {
  const bad: string[] = [];
  for (const [path, want] of Object.entries(expect)) {
    const got = path === 'http' ? res.status : at(res.body, path);
    const ok = typeof want === 'function' ? (want as (v: unknown) => boolean)(got) : Object.is(got, want);
    if (!ok) {
      const wanted = typeof want === 'function' ? (want as { label?: string }).label ?? 'a different value' : JSON.stringify(want);
      bad.push(`expected ${path} ${wanted}, got ${JSON.stringify(got)}`);
    }
  }
  return bad;
}

/** A predicate with a label for failure messages. */
export function is(label: string, pred: (v: unknown) => boolean): (v: unknown) => boolean {
  return Object.assign(pred, { label });
}
export const present = is('to be present', (v) => v !== undefined && v !== null);
export const oneOf = (...xs: unknown[]) => is(`to be one of ${xs.map((x) => JSON.stringify(x)).join(' | ')}`, (v) => xs.includes(v));

/** A step could not go on (a value the next request needs is missing): the call stops there. */
export class CallAborted extends Error {}

export const sixDigits = is('to be six digits', (v) => typeof v === 'string' && /^\d{6}$/.test(v));
export const positive = is('to be a positive number', (v) => typeof v === 'number' && v > 0);
export const includes = (x: string) => is(`to include ${JSON.stringify(x)}`, (v) => Array.isArray(v) && v.includes(x));
