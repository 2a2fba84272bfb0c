"""Attaching with Pilot: ctrl+a, pick a file, see its chip and cost, send it, see it in the transcript."""

from __future__ import annotations

from tests.attachment_samples import write_image
from tests.ui.pilot import modal, prompt_ready, send, wait_for_estimates, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.screens.attach_picker import AttachPicker, FilteredTree
from tui_chat.widgets.attachment_chips import AttachmentChip, AttachmentTray, SentAttachments
from tui_chat.widgets.prompt_input import PromptInput
from tui_chat.widgets.usage_sidebar import UsageSidebar


async def pick(pilot, needle: str) -> None:
    """Open the picker, filter by `needle`, and choose the first file listed."""
    await pilot.press("ctrl+a")
    picker = await modal(pilot, AttachPicker)
    await pilot.press(*needle)
    tree = picker.query_one(FilteredTree)
    await wait_until(pilot, lambda: tree.needle == needle and len(tree.root.children) == 1)
    await pilot.press("down")
    await wait_until(pilot, lambda: tree.has_focus and tree.cursor_node is not None)
    assert tree.cursor_node.data.path.name.casefold().find(needle.casefold()) >= 0  # the file, not its folder
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, AttachPicker))


async def attached(pilot, path) -> None:
    """Once the app is ready, attach `path` as the picker does and wait until it is read."""
    await prompt_ready(pilot)
    await wait_for_estimates(pilot)
    await pilot.app.screen.attach.add(path)
    await wait_until(pilot, lambda: pilot.app.screen.attach.ready() != [])


async def test_ctrl_a_picks_a_file_shows_its_cost_and_sends_it(make_services, loopback, tmp_path, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    write_image(work / "photo.png", 1600, 900)
    (work / "notes.txt").write_text("unrelated\n")
    monkeypatch.chdir(work)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await prompt_ready(pilot)
        await wait_for_estimates(pilot)
        before = app.screen.query_one(UsageSidebar).context_used
        await pick(pilot, "photo")

        tray = app.screen.query_one(AttachmentTray)
        await wait_until(pilot, lambda: app.screen.attach.ready() != [])
        chip = tray.query_one(AttachmentChip)
        label = str(chip.render())
        assert "photo.png" in label and "1600×900" in label and "1,105 tok" in label and "$" in label
        assert app.screen.query_one(UsageSidebar).context_used - before == 1105

        await send(pilot, "Describe it")
        await wait_for_reply(pilot)

        body = loopback.requests[-1].json["messages"][-1]["content"]
        assert body[0] == {"type": "text", "text": "Describe it"} and body[1]["type"] == "image_url"
        assert not tray.query(AttachmentChip) and not tray.display
        strip = app.screen.query_one(SentAttachments)
        assert "photo.png 1365×768" in str(strip.render())
        sidebar = app.screen.query_one(UsageSidebar)
        await wait_until(pilot, lambda: sidebar.context_used > 1105)  # the sent image stays in the context

        await pilot.press("f3")  # edit the last prompt: its attachment comes back with it and is resent
        await wait_until(pilot, lambda: len(app.screen.attach.ready()) == 1)
        assert "photo.png" in str(tray.query_one(AttachmentChip).render())
        await send(pilot, "Describe it again")
        await wait_for_reply(pilot)
        again = loopback.requests[-1].json["messages"]
        assert [message["role"] for message in again] == ["user"]
        assert again[0]["content"][0]["text"] == "Describe it again" and again[0]["content"][1] == body[1]


async def test_an_image_for_a_model_without_vision_is_refused_in_the_app(
    make_services, loopback, tmp_path, monkeypatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    write_image(work / "shot.png", 300, 300)
    monkeypatch.chdir(work)
    app = ChatApp(make_services(model="demo-fast"))
    async with app.run_test(size=(120, 36)) as pilot:
        await prompt_ready(pilot)
        await pick(pilot, "shot")
        await wait_until(pilot, lambda: app.screen.attach.ready() != [])
        assert "no vision" in str(app.screen.query_one(AttachmentChip).render())
        await send(pilot, "look")
        await pilot.pause()
        assert loopback.requests == []
        assert app.screen.query_one(PromptInput).text == "look"
        assert app.screen.query(AttachmentChip)
        await pilot.press("shift+tab")
        chip = app.screen.query_one(AttachmentChip)
        chip.focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: not app.screen.query(AttachmentChip))


async def test_at_path_and_tab_attach_a_file_and_tab_still_moves_focus_elsewhere(
    make_services, loopback, tmp_path, monkeypatch
) -> None:
    from textual import events

    from tui_chat.screens.confirm import ConfirmScreen

    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "guide.md").write_text("# Guide\n")
    monkeypatch.chdir(work)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = await prompt_ready(pilot)
        await wait_for_estimates(pilot)
        prompt.focus()
        await pilot.press(*"read @do")
        await pilot.press("tab")
        assert prompt.text == "read @docs/" and app.focused is prompt
        await pilot.press("g", "tab")
        await wait_until(pilot, lambda: app.screen.attach.ready() != [])
        assert prompt.text == "read " and "guide.md" in str(app.screen.query_one(AttachmentChip).render())
        await pilot.press("tab")
        assert app.focused is not prompt

        prompt.focus()
        prompt.clear()
        await pilot.pause()
        app.post_message(events.Paste(f"'{work / 'docs' / 'guide.md'}'"))
        dialog = await modal(pilot, ConfirmScreen)
        assert "Attach guide.md?" in str(dialog.query_one("#confirm-question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.screen.attach.ready()) == 2)
        assert prompt.text == ""


async def test_a_sent_image_shows_a_thumbnail_where_the_terminal_has_graphics(
    make_services, loopback, tmp_path, monkeypatch
) -> None:
    from textual_image.widget import UnicodeImage

    from tui_chat.widgets import thumbnails

    monkeypatch.setattr(thumbnails, "_widget", UnicodeImage)  # what prepare() picks on a Kitty or Sixel terminal
    image = write_image(tmp_path / "pic.png", 640, 480)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await attached(pilot, image)
        await send(pilot, "Thumb?")
        await wait_for_reply(pilot)
        shown = app.screen.query(".attachment-thumbnail")
        assert len(shown) == 1 and isinstance(shown.first(), UnicodeImage)
        assert shown.first().region.height == 8


async def test_l_on_a_chip_sends_the_image_at_low_detail(make_services, loopback, tmp_path) -> None:
    from tests.attachment_samples import image_size
    from tests.integration.test_attachments import image_from_part

    image = write_image(tmp_path / "wide.png", 1600, 900)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await attached(pilot, image)
        app.screen.query_one(AttachmentChip).focus()
        await pilot.press("l")
        await wait_until(pilot, lambda: [a.detail for a in app.screen.attach.ready()] == ["low"])
        label = str(app.screen.query_one(AttachmentChip).render())
        assert "low detail" in label and "≈85 tok" in label
        await send(pilot, "Cheap look")
        await wait_for_reply(pilot)
        part = loopback.requests[-1].json["messages"][-1]["content"][1]
        assert part["image_url"]["detail"] == "low"
        assert image_size(image_from_part(part)[1]) == (512, 288)


async def test_a_file_over_the_limit_asks_first(make_services, app_paths, loopback, tmp_path) -> None:
    from tui_chat.screens.confirm import ConfirmScreen

    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("[attachments]\nask_above_mb = 0.001\n")
    log = tmp_path / "big.log"
    log.write_text("line\n" * 1000)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await prompt_ready(pilot)
        await wait_for_estimates(pilot)
        await app.screen.attach.add(log)
        dialog = await modal(pilot, ConfirmScreen)
        assert "big.log is 4.9 KB, over the 1.0 KB that asks first" in str(
            dialog.query_one("#confirm-question").render()
        )
        await pilot.press("y")
        await wait_until(pilot, lambda: [a.name for a in app.screen.attach.ready()] == ["big.log"])


async def test_older_prompts_loaded_by_scrolling_up_show_their_attachments(make_services, loopback, tmp_path) -> None:
    from tui_chat.core.models import Role
    from tui_chat.services.attachment_files import load_attachment
    from tui_chat.widgets.chat_pane import ChatPane

    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    notes = tmp_path / "old.txt"
    notes.write_text("old notes\n")

    async def ignore(_event) -> None:
        return None

    await conversations.send(conversation, "first", ignore, attachments=[load_attachment(notes, ask_above=1 << 30)])
    repository = await services.repository()
    for index in range(40):
        await repository.add_message(conversation.id, Role.USER if index % 2 == 0 else Role.ASSISTANT, f"m{index}")
    await services.aclose()

    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await prompt_ready(pilot)
        await wait_for_estimates(pilot)
        pane = app.screen.query_one(ChatPane)
        assert not app.screen.query(SentAttachments)
        for _ in range(20):
            if not pane.has_older:
                break
            app.screen.load_older()
            await settle_workers_of(app)
        await wait_until(pilot, lambda: bool(app.screen.query(SentAttachments)))
        assert "old.txt" in str(app.screen.query_one(SentAttachments).render())


async def settle_workers_of(app) -> None:
    from tests.ui.pilot import settle_workers

    await settle_workers(app.screen)


async def test_enter_in_the_filter_attaches_the_one_file_it_leaves(make_services, tmp_path, monkeypatch) -> None:
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "readme.txt").write_text("read me\n")
    (work / "notes.txt").write_text("alpha\n")
    (work / "notebook.txt").write_text("beta\n")
    monkeypatch.chdir(work)
    app = ChatApp(make_services())
    async with app.run_test(size=(120, 36)) as pilot:
        await prompt_ready(pilot)
        await pilot.press("ctrl+a")
        picker = await modal(pilot, AttachPicker)
        tree = picker.query_one(FilteredTree)
        await pilot.press(*"note", "enter")  # two files match: Enter goes to the first of them, not a folder
        await wait_until(pilot, lambda: tree.has_focus)
        assert tree.cursor_node is not None and tree.cursor_node.data.path.name == "notebook.txt"
        await pilot.press("shift+tab", *"s.t", "enter")  # one file left: Enter attaches it
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, AttachPicker))
        await wait_until(pilot, lambda: app.screen.attach.ready() != [])
        assert [attachment.name for attachment in app.screen.attach.ready()] == ["notes.txt"]
