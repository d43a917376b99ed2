"""Text from files made safe to show: Markdown that displays literally, on one line."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def escape_markdown(text: str) -> str:
    """Return text from a file or a user as Markdown that shows it literally, on one line.

    Every ASCII punctuation character gets a backslash (CommonMark lets any of them be
    escaped), so no image, link with hidden target, emphasis, heading, list, HTML tag,
    entity, table, ``$`` maths or Streamlit directive (``:red[...]``, ``:smile:``) can
    start inside the text; control characters (line breaks, tabs) become one space, so
    the text cannot open a new block when it is put in a list item or a heading. Use it
    for every piece of data (an area name, a category, a survey question, a file name)
    put into ``st.markdown``, ``st.caption``, ``st.header`` and other elements that read
    Markdown.

    A bare address (``http://...``, ``www....``, ``name@host``) is still made a link by
    Streamlit's GitHub-flavoured Markdown, which finds them in the text after escapes
    are read; the link shows its own address, so nothing is hidden or loaded.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The Markdown source; rendered, it reads as ``text`` (line breaks as spaces).
    """
    return _PUNCTUATION.sub(r"\\\1", _CONTROL.sub(" ", str(text)))
