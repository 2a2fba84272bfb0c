"""Hostile attachments: keys inside attached text never reach an export, hostile names never drive the terminal."""

from __future__ import annotations

import base64

from tests.hostile.test_exports import RAW_CONTROLS
from tui_chat.core.attachments import Attachment
from tui_chat.services.attachment_export import file_name, json_entry, markdown_lines, write_files
from tui_chat.widgets.attachment_chips import ChipFace

KEY = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd"
HOSTILE_NAME = "../../evil\x1b]52;c;ZXZpbA==\x07[bold]x\u202e.txt"


def test_a_key_inside_an_attached_file_is_masked_in_both_exports(tmp_path) -> None:
    notes = Attachment("notes.txt", "text", "text/plain", f"token = {KEY}\n".encode(), 40)
    exported = base64.b64decode(json_entry(notes)["data_base64"]).decode()
    assert KEY not in exported and "token = " in exported
    write_files({1: [notes]}, tmp_path / "files")
    (written,) = (tmp_path / "files").iterdir()
    assert KEY not in written.read_text()


def test_a_hostile_file_name_stays_inside_its_folder_and_shows_as_plain_text(tmp_path) -> None:
    hostile = Attachment(HOSTILE_NAME, "text", "text/plain", b"hello", 5)
    assert "/" not in file_name(hostile)
    write_files({1: [hostile]}, tmp_path / "files")
    assert [path.parent for path in (tmp_path / "files").iterdir()] == [tmp_path / "files"]
    label = str(ChipFace(HOSTILE_NAME, "5 B").label())
    assert not RAW_CONTROLS.search(label)
    (link,) = [line for line in markdown_lines([hostile], "talk-files") if line]
    assert link.startswith("📎 [") and f"](talk-files/{file_name(hostile)})".replace(" ", "%20") in link
    assert "\n" not in link
