"""Migration 3: the 15-minute and hourly usage rollups, kept by triggers."""

from __future__ import annotations

# 3: indexes for percentiles and the per-conversation table, and the pre-summed usage_rollup
# (per 15-minute UTC bucket, model and provider) with its coarser copy usage_rollup_hour (per
# UTC hour), both kept equal to a GROUP BY over usage by triggers and backfilled here.
# Every real UTC offset (and so every local midnight and DST change) is a multiple of 15
# minutes, so a 15-minute bucket never straddles a local day; the hourly table serves the
# periods and zones whose boundaries all fall on whole hours.  The UPDATE trigger ignores
# conversation_id and message_id, which deleting a conversation or message sets to NULL.
# cost_pusd sums priced rows only; unpriced counts the others.  usage_conversation_cost
# covers the per-conversation sums and makes usage_conversation redundant.
ROLLUPS = """
    CREATE INDEX usage_latency ON usage (latency_ms, created_at);
    CREATE INDEX usage_ttft ON usage (ttft_ms, created_at);
    CREATE INDEX usage_conversation_cost ON usage (
        conversation_id, created_at, cost_pusd, input_tokens, cached_tokens, output_tokens, estimated
    );
    DROP INDEX usage_conversation;

    CREATE TABLE usage_rollup (
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
    CREATE TABLE usage_rollup_hour (
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

    CREATE TRIGGER usage_rollup_insert AFTER INSERT ON usage BEGIN
        INSERT INTO usage_rollup (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.created_at - ((new.created_at % 900000) + 900000) % 900000, new.model, new.provider, 1,
            COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.status = 'complete', new.attempts - 1,
            new.latency_ms IS NOT NULL, new.ttft_ms IS NOT NULL)
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
        INSERT INTO usage_rollup_hour (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.created_at - ((new.created_at % 3600000) + 3600000) % 3600000, new.model, new.provider, 1,
            COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.status = 'complete', new.attempts - 1,
            new.latency_ms IS NOT NULL, new.ttft_ms IS NOT NULL)
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
    CREATE TRIGGER usage_rollup_delete AFTER DELETE ON usage BEGIN
        UPDATE usage_rollup SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - (old.status = 'complete'),
            retries = retries - (old.attempts - 1),
            latency_count = latency_count - (old.latency_ms IS NOT NULL),
            ttft_count = ttft_count - (old.ttft_ms IS NOT NULL)
        WHERE bucket_ms = old.created_at - ((old.created_at % 900000) + 900000) % 900000
            AND model = old.model AND provider = old.provider;
        DELETE FROM usage_rollup
        WHERE bucket_ms = old.created_at - ((old.created_at % 900000) + 900000) % 900000
            AND model = old.model AND provider = old.provider AND requests = 0;
        UPDATE usage_rollup_hour SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - (old.status = 'complete'),
            retries = retries - (old.attempts - 1),
            latency_count = latency_count - (old.latency_ms IS NOT NULL),
            ttft_count = ttft_count - (old.ttft_ms IS NOT NULL)
        WHERE bucket_ms = old.created_at - ((old.created_at % 3600000) + 3600000) % 3600000
            AND model = old.model AND provider = old.provider;
        DELETE FROM usage_rollup_hour
        WHERE bucket_ms = old.created_at - ((old.created_at % 3600000) + 3600000) % 3600000
            AND model = old.model AND provider = old.provider AND requests = 0;
    END;
    CREATE TRIGGER usage_rollup_update AFTER UPDATE OF created_at, model, provider, input_tokens, cached_tokens, output_tokens,
        reasoning_tokens, estimated, cost_pusd, status, attempts, latency_ms, ttft_ms ON usage BEGIN
        UPDATE usage_rollup SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - (old.status = 'complete'),
            retries = retries - (old.attempts - 1),
            latency_count = latency_count - (old.latency_ms IS NOT NULL),
            ttft_count = ttft_count - (old.ttft_ms IS NOT NULL)
        WHERE bucket_ms = old.created_at - ((old.created_at % 900000) + 900000) % 900000
            AND model = old.model AND provider = old.provider;
        DELETE FROM usage_rollup
        WHERE bucket_ms = old.created_at - ((old.created_at % 900000) + 900000) % 900000
            AND model = old.model AND provider = old.provider AND requests = 0;
        UPDATE usage_rollup_hour SET
            requests = requests - 1,
            cost_pusd = cost_pusd - COALESCE(old.cost_pusd, 0),
            unpriced = unpriced - (old.cost_pusd IS NULL),
            input_tokens = input_tokens - old.input_tokens,
            cached_tokens = cached_tokens - old.cached_tokens,
            output_tokens = output_tokens - old.output_tokens,
            reasoning_tokens = reasoning_tokens - old.reasoning_tokens,
            estimated = estimated - old.estimated,
            succeeded = succeeded - (old.status = 'complete'),
            retries = retries - (old.attempts - 1),
            latency_count = latency_count - (old.latency_ms IS NOT NULL),
            ttft_count = ttft_count - (old.ttft_ms IS NOT NULL)
        WHERE bucket_ms = old.created_at - ((old.created_at % 3600000) + 3600000) % 3600000
            AND model = old.model AND provider = old.provider;
        DELETE FROM usage_rollup_hour
        WHERE bucket_ms = old.created_at - ((old.created_at % 3600000) + 3600000) % 3600000
            AND model = old.model AND provider = old.provider AND requests = 0;
        INSERT INTO usage_rollup (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.created_at - ((new.created_at % 900000) + 900000) % 900000, new.model, new.provider, 1,
            COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.status = 'complete', new.attempts - 1,
            new.latency_ms IS NOT NULL, new.ttft_ms IS NOT NULL)
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
        INSERT INTO usage_rollup_hour (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
        VALUES (new.created_at - ((new.created_at % 3600000) + 3600000) % 3600000, new.model, new.provider, 1,
            COALESCE(new.cost_pusd, 0), new.cost_pusd IS NULL, new.input_tokens, new.cached_tokens, new.output_tokens,
            new.reasoning_tokens, new.estimated, new.status = 'complete', new.attempts - 1,
            new.latency_ms IS NOT NULL, new.ttft_ms IS NOT NULL)
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

    INSERT INTO usage_rollup (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
    SELECT created_at - ((created_at % 900000) + 900000) % 900000 AS bucket, model, provider,
        COUNT(*), COALESCE(SUM(cost_pusd), 0), SUM(cost_pusd IS NULL), SUM(input_tokens), SUM(cached_tokens),
        SUM(output_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(status = 'complete'), SUM(attempts - 1),
        COUNT(latency_ms), COUNT(ttft_ms)
    FROM usage GROUP BY bucket, model, provider;
    INSERT INTO usage_rollup_hour (bucket_ms, model, provider, requests, cost_pusd, unpriced, input_tokens, cached_tokens,
            output_tokens, reasoning_tokens, estimated, succeeded, retries, latency_count, ttft_count)
    SELECT created_at - ((created_at % 3600000) + 3600000) % 3600000 AS bucket, model, provider,
        COUNT(*), COALESCE(SUM(cost_pusd), 0), SUM(cost_pusd IS NULL), SUM(input_tokens), SUM(cached_tokens),
        SUM(output_tokens), SUM(reasoning_tokens), SUM(estimated), SUM(status = 'complete'), SUM(attempts - 1),
        COUNT(latency_ms), COUNT(ttft_ms)
    FROM usage GROUP BY bucket, model, provider;
    """
