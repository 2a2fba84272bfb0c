"""The attach picker (ctrl+a): a directory tree starting in the working directory, with a type-to-filter box."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static


class FilteredTree(DirectoryTree):
    """A directory tree showing folders and the files whose names contain the filter text (hidden ones left out)."""

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.needle = ""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        needle = self.needle.casefold()
        return [
            path
            for path in paths
            if not path.name.startswith(".") and (not needle or path.is_dir() or needle in path.name.casefold())
        ]


class AttachPicker(ModalScreen[Path | None]):
    """Pick a file to attach; dismisses with its path, or None on Esc."""

    DEFAULT_CSS = """
    AttachPicker { align: center middle; }
    AttachPicker > Vertical { width: 80%; height: 80%; padding: 0 1; background: $panel; border: thick $accent 60%; }
    AttachPicker #attach-title { height: 1; margin-bottom: 1; }
    AttachPicker FilteredTree { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Close", id="attach.close"),
        Binding("down", "focus_tree", "Files", show=False, id="attach.tree"),
    ]
    AUTO_FOCUS = "#attach-filter"

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Attach a file from {self.start}"), id="attach-title")
            yield Input(placeholder="Type to filter file names · ↓ to the files · Enter attaches", id="attach-filter")
            yield FilteredTree(self.start, id="attach-tree")

    @on(Input.Changed, "#attach-filter")
    async def _filter(self, event: Input.Changed) -> None:
        tree = self.query_one(FilteredTree)
        tree.needle = event.value
        await tree.reload()

    @on(Input.Submitted, "#attach-filter")
    def _to_tree(self) -> None:
        """Enter in the filter attaches the one file it leaves; with more, it moves to the first of them."""
        files = self._file_lines()
        if len(files) == 1:
            tree = self.query_one(FilteredTree)
            node = tree.get_node_at_line(files[0])
            if node is not None and node.data is not None:
                self.dismiss(node.data.path)
                return
        self.action_focus_tree()

    def _file_lines(self) -> list[int]:
        """The tree's lines that show a file (not a folder), top first."""
        tree = self.query_one(FilteredTree)
        lines = []
        for line in range(tree.last_line + 1):
            node = tree.get_node_at_line(line)
            if node is not None and node.data is not None and not node.data.path.is_dir():
                lines.append(line)
        return lines

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_focus_tree(self) -> None:
        """Move from the filter box to the files, the cursor on the first file shown (not the folder above it)."""
        tree = self.query_one(FilteredTree)
        tree.focus()
        files = self._file_lines()
        if files:
            tree.move_cursor_to_line(files[0])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
