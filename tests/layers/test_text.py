"""Markdown from data: every character shows literally, nothing starts markup or a new block."""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from layers.text import escape_markdown

PUNCTUATION = set(string.punctuation)  # CommonMark's ASCII punctuation: all escapable


def _commonmark_text(source: str) -> tuple[str, list[str]]:
    """Read Markdown source as CommonMark reads backslash escapes (spec 2.4).

    Returns the text shown, and the punctuation characters left active (not escaped),
    each of which could start markup.
    """
    shown, active, i = [], [], 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in PUNCTUATION:
            shown.append(source[i + 1])
            i += 2
            continue
        if char in PUNCTUATION:
            active.append(char)
        shown.append(char)
        i += 1
    return "".join(shown), active


@given(st.text())
def test_any_text_reads_back_literally_with_no_active_markup(text: str) -> None:
    source = escape_markdown(text)
    shown, active = _commonmark_text(source)
    assert shown == re.sub(r"[\x00-\x1f\x7f]+", " ", text)  # a run of controls: one space
    assert active == []
    assert "\n" not in source
    assert "\r" not in source


def test_links_images_and_maths_are_escaped() -> None:
    assert escape_markdown("![x](http://e.invalid/a.png)") == (
        "\\!\\[x\\]\\(http\\:\\/\\/e\\.invalid\\/a\\.png\\)"
    )
    assert escape_markdown("[click](javascript:alert(1))").startswith("\\[click\\]\\(")
    assert escape_markdown("$x$ & <b>") == "\\$x\\$ \\& \\<b\\>"


def test_line_breaks_cannot_open_a_new_block() -> None:
    assert escape_markdown("Ashley\n# Heading\r\n- item\t1.") == (
        "Ashley \\# Heading \\- item 1\\."
    )
    assert escape_markdown("\x00\x1f\x7f") == " "
