CREATE TABLE `rollup_days` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`day` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`sub` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `day`, `affiliate_id`, `sub`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `rollup_months` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`month` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`sub` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `month`, `affiliate_id`, `sub`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `rollup_program_hours` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
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
	PRIMARY KEY(`program_id`, `mode`, `hour`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `rollups_by_hour` ON `rollups` (`program_id`,`mode`,`hour`);