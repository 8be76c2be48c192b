ALTER TABLE `affiliates` ADD `website` text;--> statement-breakpoint
ALTER TABLE `affiliates` ADD `promotion` text;--> statement-breakpoint
ALTER TABLE `programs` ADD `slug` text;--> statement-breakpoint
ALTER TABLE `programs` ADD `join_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `programs` ADD `join_auto_approve` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `programs` ADD `join_terms_url` text;--> statement-breakpoint
ALTER TABLE `programs` ADD `paid_traffic` text DEFAULT 'allowed' NOT NULL;--> statement-breakpoint
ALTER TABLE `programs` ADD `fraud` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `programs_slug` ON `programs` (`slug`);