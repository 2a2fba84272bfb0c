"""Migration 4: the daily, per-conversation and timing rollups, kept by triggers."""

from __future__ import annotations

# 4: usage_rollup_day (per UTC day, model and provider), kept by triggers on usage_rollup_hour
# that add each hourly row's change to its day, and usage_rollup_conversation (per
# conversation, 0 for none), kept by triggers on usage; both backfilled here.  With whole days
# the totals, the model and provider tables and, in zones at UTC+0, the daily chart of a long
# period read a few thousand rows; the per-conversation table of all history reads one row per
# conversation.  The UPDATE trigger on usage moves a row's figures between conversations when
# deleting a conversation sets its conversation_id to NULL.  usage_timing_day counts requests
# per UTC day, timing ('latency_ms' or 'ttft_ms') and value bucket (two significant digits:
# digits * 100 + the leading two; 0 for a negative value), so a percentile finds its bucket in
# a few hundred rows and then its exact value within the bucket on the timing's index.
DAY_ROLLUPS = """
    CREATE TABLE usage_rollup_day (
        bucket_ms INTEGER NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        requests INTEGER NOT NULL,
        cost_pusd INTEGER NOT NULL,
        unpriced INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        succeeded INTEGER NOT NULL,
        retries INTEGER NOT NULL,
        latency_count INTEGER NOT NULL,
        ttft_count INTEGER NOT NULL,
        PRIMARY KEY (bucket_ms, model, provider)
    ) WITHOUT ROWID;

    CREATE TRIGGER usage_rollup_day_insert AFTER INSERT ON usage_rollup_hour BEGIN
        INSERT INTO usage_rollup_day (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.bucket_ms - ((new.bucket_ms % 86400000) + 86400000) % 86400000, new.model, new.provider,
            new.requests, new.cost_pusd, new.unpriced, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.succeeded, new.retries, new.latency_count, new.ttft_count)
        ON CONFLICT (bucket_ms, model, provider) DO UPDATE SET
            requests = requests + excluded.requests,
            cost_pusd = cost_pusd + excluded.cost_pusd,
            unpriced = unpriced + excluded.unpriced,
            input_tokens = input_tokens + excluded.input_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens,
            output_tokens = output_tokens + excluded.output_tokens,
            reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
            estimated = estimated + excluded.estimated,
            succeeded = succeeded + excluded.succeeded,
            retries = retries + excluded.retries,
            latency_count = latency_count + excluded.latency_count,
            ttft_count = ttft_count + excluded.ttft_count;
    END;
    CREATE TRIGGER usage_rollup_day_update AFTER UPDATE ON usage_rollup_hour BEGIN
        UPDATE usage_rollup_day SET
            requests = requests - old.requests,
            cost_pusd = cost_pusd - old.cost_pusd,
            unpriced = unpriced - old.unpriced,
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - old.succeeded,
            retries = retries - old.retries,
            latency_count = latency_count - old.latency_count,
            ttft_count = ttft_count - old.ttft_count
        WHERE bucket_ms = old.bucket_ms - ((old.bucket_ms % 86400000) + 86400000) % 86400000
            AND model = old.model AND provider = old.provider;
        INSERT INTO usage_rollup_day (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.bucket_ms - ((new.bucket_ms % 86400000) + 86400000) % 86400000, new.model, new.provider,
            new.requests, new.cost_pusd, new.unpriced, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.succeeded, new.retries, new.latency_count, new.ttft_count)
        ON CONFLICT (bucket_ms, model, provider) DO UPDATE SET
            requests = requests + excluded.requests,
            cost_pusd = cost_pusd + excluded.cost_pusd,
            unpriced = unpriced + excluded.unpriced,
            input_tokens = input_tokens + excluded.input_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens,
            output_tokens = output_tokens + excluded.output_tokens,
            reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
            estimated = estimated + excluded.estimated,
            succeeded = succeeded + excluded.succeeded,
            retries = retries + excluded.retries,
            latency_count = latency_count + excluded.latency_count,
            ttft_count = ttft_count + excluded.ttft_count;
        DELETE FROM usage_rollup_day
        WHERE bucket_ms = old.bucket_ms - ((old.bucket_ms % 86400000) + 86400000) % 86400000
            AND model = old.model AND provider = old.provider AND requests = 0;
    END;
    CREATE TRIGGER usage_rollup_day_delete AFTER DELETE ON usage_rollup_hour BEGIN
        UPDATE usage_rollup_day SET
            requests = requests - old.requests,
            cost_pusd = cost_pusd - old.cost_pusd,
            unpriced = unpriced - old.unpriced,
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - old.succeeded,
            retries = retries - old.retries,
            latency_count = latency_count - old.latency_count,
            ttft_count = ttft_count - old.ttft_count
        WHERE bucket_ms = old.bucket_ms - ((old.bucket_ms % 86400000) + 86400000) % 86400000
            AND model = old.model AND provider = old.provider;
        DELETE FROM usage_rollup_day
        WHERE bucket_ms = old.bucket_ms - ((old.bucket_ms % 86400000) + 86400000) % 86400000
            AND model = old.model AND provider = old.provider AND requests = 0;
    END;

    CREATE TABLE usage_rollup_conversation (
        conversation_id INTEGER PRIMARY KEY,
        requests INTEGER NOT NULL,
        cost_pusd INTEGER NOT NULL,
        unpriced INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        estimated INTEGER NOT NULL
    );
    CREATE TRIGGER usage_rollup_conversation_insert AFTER INSERT ON usage BEGIN
        INSERT INTO usage_rollup_conversation (conversation_id, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, estimated)
        VALUES (COALESCE(new.conversation_id, 0), 1, COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL,
            new.input_tokens, new.cached_tokens, new.output_tokens, new.estimated)
        ON CONFLICT (conversation_id) DO UPDATE SET
            requests = requests + 1,
            cost_pusd = cost_pusd + excluded.cost_pusd,
            unpriced = unpriced + excluded.unpriced,
            input_tokens = input_tokens + excluded.input_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens,
            output_tokens = output_tokens + excluded.output_tokens,
            estimated = estimated + excluded.estimated;
    END;
    CREATE TRIGGER usage_rollup_conversation_delete AFTER DELETE ON usage BEGIN
        UPDATE usage_rollup_conversation SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            estimated = estimated - old.estimated
        WHERE conversation_id = COALESCE(old.conversation_id, 0);
        DELETE FROM usage_rollup_conversation WHERE conversation_id = COALESCE(old.conversation_id, 0) AND requests = 0;
    END;
    CREATE TRIGGER usage_rollup_conversation_update AFTER UPDATE OF conversation_id, input_tokens, cached_tokens,
        output_tokens, estimated, cost_pusd ON usage BEGIN
        UPDATE usage_rollup_conversation SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            estimated = estimated - old.estimated
        WHERE conversation_id = COALESCE(old.conversation_id, 0);
        DELETE FROM usage_rollup_conversation WHERE conversation_id = COALESCE(old.conversation_id, 0) AND requests = 0;
        INSERT INTO usage_rollup_conversation (conversation_id, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, estimated)
        VALUES (COALESCE(new.conversation_id, 0), 1, COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL,
            new.input_tokens, new.cached_tokens, new.output_tokens, new.estimated)
        ON CONFLICT (conversation_id) DO UPDATE SET
            requests = requests + 1,
            cost_pusd = cost_pusd + excluded.cost_pusd,
            unpriced = unpriced + excluded.unpriced,
            input_tokens = input_tokens + excluded.input_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens,
            output_tokens = output_tokens + excluded.output_tokens,
            estimated = estimated + excluded.estimated;
    END;

    CREATE TABLE usage_timing_day (
        bucket_ms INTEGER NOT NULL,
        metric TEXT NOT NULL,
        value_bucket INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        PRIMARY KEY (bucket_ms, metric, value_bucket)
    ) WITHOUT ROWID;
    CREATE TRIGGER usage_timing_day_insert AFTER INSERT ON usage BEGIN
        INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
        SELECT new.created_at - ((new.created_at % 86400000) + 86400000) % 86400000, 'latency_ms',
            CASE WHEN new.latency_ms < 0 THEN 0 ELSE length(CAST(new.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(new.latency_ms AS INTEGER), 1, 2) AS INTEGER) END, 1
        WHERE new.latency_ms IS NOT NULL
        ON CONFLICT (bucket_ms, metric, value_bucket) DO UPDATE SET requests = requests + 1;
        INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
        SELECT new.created_at - ((new.created_at % 86400000) + 86400000) % 86400000, 'ttft_ms',
            CASE WHEN new.ttft_ms < 0 THEN 0 ELSE length(CAST(new.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(new.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END, 1
        WHERE new.ttft_ms IS NOT NULL
        ON CONFLICT (bucket_ms, metric, value_bucket) DO UPDATE SET requests = requests + 1;
    END;
    CREATE TRIGGER usage_timing_day_delete AFTER DELETE ON usage BEGIN
        UPDATE usage_timing_day SET requests = requests - 1
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'latency_ms'
            AND value_bucket = CASE WHEN old.latency_ms < 0 THEN 0 ELSE length(CAST(old.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.latency_ms AS INTEGER), 1, 2) AS INTEGER) END;
        DELETE FROM usage_timing_day
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'latency_ms'
            AND value_bucket = CASE WHEN old.latency_ms < 0 THEN 0 ELSE length(CAST(old.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.latency_ms AS INTEGER), 1, 2) AS INTEGER) END AND requests = 0;
        UPDATE usage_timing_day SET requests = requests - 1
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'ttft_ms'
            AND value_bucket = CASE WHEN old.ttft_ms < 0 THEN 0 ELSE length(CAST(old.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END;
        DELETE FROM usage_timing_day
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'ttft_ms'
            AND value_bucket = CASE WHEN old.ttft_ms < 0 THEN 0 ELSE length(CAST(old.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END AND requests = 0;
    END;
    CREATE TRIGGER usage_timing_day_update AFTER UPDATE OF created_at, latency_ms, ttft_ms ON usage BEGIN
        UPDATE usage_timing_day SET requests = requests - 1
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'latency_ms'
            AND value_bucket = CASE WHEN old.latency_ms < 0 THEN 0 ELSE length(CAST(old.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.latency_ms AS INTEGER), 1, 2) AS INTEGER) END;
        DELETE FROM usage_timing_day
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'latency_ms'
            AND value_bucket = CASE WHEN old.latency_ms < 0 THEN 0 ELSE length(CAST(old.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.latency_ms AS INTEGER), 1, 2) AS INTEGER) END AND requests = 0;
        UPDATE usage_timing_day SET requests = requests - 1
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'ttft_ms'
            AND value_bucket = CASE WHEN old.ttft_ms < 0 THEN 0 ELSE length(CAST(old.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END;
        DELETE FROM usage_timing_day
        WHERE bucket_ms = old.created_at - ((old.created_at % 86400000) + 86400000) % 86400000 AND metric = 'ttft_ms'
            AND value_bucket = CASE WHEN old.ttft_ms < 0 THEN 0 ELSE length(CAST(old.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(old.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END AND requests = 0;
        INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
        SELECT new.created_at - ((new.created_at % 86400000) + 86400000) % 86400000, 'latency_ms',
            CASE WHEN new.latency_ms < 0 THEN 0 ELSE length(CAST(new.latency_ms AS INTEGER)) * 100
                + CAST(substr(CAST(new.latency_ms AS INTEGER), 1, 2) AS INTEGER) END, 1
        WHERE new.latency_ms IS NOT NULL
        ON CONFLICT (bucket_ms, metric, value_bucket) DO UPDATE SET requests = requests + 1;
        INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
        SELECT new.created_at - ((new.created_at % 86400000) + 86400000) % 86400000, 'ttft_ms',
            CASE WHEN new.ttft_ms < 0 THEN 0 ELSE length(CAST(new.ttft_ms AS INTEGER)) * 100
                + CAST(substr(CAST(new.ttft_ms AS INTEGER), 1, 2) AS INTEGER) END, 1
        WHERE new.ttft_ms IS NOT NULL
        ON CONFLICT (bucket_ms, metric, value_bucket) DO UPDATE SET requests = requests + 1;
    END;

    INSERT INTO usage_rollup_day (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
    SELECT bucket_ms - ((bucket_ms % 86400000) + 86400000) % 86400000 AS day, model, provider,
        SUM(requests), SUM(cost_pusd), SUM(unpriced), SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens),
        SUM(reasoning_tokens), SUM(estimated), SUM(succeeded), SUM(retries), SUM(latency_count), SUM(ttft_count)
    FROM usage_rollup_hour GROUP BY day, model, provider;
    INSERT INTO usage_rollup_conversation (conversation_id, requests, cost_pusd, unpriced, input_tokens,
            cached_tokens, output_tokens, estimated)
    SELECT COALESCE(conversation_id, 0) AS conversation, COUNT(*), COALESCE(SUM(cost_pusd), 0),
        SUM(cost_pusd IS NULL), SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), SUM(estimated)
    FROM usage GROUP BY conversation;
    INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
    SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000 AS day, 'latency_ms',
        CASE WHEN latency_ms < 0 THEN 0 ELSE length(CAST(latency_ms AS INTEGER)) * 100
            + CAST(substr(CAST(latency_ms AS INTEGER), 1, 2) AS INTEGER) END AS value, COUNT(*)
    FROM usage WHERE latency_ms IS NOT NULL GROUP BY day, value;
    INSERT INTO usage_timing_day (bucket_ms, metric, value_bucket, requests)
    SELECT created_at - ((created_at % 86400000) + 86400000) % 86400000 AS day, 'ttft_ms',
        CASE WHEN ttft_ms < 0 THEN 0 ELSE length(CAST(ttft_ms AS INTEGER)) * 100
            + CAST(substr(CAST(ttft_ms AS INTEGER), 1, 2) AS INTEGER) END AS value, COUNT(*)
    FROM usage WHERE ttft_ms IS NOT NULL GROUP BY day, value;
    """
