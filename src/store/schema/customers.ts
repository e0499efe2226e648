import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const customers = sqliteTable('customers', {
  id: text('id').primaryKey(),
  displayName: text('display_name'),
  email: text('email'),
  createdAt: integer('created_at').notNull(),
});

/** Phones on file (E.164). Caller ID matches here are only a lookup hint. */
export const customerPhones = sqliteTable(
  'customer_phones',
  {
    phone: text('phone').notNull(),
    customerId: text('customer_id').notNull().references(() => customers.id),
  },
  (t) => [primaryKey({ columns: [t.phone, t.customerId] }), index('customer_phones_customer_idx').on(t.customerId)],
);

/** Member IDs / account numbers a caller may say, normalised (upper case, no separators). */
export const accountRefs = sqliteTable('account_refs', {
  ref: text('ref').primaryKey(),
  customerId: text('customer_id').notNull().references(() => customers.id),
});

/** KBA answers: keyed hash of the normalised answer only; the answer itself is never stored. */
export const kbaAnswers = sqliteTable(
  'kba_answers',
  {
    customerId: text('customer_id').notNull().references(() => customers.id),
    questionId: text('question_id').notNull(),
    level: text('level').$type<'basic' | 'advanced'>().notNull(),
    question: text('question').notNull(),
    answerHash: text('answer_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.questionId] })],
);

/** Authenticator-app seeds, AES-GCM sealed. last_time_step refuses a TOTP replay. */
export const totpSecrets = sqliteTable('totp_secrets', {
  customerId: text('customer_id').primaryKey().references(() => customers.id),
  secretSealed: text('secret_sealed').notNull(),
  lastTimeStep: integer('last_time_step'),
  createdAt: integer('created_at').notNull(),
});

/** Phone-app devices with a device-bound P-256 key (used by the Dynamic Identifier factor). */
export const devices = sqliteTable(
  'devices',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull().references(() => customers.id),
    publicKeyJwk: text('public_key_jwk', { mode: 'json' }).$type<JsonWebKey>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('devices_customer_idx').on(t.customerId)],
);
