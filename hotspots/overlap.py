"""Multi-harm overlap: the places that are Gi* hot spots for several harm layers at once."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hotspots._gi_checks import raise_problems
from hotspots.gistar import GI_BIN, GI_Z

N_HOT_LAYERS = "n_hot_layers"
"""int64: how many layers the place is hot in (``gi_bin >= min_bin``)."""
HOT_LAYERS = "hot_layers"
"""str: those layers, in the order given, joined by ", " (e.g. "incidents, knife")."""
SUMMED_Z = "summed_z"
"""float64: the sum of the place's Gi* z-scores over the layers it is hot in."""
BIN_SUFFIX = "_gi_bin"
"""Suffix of the per-layer columns: ``<layer>_gi_bin`` (int8), the layer's Gi* bin."""

_MAX_BIN = 3


# --- public functions -----------------------------------------------------------------
def multi_harm_overlap(
    results: Mapping[str, pd.DataFrame], *, min_layers: int = 2, min_bin: int = 2
) -> pd.DataFrame:
    """Return the places that are hot spots in at least ``min_layers`` harm layers.

    Parameters
    ----------
    results
        Gi* results per layer name (e.g. ``{"incidents": ..., "knife": ...}``), as
        :func:`hotspots.gistar.gi_star` returns them: columns ``gi_bin`` and ``gi_z``,
        all on the same places (index: cells or area codes, in any order).
    min_layers
        Fewest layers a place must be hot in, 1 to the number of layers.
    min_bin
        Lowest bin that counts as hot: 1 (90 % confidence), 2 (95 %) or 3 (99 %).

    Returns
    -------
    pandas.DataFrame
        One row per place hot in at least ``min_layers`` layers, index as in the first
        result; columns ``n_hot_layers`` (int64), ``hot_layers`` (str), ``summed_z``
        (float64), then ``<layer>_gi_bin`` (int8) for each layer in the order given.
        Sorted by ``n_hot_layers`` then ``summed_z``, both descending. Empty (with these
        columns) when no place qualifies. ``attrs``: ``method`` (a sentence),
        ``min_layers``, ``min_bin``, ``layers``.

    Raises
    ------
    SchemaError
        When the results or options cannot be used (the message lists every problem).
    """
    raise_problems(_problems(results, min_layers, min_bin), function="multi_harm_overlap")
    names = list(results)
    index = next(iter(results.values())).index
    bins = pd.DataFrame({n: results[n][GI_BIN].reindex(index) for n in names}, index=index)
    z = pd.DataFrame({n: results[n][GI_Z].reindex(index) for n in names}, index=index)
    hot = bins.to_numpy() >= min_bin
    frame = _frame(bins, z, hot, names)
    kept = frame[frame[N_HOT_LAYERS] >= min_layers]
    out = kept.sort_values([N_HOT_LAYERS, SUMMED_Z], ascending=False, kind="stable")
    out.attrs = {
        "method": _method(names, min_layers, min_bin, len(out)),
        "min_layers": min_layers,
        "min_bin": min_bin,
        "layers": names,
    }
    return out


# --- private steps --------------------------------------------------------------------
def _frame(bins: pd.DataFrame, z: pd.DataFrame, hot: np.ndarray, names: list[str]) -> pd.DataFrame:
    labels = np.array(names, dtype=object)
    hot_names = [", ".join(labels[row]) for row in hot]
    summed = np.where(hot, np.nan_to_num(z.to_numpy(dtype="float64")), 0.0).sum(axis=1)
    frame = pd.DataFrame(
        {
            N_HOT_LAYERS: hot.sum(axis=1).astype("int64"),
            HOT_LAYERS: pd.Series(hot_names, index=bins.index, dtype="str"),
            SUMMED_Z: summed,
        },
        index=bins.index,
    )
    for name in names:
        frame[f"{name}{BIN_SUFFIX}"] = bins[name].astype("int8")
    return frame


def _method(names: list[str], min_layers: int, min_bin: int, found: int) -> str:
    confidence = {1: "90%", 2: "95%", 3: "99%"}[min_bin]
    return (
        f"Places that are Gi* hot spots (bin {min_bin} or more: {confidence} confidence or "
        f"more) in at least {min_layers} of the {len(names)} layers ({', '.join(names)}): "
        f"{found} place(s), sorted by the number of hot layers, then by the sum of their "
        "z-scores in those layers. Each layer keeps its own multiple-testing correction."
    )


def _problems(results: object, min_layers: object, min_bin: object) -> list[str]:
    if not isinstance(results, Mapping) or not results:
        return [
            (
                "results must be a non-empty mapping of layer name -> Gi* result (the frames "
                f"gi_star returns); received {type(results).__name__}"
            )
        ]
    problems = _option_problems(len(results), min_layers, min_bin)
    for name, frame in results.items():
        problems += _layer_problems(name, frame)
    return problems or _index_problems(results)


def _option_problems(n_layers: int, min_layers: object, min_bin: object) -> list[str]:
    problems = []
    if not _is_int(min_layers) or not 1 <= int(min_layers) <= n_layers:  # type: ignore[call-overload]
        problems.append(
            f"min_layers must be a whole number from 1 to the {n_layers} layer(s) given; "
            f"received {min_layers!r}"
        )
    if not _is_int(min_bin) or not 1 <= int(min_bin) <= _MAX_BIN:  # type: ignore[call-overload]
        problems.append(
            f"min_bin must be 1 (90%), 2 (95%) or 3 (99% confidence); received {min_bin!r}"
        )
    return problems


def _layer_problems(name: object, frame: object) -> list[str]:
    if not isinstance(name, str) or not name or "," in name:
        return [f"layer names must be non-empty text without commas; received {name!r}"]
    if not isinstance(frame, pd.DataFrame):
        return [f"results[{name!r}] must be a Gi* result frame; received {type(frame).__name__}"]
    missing = [c for c in (GI_BIN, GI_Z) if c not in frame.columns]
    if missing:
        return [f"results[{name!r}] lacks the column(s) {missing}; pass what gi_star returns"]
    if not pd.api.types.is_integer_dtype(frame[GI_BIN].dtype) or frame[GI_BIN].isna().any():
        return [f"results[{name!r}]['{GI_BIN}'] must hold whole numbers -3..3"]
    if frame.index.has_duplicates:
        return [f"results[{name!r}] repeats places in its index; give one row per place"]
    return []


def _index_problems(results: Mapping[str, pd.DataFrame]) -> list[str]:
    names = list(results)
    first = results[names[0]].index
    differ = [
        n
        for n in names[1:]
        if len(results[n].index) != len(first) or not results[n].index.isin(first).all()
    ]
    if not differ:
        return []
    return [
        (
            f"results {differ} cover other places than {names[0]!r}; compute every layer's Gi* "
            "on the same cells or areas (the same study area and resolution)"
        )
    ]


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
