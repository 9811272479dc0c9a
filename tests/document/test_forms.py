"""The line comparison shown when two people saved the same document."""

from __future__ import annotations

from mandate.document.forms import DiffLine, line_diff


class TestLineDiff:
    def test_changes_keep_two_lines_of_context_and_collapse_the_rest(self) -> None:
        theirs = "\n".join(f"line {n}" for n in range(1, 21))
        mine = theirs.replace("line 10", "my line 10")
        assert line_diff(mine, theirs) == [
            DiffLine("skip", "… 7 unchanged lines"),
            DiffLine("same", "line 8"),
            DiffLine("same", "line 9"),
            DiffLine("theirs", "line 10"),
            DiffLine("mine", "my line 10"),
            DiffLine("same", "line 11"),
            DiffLine("same", "line 12"),
            DiffLine("skip", "… 8 unchanged lines"),
        ]

    def test_additions_at_the_end_and_identical_texts(self) -> None:
        assert line_diff("a\nb\nc", "a\nb") == [DiffLine("same", "a"), DiffLine("same", "b"), DiffLine("mine", "c")]
        assert line_diff("a\nb\nc\nd", "a\nb\nc\nd") == [DiffLine("skip", "… 4 unchanged lines")]
        assert line_diff("", "only theirs") == [DiffLine("theirs", "only theirs")]
