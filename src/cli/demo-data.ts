// Demo customers and their demo-ledger accounts, shared by `npm run seed:demo`, `npm run demo` and
// the CLI tests. Every phone number is a fictional 555-01xx number; every e-mail is @example.com.
//
// Knowledge questions are about the account, not about the person: NIST SP 800-63B forbids
// "first pet"-style prompts, and facts from the account history (the last deposit, the last payee)
// are at least known to the bank and change over time. They are still a weak factor; the default
// policy only counts the advanced ones, and never as the only factor for money movement.
import type { accountView } from '../http/admin-accounts.js';
import type { LedgerAccount, SeedAccount } from '../store/ledger.js';

export interface DemoKba {
  id: string;
  level: 'basic' | 'advanced';
  question: string;
  answer: string;
}

/** The body of `POST /admin/customers` (docs/api.md#admin). */
export interface DemoCustomerBody {
  customer_id: string;
  display_name: string;
  phones: string[];
  email?: string;
  account_refs: string[];
  kba: DemoKba[];
  totp?: boolean;
}

export interface DemoCustomer {
  body: DemoCustomerBody;
  /** What the demo ledger holds for this customer (refs are globally unique). */
  accounts: SeedAccount[];
  /** The reference a caller would say to identify themselves (a member ID). */
  memberId: string;
}

export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  {
    memberId: 'M-100042',
    body: {
      customer_id: 'demo-ada',
      display_name: 'Ada Lovelace',
      phones: ['+14155550142'],
      email: 'ada.lovelace@example.com',
      account_refs: ['M-100042', 'CHK-1000-4211', 'SAV-1000-7733'],
      kba: [
        { id: 'statement-zip', level: 'basic', question: 'What is the ZIP code your statements are sent to?', answer: '94107' },
        {
          id: 'last-deposit',
          level: 'advanced',
          question: 'What was the amount of your last deposit, in whole dollars?',
          answer: '1250',
        },
        {
          id: 'last-payee',
          level: 'advanced',
          question: 'Who was the payee of your last bill payment?',
          answer: 'Pacific Gas and Electric',
        },
      ],
    },
    accounts: [
      { ref: 'CHK-1000-4211', kind: 'checking', balanceCents: 245_000 },
      { ref: 'SAV-1000-7733', kind: 'savings', balanceCents: 810_000 },
      { ref: 'CRD-4000-1187', kind: 'card', balanceCents: -31_240, cardLimitCents: 500_000 },
    ],
  },
  {
    memberId: 'M-200117',
    body: {
      customer_id: 'demo-grace',
      display_name: 'Grace Hopper',
      phones: ['+12025550117'],
      email: 'grace.hopper@example.com',
      account_refs: ['M-200117', 'CHK-2000-0317', 'SAV-2000-6406'],
      kba: [
        {
          id: 'last-transfer',
          level: 'advanced',
          question: 'What was the amount of the last transfer you made, in whole dollars?',
          answer: '400',
        },
        {
          id: 'payroll-employer',
          level: 'advanced',
          question: 'Which employer pays its payroll into your checking account?',
          answer: 'US Navy',
        },
      ],
      totp: true,
    },
    accounts: [
      { ref: 'CHK-2000-0317', kind: 'checking', balanceCents: 132_050 },
      { ref: 'SAV-2000-6406', kind: 'savings', balanceCents: 2_500_000 },
      { ref: 'CRD-5000-2290', kind: 'card', balanceCents: 0, cardLimitCents: 1_000_000 },
    ],
  },
  {
    memberId: 'M-300199',
    body: {
      customer_id: 'demo-alan',
      display_name: 'Alan Turing',
      phones: ['+16175550199'],
      email: 'alan.turing@example.com',
      account_refs: ['M-300199', 'CHK-3000-1912', 'SAV-3000-5400'],
      kba: [
        {
          id: 'opening-branch',
          level: 'advanced',
          question: 'At which branch did you open your checking account?',
          answer: 'Bletchley',
        },
        {
          id: 'last-deposit',
          level: 'advanced',
          question: 'What was the amount of your last deposit, in whole dollars?',
          answer: '780',
        },
      ],
    },
    accounts: [
      { ref: 'CHK-3000-1912', kind: 'checking', balanceCents: 98_000 },
      { ref: 'SAV-3000-5400', kind: 'savings', balanceCents: 1_200_000 },
    ],
  },
];

export function demoCustomer(id: string): DemoCustomer {
  const c = DEMO_CUSTOMERS.find((d) => d.body.customer_id === id);
  if (!c) throw new Error(`no demo customer ${id}`);
  return c;
}

/** The answer the real customer would give to one of their questions (the demo plays the caller). */
export function demoAnswer(customerId: string, questionId: string): string | undefined {
  return demoCustomer(customerId).body.kba.find((k) => k.id === questionId)?.answer;
}

export interface EnrolResult {
  customer_id: string;
  display_name: string;
  /** `enrolled` now, or `already_enrolled` (409 customer_exists: nothing changed). */
  status: 'enrolled' | 'already_enrolled';
  /** The otpauth URI, only when the customer was enrolled now with `totp: true` (shown once). */
  totp_uri?: string;
  phones: string[];
  account_refs: string[];
  /** Ledger accounts inserted now; existing accounts are left as they are (balances kept). */
  accounts_seeded: number;
  /** The customer's ledger accounts as they are now (after seeding). */
  accounts: LedgerAccount[];
}

/** What `app.request` of a Hono app looks like (kept structural so any app instance fits). */
export interface RequestableApp {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

export class EnrolError extends Error {}

/**
 * Enrols every demo customer through the admin API (in-process, with the admin bearer) and seeds
 * their ledger accounts. Idempotent: a customer that exists answers 409 `customer_exists` and is
 * reported as already enrolled; `seedAccounts` inserts only refs that do not exist, so balances
 * moved by earlier demo transfers are never reset.
 */
export async function enrolDemo(
  app: RequestableApp,
  adminToken: string,
  customers: readonly DemoCustomer[] = DEMO_CUSTOMERS,
): Promise<EnrolResult[]> {
  const results: EnrolResult[] = [];
  for (const c of customers) {
    const res = await app.request('/admin/customers', {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(c.body),
    });
    const body = (await res.json().catch(() => ({}))) as { reason?: string; totp_uri?: string; errors?: unknown };
    let status: EnrolResult['status'];
    if (res.status === 201) status = 'enrolled';
    else if (res.status === 409 && body.reason === 'customer_exists') status = 'already_enrolled';
    else {
      throw new EnrolError(
        `POST /admin/customers (${c.body.customer_id}) answered ${res.status} ${body.reason ?? ''}` +
          (body.errors ? ` ${JSON.stringify(body.errors)}` : ''),
      );
    }
    const opened = await openAccounts(app, adminToken, c);
    results.push({
      customer_id: c.body.customer_id,
      display_name: c.body.display_name,
      status,
      ...(status === 'enrolled' && body.totp_uri ? { totp_uri: body.totp_uri } : {}),
      phones: c.body.phones,
      account_refs: c.body.account_refs,
      accounts_seeded: opened.opened,
      accounts: opened.accounts,
    });
  }
  return results;
}

/** POST /admin/customers/{id}/accounts: opens the ledger accounts that do not exist yet. */
async function openAccounts(app: RequestableApp, adminToken: string, c: DemoCustomer): Promise<{ opened: number; accounts: LedgerAccount[] }> {
  const path = `/admin/customers/${encodeURIComponent(c.body.customer_id)}/accounts`;
  const res = await app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      accounts: c.accounts.map((a) => ({
        ref: a.ref,
        kind: a.kind,
        ...(a.balanceCents !== undefined ? { balance_cents: a.balanceCents } : {}),
        ...(a.currency ? { currency: a.currency } : {}),
        ...(a.cardLimitCents != null ? { card_limit_cents: a.cardLimitCents } : {}),
      })),
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { reason?: string; opened?: number; accounts?: AccountView[] };
  if (res.status !== 200 && res.status !== 201) throw new EnrolError(`POST ${path} answered ${res.status} ${body.reason ?? ''}`);
  const accounts = (body.accounts ?? []).map((a) => ({
    ref: a.ref,
    customerId: c.body.customer_id,
    kind: a.kind,
    currency: a.currency,
    balanceCents: a.balance_cents,
    cardLimitCents: a.card_limit_cents ?? null,
  }));
  return { opened: body.opened ?? 0, accounts };
}

type AccountView = ReturnType<typeof accountView>;

/** "$2,450.00" / "-$312.40". */
export function formatCents(cents: number, currency = 'USD'): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100).toLocaleString('en-US');
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  return `${sign}${symbol}${units}.${String(abs % 100).padStart(2, '0')}`;
}
