"""The attachments migration: content-addressed blobs and the files each message carries."""

from __future__ import annotations

# A blob is stored once by the sha256 of its bytes (what is sent: an image already downscaled, a
# PDF's extracted text) and shared by every message that carries it; a message's attachments go with
# it (ON DELETE CASCADE) and blobs no message uses any more are deleted by the store afterwards.
ATTACHMENTS = """
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    size INTEGER NOT NULL
);

CREATE TABLE message_attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'text', 'pdf')),
    mime TEXT NOT NULL,
    original_size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    pages INTEGER,
    detail TEXT NOT NULL DEFAULT 'high'
);
CREATE INDEX message_attachments_message ON message_attachments (message_id, position);
CREATE INDEX message_attachments_blob ON message_attachments (sha256);
"""
