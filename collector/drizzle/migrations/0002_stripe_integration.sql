CREATE TABLE `churns` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`customer_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`churned_at` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `subscription_id`)
);
--> statement-breakpoint
CREATE INDEX `churns_customer` ON `churns` (`program_id`,`mode`,`customer_id`);--> statement-breakpoint
CREATE TABLE `promo_codes` (
	`program_id` text NOT NULL,
	`code` text NOT NULL,
	`display` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`stripe_id` text,
	`test_stripe_id` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `code`)
);
--> statement-breakpoint
CREATE INDEX `promo_codes_affiliate` ON `promo_codes` (`affiliate_id`);--> statement-breakpoint
CREATE INDEX `promo_codes_stripe` ON `promo_codes` (`program_id`,`stripe_id`);--> statement-breakpoint
CREATE INDEX `promo_codes_test_stripe` ON `promo_codes` (`program_id`,`test_stripe_id`);--> statement-breakpoint
CREATE TABLE `stripe_deferred_invoices` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`invoice_id` text NOT NULL,
	`conversion` text NOT NULL,
	`due_at` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `invoice_id`)
);
--> statement-breakpoint
CREATE INDEX `stripe_deferred_due` ON `stripe_deferred_invoices` (`due_at`);--> statement-breakpoint
CREATE TABLE `stripe_disputes` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`dispute_id` text NOT NULL,
	`commission_id` text NOT NULL,
	`previous_status` text NOT NULL,
	`previous_reason` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `dispute_id`)
);
--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`response` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `stripe_integrations` (
	`program_id` text PRIMARY KEY NOT NULL,
	`webhook_secret` text NOT NULL,
	`test_webhook_secret` text,
	`connected_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`last_event_at` text,
	`last_delivery_at` text,
	`last_delivery_error` text
);
--> statement-breakpoint
CREATE TABLE `stripe_invoice_payments` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`payment_intent_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `payment_intent_id`)
);
--> statement-breakpoint
CREATE TABLE `stripe_refund_steps` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`charge_id` text NOT NULL,
	`cumulative` integer NOT NULL,
	`amount` integer NOT NULL,
	`conversion_event_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `charge_id`, `cumulative`)
);
