CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text,
	`source` text NOT NULL,
	`agent_id` text,
	`called_number` text,
	`caller_id` text,
	`policy_id` text NOT NULL,
	`policy_version` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`customer_id` text,
	`identified_by` text,
	`candidates` text DEFAULT '[]' NOT NULL,
	`signals` text DEFAULT '{}' NOT NULL,
	`successes` text DEFAULT '{}' NOT NULL,
	`attempts` text DEFAULT '{}' NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`kba_asked` text DEFAULT '{}' NOT NULL,
	`handoff` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`authenticated_at` integer,
	`ended_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `calls_conversation_id_unique` ON `calls` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `calls_customer_idx` ON `calls` (`customer_id`);--> statement-breakpoint
CREATE INDEX `calls_created_idx` ON `calls` (`created_at`);--> statement-breakpoint
CREATE TABLE `account_refs` (
	`ref` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `customer_phones` (
	`phone` text NOT NULL,
	`customer_id` text NOT NULL,
	PRIMARY KEY(`phone`, `customer_id`),
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `customer_phones_customer_idx` ON `customer_phones` (`customer_id`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text,
	`email` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`public_key_jwk` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `devices_customer_idx` ON `devices` (`customer_id`);--> statement-breakpoint
CREATE TABLE `kba_answers` (
	`customer_id` text NOT NULL,
	`question_id` text NOT NULL,
	`level` text NOT NULL,
	`question` text NOT NULL,
	`answer_hash` text NOT NULL,
	PRIMARY KEY(`customer_id`, `question_id`),
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `totp_secrets` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`secret_sealed` text NOT NULL,
	`last_time_step` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `otp_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`call_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`code_hash` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `otp_challenges_call_idx` ON `otp_challenges` (`call_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY NOT NULL,
	`call_id` text,
	`type` text NOT NULL,
	`at` integer NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_call_idx` ON `events` (`call_id`,`type`,`at`);--> statement-breakpoint
CREATE TABLE `ledger_accounts` (
	`ref` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`currency` text DEFAULT 'USD' NOT NULL,
	`balance_cents` integer DEFAULT 0 NOT NULL,
	`card_limit_cents` integer
);
--> statement-breakpoint
CREATE INDEX `ledger_accounts_customer_idx` ON `ledger_accounts` (`customer_id`);--> statement-breakpoint
CREATE TABLE `ledger_transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`call_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`from_ref` text NOT NULL,
	`to_ref` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_idempotency_key_unique` ON `ledger_transfers` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `did_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`device_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE TABLE `did_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`call_ref` text NOT NULL,
	`call_id` text NOT NULL,
	`did` text NOT NULL,
	`call_binding` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempt` integer DEFAULT 1 NOT NULL,
	`previous_session_id` text,
	`max_retries` integer NOT NULL,
	`locale` text DEFAULT 'en-US' NOT NULL,
	`dnis` text,
	`ani` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`redirect_url` text,
	`confirmed_device_id` text,
	`intercept_status` text DEFAULT 'none' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `did_sessions_pending_call_uq` ON `did_sessions` (`provider`,`call_ref`) WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX `did_sessions_pending_did_uq` ON `did_sessions` (`did`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `did_sessions_call_idx` ON `did_sessions` (`call_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `did_sessions_expiry_idx` ON `did_sessions` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `webhook_receipts` (
	`token` text PRIMARY KEY NOT NULL,
	`status` integer NOT NULL,
	`content_type` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
