"""The settings of an intervention evaluation: one validated, documented bundle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layers import schema as S
from layers._errors import SchemaError


@dataclass(frozen=True)
class EvaluationOptions:
    """How interventions are evaluated; every field is stated with the results.

    Attributes
    ----------
    kinds
        Harm layers counted together: ``incidents``, ``missing``, ``knife``.
    categories
        Keep only these categories (None: all).
    flags
        Keep only incidents carrying one of these flags (None: no flag filter).
    window_months
        Length of the before and of the after window (equal), cut to the months the data
        holds on either side of the start.
    min_window_months
        Shortest window evaluated: with fewer months of data on either side of the start,
        the intervention is reported as not yet (or no longer) evaluable.
    point_buffer_m
        Radius of the treated area around an intervention recorded as a point (metres).
    ring_width_m
        Width of the surrounding ring, measured out from the edge of the treated area
        (for a point with the default 200 m buffer: 200-600 m from the point).
    control_resolution
        H3 resolution of the "similar areas elsewhere" (9: hexagons of about 0.1 km²).
    control_cells
        How many of those hexagons are matched to the treated area on the before count.
    min_events
        Fewest events in the treated area (both windows together) for an estimate.
    confidence
        Level of the confidence intervals.
    """

    kinds: tuple[str, ...] = (S.Kind.INCIDENTS.value,)
    categories: tuple[str, ...] | None = None
    flags: tuple[str, ...] | None = None
    window_months: int = 12
    min_window_months: int = 3
    point_buffer_m: float = 200.0
    ring_width_m: float = 400.0
    control_resolution: int = 9
    control_cells: int = 20
    min_events: int = 10
    confidence: float = 0.95


def checked_options(options: Any) -> EvaluationOptions:
    """Return the options when usable; raise one SchemaError naming every problem."""
    if options is None:
        return EvaluationOptions()
    if not isinstance(options, EvaluationOptions):
        raise SchemaError(
            f"options must be an EvaluationOptions, got {type(options).__name__}; "
            "build one with EvaluationOptions(window_months=12, ...)"
        )
    problems = _filter_problems(options) + _number_problems(options)
    if problems:
        raise SchemaError("Intervention evaluation options: " + "; ".join(problems) + ".")
    return options


def _filter_problems(options: EvaluationOptions) -> list[str]:
    problems = []
    known = {k.value for k in S.EVENT_KINDS}
    if not options.kinds or not set(options.kinds) <= known:
        problems.append(f"kinds={options.kinds!r}: choose one or more of {sorted(known)}")
    bad_flags = sorted(set(options.flags or ()) - set(S.FLAG_COLUMNS))
    if bad_flags:
        problems.append(f"flags {bad_flags} unknown: choose from {', '.join(S.FLAG_COLUMNS)}")
    return problems


def _number_problems(options: EvaluationOptions) -> list[str]:
    checks = (
        ("window_months", options.window_months, 1, 120, True),
        ("min_window_months", options.min_window_months, 1, 120, True),
        ("point_buffer_m", options.point_buffer_m, 1, 5000, False),
        ("ring_width_m", options.ring_width_m, 1, 5000, False),
        ("control_resolution", options.control_resolution, 6, 11, True),
        ("control_cells", options.control_cells, 1, 500, True),
        ("min_events", options.min_events, 1, 10_000, True),
    )
    problems = [
        f"{name} must be {'a whole number' if whole else 'a number'} from {low} to {high}, "
        f"got {value!r}"
        for name, value, low, high, whole in checks
        if not _in_range(value, low, high, whole)
    ]
    if (
        _in_range(options.min_window_months, 1, 120, True)
        and _in_range(options.window_months, 1, 120, True)
        and options.min_window_months > options.window_months
    ):
        problems.append(
            f"min_window_months ({options.min_window_months}) is longer than window_months "
            f"({options.window_months}); lower it"
        )
    if not _in_range(options.confidence, 0.5, 0.999, False):
        problems.append(f"confidence must be between 0.5 and 0.999, got {options.confidence!r}")
    return problems


def _in_range(value: Any, low: float, high: float, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if whole and not isinstance(value, int):
        return False
    return bool(low <= value <= high)
