"""The schema change for reasoning models: a reply's thinking, its time to first answer token, and the effort asked for."""

from __future__ import annotations

# IF EXISTS: databases made from the schema fixtures lack the FTS triggers.
# The thinking is its own column (never part of the text sent back); the full-text index is rebuilt
# over content and thinking together so a search finds either. answer_ms is NULL when no answer
# came; reasoning_effort is NULL for the provider's default. The rollups hold no reasoning figures: the
# usage screen reads the requests that reasoned through their own small index.
REASONING = """
ALTER TABLE messages ADD COLUMN thinking TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN answer_ms INTEGER;
ALTER TABLE conversations ADD COLUMN reasoning_effort TEXT;
CREATE INDEX usage_reasoning ON usage (created_at) WHERE reasoning_tokens > 0;

DROP TRIGGER IF EXISTS messages_fts_insert;
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TRIGGER IF EXISTS messages_fts_update;
DROP TABLE IF EXISTS messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content, thinking, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content, thinking) VALUES (new.id, new.content, new.thinking);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, thinking) VALUES ('delete', old.id, old.content, old.thinking);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, thinking ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, thinking) VALUES ('delete', old.id, old.content, old.thinking);
    INSERT INTO messages_fts (rowid, content, thinking) VALUES (new.id, new.content, new.thinking);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""
