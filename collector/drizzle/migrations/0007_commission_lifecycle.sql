CREATE TABLE `commission_events` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`commission_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`reason` text,
	`actor` text NOT NULL,
	`ref_id` text,
	`seq` integer DEFAULT 0 NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `commission_events_commission` ON `commission_events` (`commission_id`,`at`,`seq`);--> statement-breakpoint
ALTER TABLE `commissions` ADD `rule` text;--> statement-breakpoint
ALTER TABLE `programs` ADD `signup_reward` text;--> statement-breakpoint
ALTER TABLE `programs` ADD `promotions` text DEFAULT '[]' NOT NULL;