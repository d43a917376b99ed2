"""Words on the trends page: what the sidebar chose, and data text made safe for Markdown."""

from __future__ import annotations

from app_pages import FLAG_LABELS, KIND_LABELS, Filters
from layers.maps import month_range_label
from layers.text import escape_markdown


def markdown_text(text: str) -> str:
    """Escape Markdown (and ``$``, which Streamlit reads as maths) in text from the data."""
    return escape_markdown(text)


def filters_text(filters: Filters) -> str:
    """One line saying what the sidebar chose: layers, months, categories and flags."""
    parts = [
        " + ".join(KIND_LABELS[k] for k in filters.kinds),
        month_range_label(filters.date_from, filters.date_to),
    ]
    if filters.categories:
        parts.append("categories: " + ", ".join(filters.categories))
    if filters.flags:
        parts.append("incident flags: " + ", ".join(FLAG_LABELS.get(f, f) for f in filters.flags))
    return " · ".join(parts)
