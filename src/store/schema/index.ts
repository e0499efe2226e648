export * from './calls.js';
export * from './customers.js';
export * from './challenges.js';
export * from './events.js';
export * from './ledger.js';
export * from './did.js';
export * from './budgets.js';
export * from './policies.js';
