import { defineFactor, text } from '../../kernel/index.js';
import { identify } from './identify.js';
import { IDENTIFY_REASONS } from './reasons.js';

/** identify: the caller's claim (an account reference). A claim, never proof: it proves no policy factor. */
export const identifyFactor = defineFactor({
  id: 'identify',
  fields: {
    account_ref: text(64, 'identify only: the member ID or account number exactly as the caller said it. Never guess, complete or correct it.'),
  },
  guide: 'identify: the caller told you their member ID or account number.',
  actions: {
    identify: { requires: ['account_ref'], run: (ctx, r) => identify(ctx, r.account_ref!) },
  },
  proves: {},
  reasons: IDENTIFY_REASONS,
  enrolment: 'account references: `account_refs` on POST /admin/customers',
});
