"""Allow `python -m tui_chat.cli`."""

from tui_chat.cli import main

raise SystemExit(main())
