ALTER TABLE `api_keys` ADD `form_token` text;--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_form_token` ON `api_keys` (`form_token`,`kind`,`mode`);