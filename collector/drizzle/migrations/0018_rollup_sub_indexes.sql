CREATE INDEX `rollup_days_by_sub` ON `rollup_days` (`program_id`,`mode`,`sub`,`day`);--> statement-breakpoint
CREATE INDEX `rollup_days_by_affiliate_sub` ON `rollup_days` (`program_id`,`mode`,`affiliate_id`,`sub`,`day`);--> statement-breakpoint
CREATE INDEX `rollup_months_by_sub` ON `rollup_months` (`program_id`,`mode`,`sub`,`month`);--> statement-breakpoint
CREATE INDEX `rollup_months_by_affiliate_sub` ON `rollup_months` (`program_id`,`mode`,`affiliate_id`,`sub`,`month`);--> statement-breakpoint
CREATE INDEX `rollups_by_sub_hour` ON `rollups` (`program_id`,`mode`,`sub`,`hour`);