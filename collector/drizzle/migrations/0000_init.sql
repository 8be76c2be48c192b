CREATE TABLE `affiliates` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_hash` text NOT NULL,
	`commission` text,
	`status` text DEFAULT 'active' NOT NULL,
	`portal_token` text NOT NULL,
	`mode` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_code` ON `affiliates` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_portal_token` ON `affiliates` (`portal_token`);--> statement-breakpoint
CREATE INDEX `affiliates_program` ON `affiliates` (`program_id`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`kind` text NOT NULL,
	`mode` text NOT NULL,
	`hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_program` ON `api_keys` (`program_id`);--> statement-breakpoint
CREATE TABLE `click_batches` (
	`program_id` text NOT NULL,
	`batch_id` text NOT NULL,
	`rows` integer NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `batch_id`)
);
--> statement-breakpoint
CREATE TABLE `clicks` (
	`program_id` text NOT NULL,
	`click_id` text NOT NULL,
	`mode` text NOT NULL,
	`affiliate_id` text,
	`ref` text NOT NULL,
	`sub` text,
	`url` text,
	`referrer` text,
	`ip_hash` text NOT NULL,
	`is_unique` integer NOT NULL,
	`first_click_id` text,
	`source` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `click_id`)
);
--> statement-breakpoint
CREATE INDEX `clicks_affiliate` ON `clicks` (`program_id`,`affiliate_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `commissions` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`conversion_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`original_amount` integer NOT NULL,
	`bonus` integer DEFAULT 0 NOT NULL,
	`clawed_back` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`due_at` text NOT NULL,
	`payout_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `commissions_status` ON `commissions` (`program_id`,`mode`,`status`,`due_at`);--> statement-breakpoint
CREATE INDEX `commissions_affiliate` ON `commissions` (`program_id`,`affiliate_id`);--> statement-breakpoint
CREATE INDEX `commissions_conversion` ON `commissions` (`conversion_id`);--> statement-breakpoint
CREATE TABLE `conversions` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`event_id` text NOT NULL,
	`customer_id` text,
	`affiliate_id` text,
	`click_id` text,
	`sub` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`metadata` text,
	`occurred_at` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversions_event` ON `conversions` (`program_id`,`mode`,`event_id`);--> statement-breakpoint
CREATE INDEX `conversions_customer` ON `conversions` (`program_id`,`mode`,`customer_id`);--> statement-breakpoint
CREATE TABLE `customers` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`customer_id` text NOT NULL,
	`affiliate_id` text,
	`click_id` text,
	`sub` text,
	`email_hash` text,
	`signed_up_at` text,
	`first_conversion_at` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `customer_id`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`kind` text NOT NULL,
	`event_id` text NOT NULL,
	`body_hash` text NOT NULL,
	`status` integer NOT NULL,
	`response` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `kind`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `programs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`currency` text NOT NULL,
	`cookie_days` integer NOT NULL,
	`attribution` text NOT NULL,
	`commission` text NOT NULL,
	`recurring_months` integer,
	`hold_days` integer NOT NULL,
	`bonus` text,
	`landing_url` text,
	`allowed_origins` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`event_id` text NOT NULL,
	`conversion_id` text NOT NULL,
	`amount` integer NOT NULL,
	`commission_delta` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_event` ON `refunds` (`program_id`,`mode`,`event_id`);--> statement-breakpoint
CREATE TABLE `rollups` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`sub` text NOT NULL,
	`hour` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `affiliate_id`, `sub`, `hour`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `salts` (
	`day` text PRIMARY KEY NOT NULL,
	`salt` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signups` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`event_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`affiliate_id` text,
	`click_id` text,
	`sub` text,
	`occurred_at` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signups_event` ON `signups` (`program_id`,`mode`,`event_id`);