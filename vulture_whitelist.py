"""Names vulture cannot see used, each with the reason; read by vulture (`make check`), never run."""

from logging.handlers import RotatingFileHandler

from tui_chat.core import redaction, think_tags
from tui_chat.core.models import Role
from tui_chat.demo.corpus import CorpusWriter
from tui_chat.screens.usage import UsageScreen
from tui_chat.store.reply_writes import ReplyWrites
from tui_chat.theming import _ThemeOptions
from tui_chat.widgets.compare_column import CompareColumn
from tui_chat.widgets.reply import textual_internals
from tui_chat.widgets.reply.body import ReplyBody

Role.SYSTEM  # stored in the database and read back by value
CorpusWriter.bullets  # called by name from the block plan (getattr)
CorpusWriter.numbered  # called by name from the block plan (getattr)
UsageScreen.exported_path  # where the last CSV export went, read by tests and shown in the toast
ReplyWrites.add_usage  # the seam tests seed usage rows with; the app writes usage together with replies
_ThemeOptions.luminosity_spread  # keys of a TypedDict passed to Theme(**options)
_ThemeOptions.text_alpha  # keys of a TypedDict passed to Theme(**options)
textual_internals.TEXTUAL_VERSION_READ  # named by the test that checks the pinned Textual
textual_internals.missing_internals  # the check that test runs
ReplyBody.shown_source  # what the renderer has drawn, compared with the stored text by the property tests
redaction.forget_secrets  # each test is a fresh run of the app; the suite's fixture forgets keys between them
think_tags.split_think_tags  # the whole-reply form of the splitter, the reference its property tests compare pieces with

from tui_chat.screens.attach_picker import FilteredTree  # noqa: E402

FilteredTree.filter_paths  # DirectoryTree calls it on every folder it lists
RotatingFileHandler._open  # the handler's file-opening hook, overridden in debug_log so log files are 0600
CompareColumn.disabled  # Textual's reactive: the column's pick button is enabled once its reply can be picked
