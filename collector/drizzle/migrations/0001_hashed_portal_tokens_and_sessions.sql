CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_expires` ON `sessions` (`expires_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_affiliates` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_hash` text NOT NULL,
	`commission` text,
	`status` text DEFAULT 'active' NOT NULL,
	`portal_token` text,
	`portal_token_hash` text,
	`mode` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_affiliates`("id", "program_id", "code", "name", "email", "email_hash", "commission", "status", "portal_token", "portal_token_hash", "mode", "created_at", "updated_at") SELECT "id", "program_id", "code", "name", "email", "email_hash", "commission", "status", "portal_token", NULL, "mode", "created_at", "updated_at" FROM `affiliates`;--> statement-breakpoint
DROP TABLE `affiliates`;--> statement-breakpoint
ALTER TABLE `__new_affiliates` RENAME TO `affiliates`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_code` ON `affiliates` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_portal_token` ON `affiliates` (`portal_token`);--> statement-breakpoint
CREATE UNIQUE INDEX `affiliates_portal_token_hash` ON `affiliates` (`portal_token_hash`);--> statement-breakpoint
CREATE INDEX `affiliates_program` ON `affiliates` (`program_id`);