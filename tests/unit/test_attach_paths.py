"""`@path` tokens, their completion, and pasted paths offered as attachments."""

from __future__ import annotations

from pathlib import Path

from tui_chat.core.attach_paths import AtToken, at_token, complete, pasted_paths


def test_an_at_token_starts_a_word_and_ends_at_the_cursor() -> None:
    assert at_token("look at @src/ma", 15) == AtToken(8, "src/ma")
    assert at_token("@", 1) == AtToken(0, "")
    assert at_token("mail me@example.com", 19) is None
    assert at_token("@a b", 4) is None
    assert at_token("no token", 8) is None


def test_completion_extends_to_the_common_prefix_and_enters_a_lone_folder(tmp_path: Path) -> None:
    (tmp_path / "report-2024.txt").write_text("a")
    (tmp_path / "report-2025.txt").write_text("b")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("c")
    (tmp_path / ".hidden").write_text("d")
    assert complete("rep", tmp_path)[0] == "report-202"
    assert len(complete("rep", tmp_path)[1]) == 2
    assert complete("sr", tmp_path) == ("src/", [tmp_path / "src"])
    assert complete("src/m", tmp_path) == ("src/main.py", [tmp_path / "src" / "main.py"])
    assert complete("", tmp_path)[1] == [tmp_path / "report-2024.txt", tmp_path / "report-2025.txt", tmp_path / "src"]
    assert complete(".h", tmp_path)[0] == ".hidden"
    assert complete("zzz", tmp_path) == ("zzz", [])
    assert complete("missing/x", tmp_path) == ("missing/x", [])


def test_a_paste_of_nothing_but_existing_file_paths_is_offered(tmp_path: Path) -> None:
    one = tmp_path / "my photo.png"
    one.write_bytes(b"x")
    two = tmp_path / "b.txt"
    two.write_text("y")
    assert pasted_paths(f"'{one}' {two}\n") == [one, two]
    assert pasted_paths(str(one).replace(" ", "\\ ")) == [one]
    assert pasted_paths("file://" + str(one).replace(" ", "%20")) == [one]
    assert pasted_paths(f"{two} and more words") == []
    assert pasted_paths(f"{tmp_path}") == []
    assert pasted_paths("relative.txt") == []
    assert pasted_paths(f"{two}\n{two}") == []
    assert pasted_paths("'unclosed") == []
