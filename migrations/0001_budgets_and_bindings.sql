CREATE TABLE `guess_budgets` (
	`customer_id` text NOT NULL,
	`family` text NOT NULL,
	`window_start` integer NOT NULL,
	`window_failures` integer NOT NULL,
	`consecutive` integer NOT NULL,
	`locked_until` integer DEFAULT 0 NOT NULL,
	`ended_lock` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `family`)
);
--> statement-breakpoint
CREATE TABLE `limit_counters` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `limit_counters_window_idx` ON `limit_counters` (`window_start`);--> statement-breakpoint
ALTER TABLE `otp_challenges` ADD `destination` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `otp_challenges_destination_idx` ON `otp_challenges` (`destination`,`created_at`);--> statement-breakpoint
CREATE INDEX `otp_challenges_channel_idx` ON `otp_challenges` (`channel`,`created_at`);--> statement-breakpoint
ALTER TABLE `did_sessions` ADD `customer_id` text;--> statement-breakpoint
CREATE INDEX `calls_caller_id_idx` ON `calls` (`caller_id`,`created_at`);