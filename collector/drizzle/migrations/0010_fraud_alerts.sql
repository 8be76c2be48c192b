CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`affiliate_id` text,
	`message` text NOT NULL,
	`data` text DEFAULT '{}' NOT NULL,
	`dedupe_key` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_program` ON `alerts` (`program_id`,`mode`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_dedupe` ON `alerts` (`program_id`,`mode`,`dedupe_key`);--> statement-breakpoint
ALTER TABLE `clicks` ADD `flag` text;