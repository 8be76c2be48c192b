CREATE TABLE `rollup_affiliate_days` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`day` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`currency` text NOT NULL,
	`hour_rows` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `day`, `affiliate_id`, `currency`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `rollup_affiliate_days_by_affiliate` ON `rollup_affiliate_days` (`program_id`,`mode`,`affiliate_id`,`day`);--> statement-breakpoint
CREATE TABLE `rollup_affiliate_months` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`month` text NOT NULL,
	`affiliate_id` text NOT NULL,
	`currency` text NOT NULL,
	`hour_rows` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `month`, `affiliate_id`, `currency`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `rollup_affiliate_months_by_affiliate` ON `rollup_affiliate_months` (`program_id`,`mode`,`affiliate_id`,`month`);--> statement-breakpoint
CREATE TABLE `rollup_program_days` (
	`program_id` text NOT NULL,
	`mode` text NOT NULL,
	`day` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`revenue` integer DEFAULT 0 NOT NULL,
	`commission` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`program_id`, `mode`, `day`, `currency`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `rollups_by_affiliate_hour` ON `rollups` (`program_id`,`mode`,`affiliate_id`,`hour`);
--> statement-breakpoint
-- Keeps the grains without a sub-id equal to rollups, as migration 0009 does for the others: every
-- change to an hourly row is applied to its affiliate's day and month and to its program's day in
-- the same statement (an update applies NEW - OLD), and a grain row goes when its last hourly row
-- goes. `hour_rows` counts the hourly rows an affiliate grain row sums (+1 on insert, -1 on
-- delete). The three tables are WITHOUT ROWID: clustered by their key, a range is read in order.
CREATE TRIGGER rollups_affiliate_grains_insert AFTER INSERT ON rollups BEGIN
  INSERT INTO rollup_affiliate_days (program_id, mode, day, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.affiliate_id, NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission, 1)
  ON CONFLICT (program_id, mode, day, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_affiliate_months (program_id, mode, month, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 7), NEW.affiliate_id, NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission, 1)
  ON CONFLICT (program_id, mode, month, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_program_days (program_id, mode, day, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission)
  ON CONFLICT (program_id, mode, day, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
END;
--> statement-breakpoint
CREATE TRIGGER rollups_affiliate_grains_update AFTER UPDATE ON rollups BEGIN
  INSERT INTO rollup_affiliate_days (program_id, mode, day, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.affiliate_id, NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission, 0)
  ON CONFLICT (program_id, mode, day, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_affiliate_months (program_id, mode, month, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 7), NEW.affiliate_id, NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission, 0)
  ON CONFLICT (program_id, mode, month, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_program_days (program_id, mode, day, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission)
  ON CONFLICT (program_id, mode, day, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
END;
--> statement-breakpoint
CREATE TRIGGER rollups_affiliate_grains_delete AFTER DELETE ON rollups BEGIN
  INSERT INTO rollup_affiliate_days (program_id, mode, day, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (OLD.program_id, OLD.mode, substr(OLD.hour, 1, 10), OLD.affiliate_id, OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission, -1)
  ON CONFLICT (program_id, mode, day, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_affiliate_months (program_id, mode, month, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
  VALUES (OLD.program_id, OLD.mode, substr(OLD.hour, 1, 7), OLD.affiliate_id, OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission, -1)
  ON CONFLICT (program_id, mode, month, affiliate_id, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission, hour_rows = hour_rows + excluded.hour_rows;
  INSERT INTO rollup_program_days (program_id, mode, day, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (OLD.program_id, OLD.mode, substr(OLD.hour, 1, 10), OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission)
  ON CONFLICT (program_id, mode, day, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  -- A grain row stands for the hourly rows under it: when the last one goes, so does it.
  DELETE FROM rollup_affiliate_days WHERE program_id = OLD.program_id AND mode = OLD.mode AND day = substr(OLD.hour, 1, 10) AND affiliate_id = OLD.affiliate_id
    AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode AND r.affiliate_id = OLD.affiliate_id
      AND r.currency = OLD.currency AND r.hour >= substr(OLD.hour, 1, 10) AND r.hour < substr(OLD.hour, 1, 10) || 'U');
  DELETE FROM rollup_affiliate_months WHERE program_id = OLD.program_id AND mode = OLD.mode AND month = substr(OLD.hour, 1, 7) AND affiliate_id = OLD.affiliate_id
    AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode AND r.affiliate_id = OLD.affiliate_id
      AND r.currency = OLD.currency AND r.hour >= substr(OLD.hour, 1, 7) AND r.hour < substr(OLD.hour, 1, 7) || 'U');
  DELETE FROM rollup_program_days WHERE program_id = OLD.program_id AND mode = OLD.mode AND day = substr(OLD.hour, 1, 10)
    AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode
      AND r.currency = OLD.currency AND r.hour >= substr(OLD.hour, 1, 10) AND r.hour < substr(OLD.hour, 1, 10) || 'U');
END;
--> statement-breakpoint
INSERT INTO rollup_affiliate_days (program_id, mode, day, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
SELECT program_id, mode, substr(hour, 1, 10), affiliate_id, currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission), COUNT(*)
FROM rollups GROUP BY program_id, mode, substr(hour, 1, 10), affiliate_id, currency;
--> statement-breakpoint
INSERT INTO rollup_affiliate_months (program_id, mode, month, affiliate_id, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission, hour_rows)
SELECT program_id, mode, substr(hour, 1, 7), affiliate_id, currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission), COUNT(*)
FROM rollups GROUP BY program_id, mode, substr(hour, 1, 7), affiliate_id, currency;
--> statement-breakpoint
INSERT INTO rollup_program_days (program_id, mode, day, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT program_id, mode, substr(hour, 1, 10), currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission)
FROM rollup_program_hours GROUP BY program_id, mode, substr(hour, 1, 10), currency;
