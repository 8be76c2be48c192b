ALTER TABLE `programs` ADD `form_token` text;--> statement-breakpoint
CREATE UNIQUE INDEX `programs_form_token` ON `programs` (`form_token`);