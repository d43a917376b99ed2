"""Map explorer: what was chosen automatically, what could not be computed, and how."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from app_pages import AUTO, KIND_LABELS
from app_pages._map_build import MapView
from layers.text import escape_markdown


@dataclass(frozen=True)
class ViewNotes:
    """Notes of the statistics of one view: refusals and warnings, and how the KDE was made."""

    gi: list[str] = field(default_factory=list)
    emerging: list[str] = field(default_factory=list)
    density: list[str] = field(default_factory=list)
    overlap: list[str] = field(default_factory=list)
    kde: dict[str, Any] = field(default_factory=dict)

    def all(self) -> list[str]:
        """Return every note, statistic by statistic."""
        return [*self.gi, *self.emerging, *self.density, *self.overlap]


def automatic_choices(view: MapView, notes: ViewNotes) -> None:
    """List every parameter chosen automatically for this view, in words."""
    lines = []
    if view.filters.areas == AUTO and view.filters.resolution_reason:
        lines.append(f"**Hexagon size:** {view.filters.resolution_reason}")
    lines.append(
        "**Count colours:** five classes holding equal numbers of the areas with any "
        "events (quantiles); areas with none are not coloured."
    )
    if view.gi is not None:
        lines.append(f"**Hot and cold spots (Gi\\*):** {_gi_choice(view)}")
    if view.emerging is not None:
        lines.append(f"**Emerging hot spots:** {_emerging_choice(view)}")
    if notes.kde:
        lines.append(f"**Density of events (KDE):** {_kde_choice(notes.kde)}")
    st.markdown("##### Chosen automatically\n" + "\n".join(f"- {line}" for line in lines))


def refusal_notes(notes: ViewNotes) -> None:
    """Show, as friendly notes, the statistics that refused this view and their warnings."""
    for note in notes.all():
        st.info(note, icon="ℹ️")


def method_notes(view: MapView, notes: ViewNotes) -> None:
    """Say exactly how each layer was made (for analysts), folded away."""
    with st.expander("How these layers were made"):
        if view.gi is not None:
            st.markdown(f"**Hot and cold spots.** {_escape(view.gi.attrs.get('method', ''))}")
        if view.emerging is not None:
            attrs = view.emerging.attrs
            parts = [attrs.get(k, "") for k in ("neighbourhood", "significance", "trend_test")]
            parts.append(str(attrs.get("pooling", "")).replace(" (pool='auto')", ""))
            st.markdown("**Emerging hot spots.** " + _escape(" ".join(p for p in parts if p)))
        if notes.kde:
            kde = notes.kde
            text = (
                f"Quartic kernel over {int(kde['points']):,} distinct locations holding "
                f"{kde['events']:,.0f} events. Bandwidth: {kde['bandwidth_rule']} Cell size: "
                f"{kde['cell_size_rule']} Accuracy: {kde['accuracy']}. The outlines enclose "
                "the smallest areas holding 25%, 50% and 75% of the events."
            )
            st.markdown("**Density of events.** " + _escape(text))
        if view.overlap is not None:
            labels = ", ".join(KIND_LABELS[k] for k in view.filters.kinds)
            method = _escape(view.overlap.attrs.get("method", ""))
            st.markdown(f"**Hot for several harms** ({labels}). {method}")


def _gi_choice(view: MapView) -> str:
    assert view.gi is not None  # only called with a result
    attrs = view.gi.attrs
    critical = attrs.get("critical_p", {})
    levels = ", ".join(
        f"{1 - a:.0%} p ≤ {c:.2g}" if c >= 0 else f"{1 - a:.0%}: no place"
        for a, c in critical.items()
    )
    ring = "the cell and its 6 neighbours" if view.filters.by != "ward" else "bordering wards"
    fdr = "FDR-corrected (Benjamini-Hochberg)" if attrs.get("fdr", True) else "not corrected"
    return f"neighbours: {ring}; confidence {fdr}, thresholds chosen from the data ({levels})."


def _emerging_choice(view: MapView) -> str:
    assert view.emerging is not None  # only called with a result
    parameters = view.emerging.attrs.get("parameters", {})
    step, steps = parameters.get("step", "month"), parameters.get("steps", 0)
    pooled = str(view.emerging.attrs.get("pooling", "")).replace(" (pool='auto')", "")
    return (
        f"time step {step} ({steps} {step}s analysed), confidence FDR-corrected "
        f"(Benjamini-Hochberg) within each {step}. {pooled}"
    )


def _kde_choice(kde: dict[str, Any]) -> str:
    return (
        f"bandwidth {kde['bandwidth']:,.0f} m and grid cells of {kde['cell_size']:,.0f} m, "
        "both chosen from the data (details under *How these layers were made*)."
    )


def _escape(text: str) -> str:
    """Keep a sentence literal in Markdown (asterisks, underscores, dollar signs)."""
    return escape_markdown(text)
