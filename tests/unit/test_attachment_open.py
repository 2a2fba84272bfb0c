"""What `o` hands the system viewer: private copies of the attachments, named by their content hash."""

from __future__ import annotations

from tui_chat.core.attachments import Attachment
from tui_chat.services.attachment_open import write_copies


def test_copies_are_written_by_hash_and_name_a_pdf_as_its_text(tmp_path) -> None:
    picture = Attachment("../shot.png", "image", "image/png", b"\x89PNG-bytes", 10, 1, 1)
    report = Attachment("report.pdf", "pdf", "text/plain", b"page text", 999, pages=2)
    paths = write_copies([picture, report], tmp_path)
    assert paths == [tmp_path / picture.sha256[:16] / "shot.png", tmp_path / report.sha256[:16] / "report.pdf.txt"]
    assert [path.read_bytes() for path in paths] == [b"\x89PNG-bytes", b"page text"]
