"""The schema change for comparing models side by side: one row per comparison, and usage rows tagged with it."""

COMPARISONS = """
CREATE TABLE comparisons (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    prompt_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    blind INTEGER NOT NULL DEFAULT 0,
    picked_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    picked_provider TEXT NOT NULL DEFAULT '',
    picked_model TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX comparisons_picked_model ON comparisons (picked_model) WHERE picked_model != '';
ALTER TABLE usage ADD COLUMN comparison_id INTEGER REFERENCES comparisons (id) ON DELETE SET NULL;
CREATE INDEX usage_comparison ON usage (comparison_id) WHERE comparison_id IS NOT NULL;
"""
"""The comparisons table (the picked model is kept by name too, so a deleted reply still counts) and usage.comparison_id."""
