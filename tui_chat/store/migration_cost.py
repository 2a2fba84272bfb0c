"""The schema for money a person can check: the provider's reported cost beside ours, price provenance, budgets."""

from __future__ import annotations

COST_TRUTH = """
    ALTER TABLE usage ADD COLUMN computed_cost_pusd INTEGER;
    ALTER TABLE usage ADD COLUMN price_kind TEXT NOT NULL DEFAULT '';
    ALTER TABLE usage ADD COLUMN prices_version TEXT NOT NULL DEFAULT '';
    ALTER TABLE usage ADD COLUMN response_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE conversations ADD COLUMN budget_pusd INTEGER;
    CREATE INDEX usage_reported ON usage (created_at) WHERE price_kind = 'reported';
    CREATE TABLE reconciliations (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        ran_at INTEGER NOT NULL,
        first_day TEXT NOT NULL,
        last_day TEXT NOT NULL,
        ours_pusd INTEGER NOT NULL,
        billed_pusd INTEGER NOT NULL,
        days_apart INTEGER NOT NULL
    );
    CREATE TABLE response_cache (
        key TEXT PRIMARY KEY,
        reply TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
"""
"""`usage.cost_pusd` stays the figure shown and summed: the provider's reported cost when it sent one.

`computed_cost_pusd` is our own price of the same tokens (NULL when unpriced or for rows from before
this migration), so a reply whose two figures differ can be flagged. `price_kind` says where the shown
cost came from (genai-prices, override, local, reported, unpriced; '' for older rows) and
`prices_version` the genai-prices data it was computed with; `response_id` the provider's id of the
completion, to look it up in the provider's own records. `conversations.budget_pusd` is a
per-conversation limit, NULL for none. The partial index finds the period's reported costs (to check
them against ours) without reading every row. `reconciliations` keeps each comparison with the
provider's bill: the UTC days covered, both totals and how many days differed. `response_cache` holds
`ask --cache` replies by a hash of the exact request (provider, model, messages, parameters).
"""
