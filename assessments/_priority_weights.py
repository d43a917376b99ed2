"""The assessment planner's weights: one validated bundle, with documented defaults."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from layers._errors import SchemaError

NEEDS: tuple[str, ...] = ("harm", "trend", "emerging", "overlap", "safety")
"""Components that raise a place's priority, in the order the table shows them."""

COMPONENTS: tuple[str, ...] = (*NEEDS, "intervention")
"""Every component: the five needs, then the one that lowers priority."""

LAYERS: tuple[str, ...] = ("incidents", "missing", "knife")
"""Harm layers weighted inside the harm component."""


@dataclass(frozen=True)
class PriorityWeights:
    """How much each component counts towards a place's priority score.

    The score is ``100 x (sum of weight x value over the five needs - intervention x
    cover) / (sum of the five needs' weights)``: the weights are relative (doubling all
    of them changes nothing), and a place at the top of every need with no intervention
    scores 100.

    Attributes
    ----------
    harm
        Harm recorded in the period, across the layers (default 0.30: the main reason a
        place is assessed, so the largest weight).
    trend
        A significant rise against the months before (default 0.25: a place that is
        getting worse is where an assessment can still change the course).
    emerging
        Emerging hot spot class of its hexagons (default 0.20: new, consecutive and
        intensifying hot spots score highest).
    overlap
        Hot for several harm layers at once (default 0.10: it largely repeats harm, so
        it nudges).
    safety
        How unsafe people there say they feel in the community survey (default 0.15:
        what young people and residents say is part of any contextual assessment).
    intervention
        Taken off when an intervention already covers the place during the period
        (default 0.10: enough to move a place down a few ranks, not to hide it; a
        running intervention is also a partner to plan with).
    incidents, missing, knife
        Weights of the three harm layers inside the harm component (default 1 each: a
        police incident, a missing-child episode and a knife injury count alike after
        each layer is scaled 0-1; 0 leaves a layer out of every component).
    """

    harm: float = 0.30
    trend: float = 0.25
    emerging: float = 0.20
    overlap: float = 0.10
    safety: float = 0.15
    intervention: float = 0.10
    incidents: float = 1.0
    missing: float = 1.0
    knife: float = 1.0

    def __post_init__(self) -> None:
        """Refuse negative, non-numeric or all-zero weights, listing every problem."""
        problems = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if not _weight(getattr(self, f.name))
        ]
        if problems:
            raise SchemaError(
                f"PriorityWeights: {', '.join(problems)} must be numbers of 0 or more "
                "(0 leaves a component out); pass e.g. PriorityWeights(harm=0.5)."
            )
        groups = (NEEDS, LAYERS)
        zero = [" / ".join(g) for g in groups if not any(getattr(self, n) > 0 for n in g)]
        if zero:
            raise SchemaError(
                f"PriorityWeights: the weights of {' and of '.join(zero)} are all 0, so "
                "nothing would rank the places; give at least one of each a weight above 0."
            )

    def needs(self) -> dict[str, float]:
        """Return the weights of the five needs, by component name."""
        return {name: float(getattr(self, name)) for name in NEEDS}

    def layers(self) -> dict[str, float]:
        """Return the weights of the layers counted (weight above 0), by layer name."""
        return {name: float(getattr(self, name)) for name in LAYERS if getattr(self, name) > 0}

    def as_dict(self) -> dict[str, float]:
        """Return every weight by name (for a table of the weights in force)."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


def _weight(value: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(float(value)) and float(value) >= 0  # type: ignore[arg-type]
