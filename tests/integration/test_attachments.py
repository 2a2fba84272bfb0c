"""Attachments end to end: the exact request body the loopback server receives, its reported usage, storage."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest

from tests.attachment_samples import image_size, write_image, write_pdf
from tui_chat.core.attachments import fenced
from tui_chat.core.image_tokens import image_tokens
from tui_chat.core.models import Role
from tui_chat.services.attachment_files import AttachmentRefused, AttachmentTooLarge, load_attachment

BIG = 10**9


async def ignore(_event) -> None:
    return None


def chat_bodies(loopback) -> list[dict]:
    return [request.json for request in loopback.requests if request.path.endswith("/chat/completions")]


def image_from_part(part: dict) -> tuple[str, bytes]:
    header, _, payload = part["image_url"]["url"].partition(",")
    return header, base64.b64decode(payload)


async def test_an_image_goes_as_a_downscaled_data_url_and_its_estimate_is_the_reported_usage(
    make_services, loopback, tmp_path: Path
) -> None:
    photo = load_attachment(write_image(tmp_path / "photo.png", 4000, 3000), ask_above=BIG)
    assert (photo.width, photo.height, photo.original_size > 0) == (1024, 768, True)
    services = make_services()
    conversations = await services.conversations()
    plain = await conversations.create(provider="demo", model="demo")
    with_image = await conversations.create(provider="demo", model="demo")

    without = await conversations.send(plain, "What is in it?", ignore)
    finished = await conversations.send(with_image, "What is in it?", ignore, attachments=[photo])

    body = chat_bodies(loopback)[-1]
    content = body["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What is in it?"}
    assert content[1]["type"] == "image_url" and content[1]["image_url"]["detail"] == "high"
    header, data = image_from_part(content[1])
    assert header == "data:image/png;base64" and image_size(data) == (1024, 768)
    estimate = photo.image_tokens()
    assert estimate == image_tokens(4000, 3000) == 85 + 170 * 4
    assert finished.record.usage.input_tokens - without.record.usage.input_tokens == estimate
    await services.aclose()


async def test_text_files_and_pdfs_go_as_fenced_blocks_headed_by_their_names(
    make_services, loopback, tmp_path: Path
) -> None:
    code = tmp_path / "tool.py"
    code.write_text("print('hi')\n```\n")
    pdf = write_pdf(tmp_path / "report.pdf", ["Quarterly walrus count", "Page two"])
    files = [load_attachment(code, ask_above=BIG), load_attachment(pdf, ask_above=BIG)]
    assert files[1].pages == 2
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo-fast")

    await conversations.send(conversation, "Review these", ignore, attachments=files)

    sent = chat_bodies(loopback)[-1]["messages"][-1]["content"]
    assert sent == (
        "Review these\n\ntool.py\n````py\nprint('hi')\n```\n````\n\n"
        "report.pdf\n```pdf\nQuarterly walrus count\n\nPage two\n```"
    )
    assert sent.endswith(fenced("report.pdf", "Quarterly walrus count\n\nPage two"))
    await services.aclose()


async def test_a_model_without_vision_is_refused_before_anything_is_sent_or_saved(
    make_services, loopback, tmp_path: Path
) -> None:
    image = load_attachment(write_image(tmp_path / "shot.png", 300, 200), ask_above=BIG)
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo-fast")

    with pytest.raises(AttachmentRefused) as refused:
        await conversations.send(conversation, "look", ignore, attachments=[image])

    assert "demo-fast does not take images" in refused.value.detail and "demo" in refused.value.hint
    assert chat_bodies(loopback) == []
    assert await conversations.messages(conversation.id) == []
    await services.aclose()


def test_a_20_mb_image_is_downscaled_never_upscaled(tmp_path: Path) -> None:
    huge = write_image(tmp_path / "huge.png", 2700, 2700, noise=True)
    assert huge.stat().st_size >= 20 * 1024 * 1024
    big = load_attachment(huge, ask_above=BIG)
    assert (big.width, big.height) == (768, 768) and image_size(big.data) == (768, 768)
    assert len(big.data) < huge.stat().st_size
    small_path = write_image(tmp_path / "small.png", 200, 100)
    small = load_attachment(small_path, ask_above=BIG)
    assert (small.width, small.height) == (200, 100) and small.data == small_path.read_bytes()


def test_corrupt_unreadable_binary_and_large_files_are_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)
    truncated = write_image(tmp_path / "cut.png", 400, 400, noise=True)
    truncated.write_bytes(truncated.read_bytes()[:5000])
    (tmp_path / "fake.jpg").write_text("just text")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notes.txt").write_text("x" * 3000)
    cases = {
        "broken.png": "damaged image",
        "fake.jpg": "not a readable PNG, JPEG, WebP or GIF image",
        "cut.png": "damaged image",
        "missing.txt": "cannot be read",
        "blob.bin": "binary file",
        ".": "is a folder",
    }
    for name, words in cases.items():
        with pytest.raises(AttachmentRefused) as refused:
            load_attachment(tmp_path / name, ask_above=BIG)
        assert words in refused.value.detail, name
    blank = write_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(AttachmentRefused, match="no extractable text"):
        load_attachment(blank, ask_above=BIG)
    with pytest.raises(AttachmentTooLarge) as large:
        load_attachment(tmp_path / "notes.txt", ask_above=1000)
    assert "asks first" in large.value.detail
    assert load_attachment(tmp_path / "notes.txt", ask_above=1000, confirmed=True).text == "x" * 3000


async def test_an_attachment_survives_restart_and_regenerate_resends_it(
    make_services, loopback, tmp_path: Path, app_paths
) -> None:
    image = load_attachment(write_image(tmp_path / "cat.png", 600, 600), ask_above=BIG)
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    await conversations.send(conversation, "Describe", ignore, attachments=[image])
    first = chat_bodies(loopback)[-1]["messages"]

    services_again = make_services()
    restarted = await services_again.conversations()
    await restarted.retry(conversation, ignore)
    await restarted.continue_reply(conversation, ignore)

    retried, continued = chat_bodies(loopback)[-2:]
    assert retried["messages"] == first
    assert continued["messages"][0] == first[0] and continued["messages"][-1]["content"].startswith("Continue")
    prompt = (await restarted.messages(conversation.id))[0]
    assert prompt.role is Role.USER and prompt.content == "Describe"
    await services.aclose()
    await services_again.aclose()


async def test_blobs_are_stored_once_and_deleted_with_the_last_conversation_using_them(
    make_services, loopback, tmp_path: Path, app_paths
) -> None:
    image = load_attachment(write_image(tmp_path / "same.png", 64, 64), ask_above=BIG)
    services = make_services()
    conversations = await services.conversations()
    one = await conversations.create(provider="demo", model="demo")
    two = await conversations.create(provider="demo", model="demo")
    await conversations.send(one, "a", ignore, attachments=[image])
    await conversations.send(two, "b", ignore, attachments=[image])

    def counts() -> tuple[int, int]:
        with sqlite3.connect(app_paths.database) as connection:
            blobs = connection.execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
            links = connection.execute("SELECT COUNT(*) FROM message_attachments").fetchone()[0]
        return blobs, links

    assert counts() == (1, 2)
    await conversations.delete(one.id)
    assert counts() == (1, 1)
    await conversations.delete(two.id)
    assert counts() == (0, 0)
    await services.aclose()
