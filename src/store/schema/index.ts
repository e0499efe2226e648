// Every table, for drizzle and drizzle-kit. The tables a factor alone owns live in its folder
// (src/factors/<id>/schema.ts); the shared ones (calls, customers, events, ledger …) here.
export * from './calls.js';
export * from './customers.js';
export * from './events.js';
export * from './ledger.js';
export * from './budgets.js';
export * from './policies.js';
export * from './receipts.js';
export * from '../../factors/otp/schema.js';
export * from '../../factors/did/schema.js';
export * from '../../factors/push/schema.js';
