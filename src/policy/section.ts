import { z } from 'zod';

// What a factor folder contributes to the policy file (its `policy.ts`): the `factors.<key>`
// sections it reads, and the factor ids a tier's `from` may name because this factor proves them.

export interface PolicySection<P extends string = string, S extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly proves: readonly P[];
  /** `factors.<key>` → its strict schema; every key has defaults, so a policy may leave it out. */
  readonly sections: S;
}

export const definePolicySection = <const P extends string, S extends Record<string, z.ZodType>>(section: PolicySection<P, S>) => section;

/** A whole number in [min, max]. */
export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const attempts = int(1, 10).describe('wrong answers allowed before this factor is spent on the call');
