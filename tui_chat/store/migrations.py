"""Append-only numbered schema migrations; PRAGMA user_version is the number applied."""

from __future__ import annotations

from tui_chat.store.migration_3_rollups import ROLLUPS
from tui_chat.store.migration_4_day_rollups import DAY_ROLLUPS
from tui_chat.store.migration_attachments import ATTACHMENTS
from tui_chat.store.migration_compare import COMPARISONS
from tui_chat.store.migration_cost import COST_TRUTH
from tui_chat.store.migration_reasoning import REASONING
from tui_chat.store.migration_tools import TOOLS

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
    # 3: the 15-minute and hourly usage rollups (store/migration_3_rollups.py).
    ROLLUPS,
    # 4: the daily, per-conversation and timing rollups (store/migration_4_day_rollups.py).
    DAY_ROLLUPS,
    # 5: the connection streaming a reply (its writer lock, see store/writer_locks.py), so a start
    # recovers only replies whose writer has ended; '' for replies written before this column.
    """
    ALTER TABLE messages ADD COLUMN writer TEXT NOT NULL DEFAULT '';
    """,
    # reasoning models: messages.thinking, usage.answer_ms, conversations.reasoning_effort (store/migration_reasoning.py).
    REASONING,
    # tools: tool rounds on replies, usage.round_number, per-conversation tool switches (store/migration_tools.py).
    TOOLS,
    # attachments: content-addressed blobs and each message's files (store/migration_attachments.py).
    ATTACHMENTS,
    # compare: model comparisons and the usage rows of their requests (store/migration_compare.py).
    COMPARISONS,
    # cost: reported vs computed cost, price provenance, per-conversation budgets (store/migration_cost.py).
    COST_TRUTH,
)

SCHEMA_VERSION = len(MIGRATIONS)
