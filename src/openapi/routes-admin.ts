import { callListQuery, customerQuery, customerSchema } from '../http/admin.js';
import { deviceSchema } from '../factors/did/routes/devices.js';
import { accountsSchema } from '../http/admin-accounts.js';
import { queryParametersOf } from './json-schema.js';
import { json, refusal, type RouteSpec } from './table.js';

// The operator surface: enrolment, erasure, the audit trail, the dev outbox, and the metrics scrape.

const CUSTOMER = { customerId: 'The customer’s id (`customer_id` at enrolment).' };

export const adminRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/admin/customers',
    tag: 'Admin',
    summary: 'Enrol a customer',
    description: 'Unknown fields are refused. KBA answers are stored only as keyed hashes; `totp_uri` is shown this once.',
    auth: 'admin',
    body: {
      name: 'CustomerEnrolment',
      zod: customerSchema,
      example: {
        customer_id: 'cust_ada',
        display_name: 'Ada Lovelace',
        phones: ['+1 (415) 555-0142'],
        email: 'ada@example.com',
        account_refs: ['M-100042'],
        kba: [{ id: 'last-payee', level: 'advanced', question: 'Who was the payee of your last bill payment?', answer: 'Pacific Gas and Electric' }],
        totp: true,
      },
    },
    responses: {
      201: json('CustomerCreated', 'Enrolled.'),
      409: refusal('The id is taken (also by an erased customer), or an account reference belongs to another customer (`field: "account_refs.<i>"`).', [
        'customer_exists',
        'account_ref_taken',
      ]),
    },
  },
  {
    method: 'get',
    path: '/admin/customers',
    tag: 'Admin',
    summary: 'Find customers by account reference or phone',
    description: 'Exactly one of the two parameters; both are normalised as at enrolment. Never an answer, a seed or a device key.',
    auth: 'admin',
    query: queryParametersOf(customerQuery, {
      account_ref: 'A member ID or account number (`ac 1001-2002` = `AC10012002`).',
      phone: 'A phone number (`+` written as `%2B`).',
    }),
    responses: {
      200: json('CustomerList', 'Matching customers, at most 5; empty when nobody matches.'),
      400: refusal('Neither or both parameters, a bad value, or an unknown parameter (each named).', ['invalid_request'], 'InvalidRequest'),
    },
  },
  {
    method: 'post',
    path: '/admin/customers/{customerId}/devices',
    tag: 'Admin',
    summary: 'Enrol a phone-app device key',
    auth: 'admin',
    pathParams: CUSTOMER,
    body: {
      name: 'DeviceEnrolment',
      zod: deviceSchema,
      example: {
        device_id: 'phone-1',
        public_key_jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
      },
    },
    responses: {
      200: json('DeviceEnrolled', 'Exactly this key is already enrolled for this device.'),
      201: json('DeviceEnrolled', 'Enrolled.'),
      400: refusal('A bad field, a private key (`d`), or a point not on the curve.', ['invalid_request'], 'InvalidRequest'),
      404: refusal('No such customer.', ['unknown_customer']),
      409: refusal('The device id is taken by another key or customer.', ['device_exists']),
    },
  },
  {
    method: 'post',
    path: '/admin/customers/{customerId}/accounts',
    tag: 'Admin',
    summary: 'Open demo-ledger accounts for a customer',
    description: 'The accounts the post-auth tools act on. Idempotent per ref: an existing account keeps its balance.',
    auth: 'admin',
    pathParams: CUSTOMER,
    body: {
      name: 'LedgerAccountsOpening',
      zod: accountsSchema,
      example: { accounts: [{ ref: 'CHK-1000-4211', kind: 'checking', balance_cents: 245000 }, { ref: 'CRD-4000-1187', kind: 'card', balance_cents: -31240, card_limit_cents: 500000 }] },
    },
    responses: {
      200: json('LedgerAccounts', 'Every ref was already the customer’s: nothing changed.'),
      201: json('LedgerAccounts', 'Opened.'),
      400: refusal('A bad field, a ref listed twice, or a limit on an account that is not a card (each named).', ['invalid_request'], 'InvalidRequest'),
      404: refusal('No such customer.', ['unknown_customer']),
      409: refusal('A ref belongs to another customer (`field: "accounts.<i>.ref"`).', ['account_taken']),
    },
  },
  {
    method: 'delete',
    path: '/admin/customers/{customerId}',
    tag: 'Admin',
    summary: 'Erase a customer’s personal data and secrets',
    description: 'One atomic unit; idempotent (`already_erased`). The id stays as a tombstone and is never enrolled again.',
    auth: 'admin',
    pathParams: CUSTOMER,
    responses: { 200: json('Erasure', 'Erased, with row counts, or already erased.'), 404: refusal('No such customer.', ['unknown_customer']) },
  },
  {
    method: 'delete',
    path: '/admin/customers/{customerId}/devices/{deviceId}',
    tag: 'Admin',
    summary: 'Remove a device',
    auth: 'admin',
    pathParams: { ...CUSTOMER, deviceId: 'The device’s id.' },
    responses: { 200: json('DeviceRemoved', 'Removed.'), 404: refusal('No such device for this customer (also when removed already).', ['unknown_device']) },
  },
  {
    method: 'get',
    path: '/admin/calls',
    tag: 'Admin',
    summary: 'List calls, newest first',
    description: 'Stable keyset paging: pass `next_cursor` back as `cursor`, keeping the other filters. No caller number is listed.',
    auth: 'admin',
    query: queryParametersOf(callListQuery, {
      status: 'Only calls in this status.',
      since: 'Calls created at or after this instant (ISO 8601 with a zone).',
      customer: 'Calls claiming this customer id.',
      limit: 'Page size 1–100 (default 50).',
      cursor: 'The previous page’s `next_cursor`, as is.',
    }),
    responses: {
      200: json('CallList', 'One page of calls.'),
      400: refusal('A bad or unknown parameter (each named).', ['invalid_request'], 'InvalidRequest'),
    },
  },
  {
    method: 'get',
    path: '/admin/calls/{callId}',
    tag: 'Admin',
    summary: 'A call’s state and audit trail',
    auth: 'admin',
    pathParams: { callId: 'The call id.' },
    responses: { 200: json('CallDetail', 'The call and its events, in order.'), 404: refusal('No such call.', ['unknown_call']) },
  },
  {
    method: 'get',
    path: '/admin/outbox',
    tag: 'Admin',
    summary: 'Development only: the codes the console sender “sent”',
    description: 'Served only outside production with `CALLGATE_OTP_DELIVERY=console`; otherwise `404 not_found`.',
    auth: 'admin',
    responses: { 200: json('Outbox', 'Newest first, at most 100, codes in clear.'), 404: refusal('Not served in this deployment.', ['not_found']) },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Metrics',
    summary: 'Prometheus metrics',
    description: 'Every total is read from the database. No label carries a call id, customer id, phone number or code.',
    auth: 'metrics',
    responses: { 200: { description: 'The Prometheus text exposition format (version 0.0.4).', media: 'text/plain', schema: { type: 'string' } } },
  },
];
