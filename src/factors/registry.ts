import type { z } from 'zod';
import type { ActionSpec, FactorModule, Proof, TimerHandler } from '../kernel/index.js';
import type { Factor } from '../policy/index.js';
import { didFactor } from './did/index.js';
import { hostSessionFactor } from './host-session/index.js';
import { identifyFactor } from './identify/index.js';
import { kbaFactor } from './kba/index.js';
import { otpFactor } from './otp/index.js';
import { pushFactor } from './push/index.js';
import { screenFactor } from './screen/index.js';

/**
 * Every factor and passive signal, in the order the agent's tool lists their actions and fields
 * and their `before` checks run. Adding a factor is one folder and one line here; `tsc` then names
 * whatever is missing (a policy factor nobody proves, an action without a step).
 */
export const FACTOR_MODULES = [identifyFactor, otpFactor, kbaFactor, didFactor, pushFactor, screenFactor, hostSessionFactor] as const;

type Module = (typeof FACTOR_MODULES)[number];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every action a factor declares (the orchestrator adds `status` and `handoff`). */
export type FactorAction = { [M in Module as string]: keyof M['actions'] & string }[string];
/** The tool arguments all factors read, merged. */
type Merged = UnionToIntersection<Module['fields']>;
export type FactorFields = { [K in keyof Merged]: Merged[K] };
/** The policy factors some module proves. */
type Proven = { [M in Module as string]: keyof M['proves'] & string }[string];

// Every factor a policy file may name is proven by exactly one module: a factor added to the
// policy schema without a module (or a module proving a factor the schema does not know) fails here.
type Unproven = Exclude<Factor, Proven>;
type Unknown = Exclude<Proven, Factor>;
const everyFactorProven: [Unproven, Unknown] extends [never, never] ? true : { unproven: Unproven; unknown: Unknown } = true;
void everyFactorProven;

const modules: readonly FactorModule[] = FACTOR_MODULES as unknown as readonly FactorModule[];

/** An action's spec and the module that declares it. */
export interface ActionEntry {
  module: FactorModule;
  spec: ActionSpec<z.ZodRawShape, string>;
}

export const FACTOR_ACTIONS: ReadonlyMap<string, ActionEntry> = new Map(
  modules.flatMap((module) => Object.entries(module.actions).map(([name, spec]) => [name, { module, spec }] as const)),
);

/** Policy factor → how it is proven (its guess family, how it is offered next). */
export const PROOFS = Object.fromEntries(modules.flatMap((m) => Object.entries(m.proves))) as Record<Factor, Proof>;

/** The fields of every module, merged in registry order (the tool's argument order). */
export const FACTOR_FIELDS = Object.assign({}, ...modules.map((m) => m.fields)) as FactorFields;

export const factorModules = (): readonly FactorModule[] => modules;

/** Timer kind → its handler, from every module; a kind two factors both declare is refused here. */
export function timerHandlers(list: readonly FactorModule[] = modules): ReadonlyMap<string, TimerHandler> {
  const byKind = new Map<string, TimerHandler>();
  for (const m of list) {
    for (const [kind, handler] of Object.entries(m.timers ?? {})) {
      if (byKind.has(kind)) throw new Error(`timer kind "${kind}" is declared by two factors (the second: ${m.id})`);
      byKind.set(kind, handler);
    }
  }
  return byKind;
}

export const TIMER_HANDLERS = timerHandlers();
