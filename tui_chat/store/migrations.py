"""Append-only numbered schema migrations; PRAGMA user_version is the number applied."""

from __future__ import annotations

# Money is stored as whole picodollars (10^-12 USD) so SQL SUM stays exact: every
# per-million-token price with up to six decimals is a whole number of picodollars per token.
# Times are whole milliseconds since the Unix epoch, which is UTC by definition.
MIGRATIONS: tuple[str, ...] = (
    # 1: conversations, messages and one usage row per request.
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        system_prompt TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX conversations_updated ON conversations (archived, updated_at DESC);

    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'complete',
        error TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        finished_at INTEGER
    );
    CREATE INDEX messages_conversation ON messages (conversation_id, id);

    CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
        message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens INTEGER NOT NULL DEFAULT 0,
        estimated INTEGER NOT NULL DEFAULT 0,
        cost_pusd INTEGER,
        price_source TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        error_kind TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 1,
        latency_ms INTEGER,
        ttft_ms INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX usage_created ON usage (created_at);
    CREATE INDEX usage_model_created ON usage (model, created_at);
    CREATE INDEX usage_provider_created ON usage (provider, created_at);
    CREATE INDEX usage_conversation ON usage (conversation_id, created_at);
    """,
    # 2: per-conversation sampling settings, regenerate alternatives, full-text search.
    # A regenerated reply points at the first reply of its group (`alternative_of`); exactly one
    # message of a group has hidden = 0, the one shown and sent to the model.  The FTS5 index is
    # external-content over messages.content, kept in sync by triggers and backfilled by 'rebuild'.
    """
    ALTER TABLE conversations ADD COLUMN temperature REAL;
    ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;
    ALTER TABLE messages ADD COLUMN alternative_of INTEGER REFERENCES messages (id) ON DELETE SET NULL;
    ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX messages_alternative ON messages (alternative_of) WHERE alternative_of IS NOT NULL;

    CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END;
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
    """,
    # 3: indexes for percentiles and the per-conversation table, and the pre-summed usage_rollup
    # (per 15-minute UTC bucket, model and provider) with its coarser copy usage_rollup_hour (per
    # UTC hour), both kept equal to a GROUP BY over usage by triggers and backfilled here.
    # Every real UTC offset (and so every local midnight and DST change) is a multiple of 15
    # minutes, so a 15-minute bucket never straddles a local day; the hourly table serves the
    # periods and zones whose boundaries all fall on whole hours.  The UPDATE trigger ignores
    # conversation_id and message_id, which deleting a conversation or message sets to NULL.
    # cost_pusd sums priced rows only; unpriced counts the others.  usage_conversation_cost
    # covers the per-conversation sums and makes usage_conversation redundant.
    """
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
    """,
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
    """
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
    """,
    # 5: the connection streaming a reply (its writer lock, see store/writer_locks.py), so a start
    # recovers only replies whose writer has ended; '' for replies written before this column.
    """
    ALTER TABLE messages ADD COLUMN writer TEXT NOT NULL DEFAULT '';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
