CREATE TABLE `payout_items` (
	`payout_id` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount` integer NOT NULL,
	`commission_count` integer NOT NULL,
	PRIMARY KEY(`payout_id`, `affiliate_id`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `payout_items_affiliate` ON `payout_items` (`affiliate_id`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`status` text NOT NULL,
	`period_end` text NOT NULL,
	`created_at` text NOT NULL,
	`paid_at` text
);
--> statement-breakpoint
CREATE INDEX `payouts_program` ON `payouts` (`program_id`,`mode`,`created_at`);--> statement-breakpoint
ALTER TABLE `programs` ADD `min_payout` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX `commissions_payout` ON `commissions` (`payout_id`);