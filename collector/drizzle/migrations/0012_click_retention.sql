ALTER TABLE `programs` ADD `click_retention_days` integer;--> statement-breakpoint
CREATE INDEX `clicks_created` ON `clicks` (`program_id`,`created_at`);