-- Keeps rollup_days, rollup_months and rollup_program_hours equal to rollups: every change to an
-- hourly row is applied to its day, its month and its program hour in the same statement, so the
-- grains are exactly-once with the hourly rollups whatever writes them (the hub, the click outbox,
-- the test-data purge). An update applies NEW - OLD.
CREATE TRIGGER rollups_grains_insert AFTER INSERT ON rollups BEGIN
  INSERT INTO rollup_days (program_id, mode, day, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.affiliate_id, NEW.sub, NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission)
  ON CONFLICT (program_id, mode, day, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_months (program_id, mode, month, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 7), NEW.affiliate_id, NEW.sub, NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission)
  ON CONFLICT (program_id, mode, month, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_program_hours (program_id, mode, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, NEW.hour, NEW.currency, NEW.clicks, NEW.unique_clicks, NEW.bot_clicks, NEW.signups, NEW.conversions, NEW.refunds, NEW.revenue, NEW.commission)
  ON CONFLICT (program_id, mode, hour, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
END;
--> statement-breakpoint
CREATE TRIGGER rollups_grains_update AFTER UPDATE ON rollups BEGIN
  INSERT INTO rollup_days (program_id, mode, day, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 10), NEW.affiliate_id, NEW.sub, NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission)
  ON CONFLICT (program_id, mode, day, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_months (program_id, mode, month, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, substr(NEW.hour, 1, 7), NEW.affiliate_id, NEW.sub, NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission)
  ON CONFLICT (program_id, mode, month, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_program_hours (program_id, mode, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (NEW.program_id, NEW.mode, NEW.hour, NEW.currency, NEW.clicks - OLD.clicks, NEW.unique_clicks - OLD.unique_clicks, NEW.bot_clicks - OLD.bot_clicks, NEW.signups - OLD.signups, NEW.conversions - OLD.conversions, NEW.refunds - OLD.refunds, NEW.revenue - OLD.revenue, NEW.commission - OLD.commission)
  ON CONFLICT (program_id, mode, hour, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
END;
--> statement-breakpoint
CREATE TRIGGER rollups_grains_delete AFTER DELETE ON rollups BEGIN
  INSERT INTO rollup_days (program_id, mode, day, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (OLD.program_id, OLD.mode, substr(OLD.hour, 1, 10), OLD.affiliate_id, OLD.sub, OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission)
  ON CONFLICT (program_id, mode, day, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_months (program_id, mode, month, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (OLD.program_id, OLD.mode, substr(OLD.hour, 1, 7), OLD.affiliate_id, OLD.sub, OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission)
  ON CONFLICT (program_id, mode, month, affiliate_id, sub, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  INSERT INTO rollup_program_hours (program_id, mode, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
  VALUES (OLD.program_id, OLD.mode, OLD.hour, OLD.currency, -OLD.clicks, -OLD.unique_clicks, -OLD.bot_clicks, -OLD.signups, -OLD.conversions, -OLD.refunds, -OLD.revenue, -OLD.commission)
  ON CONFLICT (program_id, mode, hour, currency) DO UPDATE SET clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups, conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds, revenue = revenue + excluded.revenue, commission = commission + excluded.commission;
  -- A grain row stands for the hourly rows under it: when the last one goes, so does it.
  DELETE FROM rollup_days WHERE program_id = OLD.program_id AND mode = OLD.mode AND day = substr(OLD.hour, 1, 10)
    AND affiliate_id = OLD.affiliate_id AND sub = OLD.sub AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode
      AND r.affiliate_id = OLD.affiliate_id AND r.sub = OLD.sub AND r.currency = OLD.currency
      AND r.hour >= substr(OLD.hour, 1, 10) AND r.hour < substr(OLD.hour, 1, 10) || 'U');
  DELETE FROM rollup_months WHERE program_id = OLD.program_id AND mode = OLD.mode AND month = substr(OLD.hour, 1, 7)
    AND affiliate_id = OLD.affiliate_id AND sub = OLD.sub AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode
      AND r.affiliate_id = OLD.affiliate_id AND r.sub = OLD.sub AND r.currency = OLD.currency
      AND r.hour >= substr(OLD.hour, 1, 7) AND r.hour < substr(OLD.hour, 1, 7) || 'U');
  DELETE FROM rollup_program_hours WHERE program_id = OLD.program_id AND mode = OLD.mode AND hour = OLD.hour
    AND currency = OLD.currency
    AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.program_id = OLD.program_id AND r.mode = OLD.mode
      AND r.hour = OLD.hour AND r.currency = OLD.currency);
END;
--> statement-breakpoint
INSERT INTO rollup_days (program_id, mode, day, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT program_id, mode, substr(rollups.hour, 1, 10), affiliate_id, sub, currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission)
FROM rollups GROUP BY program_id, mode, substr(rollups.hour, 1, 10), affiliate_id, sub, currency;
--> statement-breakpoint
INSERT INTO rollup_months (program_id, mode, month, affiliate_id, sub, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT program_id, mode, substr(rollups.hour, 1, 7), affiliate_id, sub, currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission)
FROM rollups GROUP BY program_id, mode, substr(rollups.hour, 1, 7), affiliate_id, sub, currency;
--> statement-breakpoint
INSERT INTO rollup_program_hours (program_id, mode, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
SELECT program_id, mode, rollups.hour, currency, SUM(clicks), SUM(unique_clicks), SUM(bot_clicks), SUM(signups), SUM(conversions), SUM(refunds), SUM(revenue), SUM(commission)
FROM rollups GROUP BY program_id, mode, rollups.hour, currency;
