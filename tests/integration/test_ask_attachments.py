"""`tui-chat ask -a FILE` as a user runs it: a real subprocess talking to the loopback server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.attachment_samples import write_image
from tests.integration.test_cli import run
from tui_chat.paths import AppPaths


def test_ask_attaches_repeated_files_and_stores_them(
    isolated_environment: Path, app_paths: AppPaths, loopback, tmp_path: Path
) -> None:
    image = write_image(tmp_path / "chart.png", 1200, 600)
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nwalrus\n")

    result = run(
        isolated_environment,
        "ask",
        "Explain",
        "-a",
        str(image),
        "--attach",
        str(notes),
        "--base-url",
        loopback.base_url,
    )

    assert result.returncode == 0, result.stderr
    content = loopback.requests[-1].json["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "Explain\n\nnotes.md\n```md\n# Notes\nwalrus\n```"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    with sqlite3.connect(app_paths.database) as connection:
        rows = connection.execute(
            "SELECT name, kind, width, height FROM message_attachments ORDER BY position"
        ).fetchall()
    assert rows == [("chart.png", "image", 1200, 600), ("notes.md", "text", None, None)]


def test_ask_refuses_images_for_a_model_without_vision_and_bad_files(
    isolated_environment: Path, app_paths: AppPaths, loopback, tmp_path: Path
) -> None:
    image = write_image(tmp_path / "chart.png", 100, 100)
    refused = run(
        isolated_environment, "ask", "hi", "-a", str(image), "--model", "demo-fast", "--base-url", loopback.base_url
    )
    assert refused.returncode != 0
    assert "demo-fast does not take images (chart.png)" in refused.stderr and "Traceback" not in refused.stderr
    (tmp_path / "bad.gif").write_bytes(b"GIF89a\x00")
    corrupt = run(isolated_environment, "ask", "hi", "-a", str(tmp_path / "bad.gif"), "--base-url", loopback.base_url)
    assert corrupt.returncode == 2 and "bad.gif is not a readable PNG, JPEG, WebP or GIF image" in corrupt.stderr
    missing = run(isolated_environment, "ask", "hi", "-a", str(tmp_path / "nope.txt"), "--base-url", loopback.base_url)
    assert missing.returncode == 2 and "nope.txt cannot be read" in missing.stderr
    assert loopback.requests == []
    assert not app_paths.database.exists() or _messages(app_paths) == 0


def _messages(paths: AppPaths) -> int:
    with sqlite3.connect(paths.database) as connection:
        return connection.execute("SELECT COUNT(*) FROM messages").fetchone()[0]


def test_export_embeds_attachments_in_json_and_writes_them_beside_markdown(
    isolated_environment: Path, app_paths: AppPaths, loopback, tmp_path: Path
) -> None:
    import base64
    import json

    from tests.attachment_samples import image_size

    image = write_image(tmp_path / "my chart.png", 3000, 1000)
    notes = tmp_path / "notes.txt"
    notes.write_text("walrus facts\n")
    asked = run(isolated_environment, "ask", "See", "-a", str(image), "-a", str(notes), "--base-url", loopback.base_url)
    assert asked.returncode == 0, asked.stderr

    exported = run(isolated_environment, "export", "1", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    prompt = json.loads(exported.stdout)["messages"][0]
    picture, text = prompt["attachments"]
    assert (picture["name"], picture["width"], picture["height"]) == ("my chart.png", 2048, 683)
    assert image_size(base64.b64decode(picture["data_base64"])) == (2048, 683)
    assert base64.b64decode(text["data_base64"]) == b"walrus facts\n"

    target = tmp_path / "out" / "talk.md"
    target.parent.mkdir()
    written = run(isolated_environment, "export", "1", "-o", str(target))
    assert written.returncode == 0, written.stderr
    markdown = target.read_text()
    files = sorted((tmp_path / "out" / "talk-files").iterdir(), key=lambda path: path.name.split("-", 1)[1])
    assert [path.name.split("-", 1)[1] for path in files] == ["my chart.png", "notes.txt"]
    for path in files:
        assert f"talk-files/{path.name}".replace(" ", "%20") in markdown
    assert f"![my chart.png](talk-files/{files[0].name.replace(' ', '%20')}) (2048×683)" in markdown
    assert (tmp_path / "out" / "talk-files" / files[1].name).read_text() == "walrus facts\n"
