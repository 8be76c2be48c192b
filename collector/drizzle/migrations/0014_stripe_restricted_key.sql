ALTER TABLE `stripe_integrations` ADD `restricted_key` text;--> statement-breakpoint
ALTER TABLE `stripe_integrations` ADD `test_restricted_key` text;