CREATE TABLE `policy_versions` (
	`policy_id` text NOT NULL,
	`version` integer NOT NULL,
	`content` text NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`policy_id`, `version`)
);
