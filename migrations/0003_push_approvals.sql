CREATE TABLE `push_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`call_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`device_id` text NOT NULL,
	`number` text NOT NULL,
	`choices` text NOT NULL,
	`call_binding` text NOT NULL,
	`nonce` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`chosen` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_challenges_pending_customer_uq` ON `push_challenges` (`customer_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `push_challenges_customer_idx` ON `push_challenges` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `push_challenges_call_idx` ON `push_challenges` (`call_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `push_challenges_device_idx` ON `push_challenges` (`device_id`,`status`);--> statement-breakpoint
CREATE INDEX `push_challenges_expiry_idx` ON `push_challenges` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `push_devices` (
	`device_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`transport` text NOT NULL,
	`target` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `push_devices_customer_idx` ON `push_devices` (`customer_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `push_pauses` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL,
	`challenge_id` text NOT NULL,
	`created_at` integer NOT NULL
);
