"""Unique coordinates: the distinct finite (lon, lat) pairs of many points, found by hashing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from layers._errors import SchemaError

_HEAD_ROWS = 65_536
_HASH_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant spreading lon bits


def unique_points(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the unique finite (lon, lat) pairs and, for each input point, its pair's position.

    police.uk points share anonymised snap points, so indexing the unique pairs and
    scattering back is far cheaper than indexing every row.

    Parameters
    ----------
    lon, lat
        WGS84 longitudes and latitudes of equal length.

    Returns
    -------
    unique_lon, unique_lat : numpy.ndarray
        float64 coordinates of the distinct finite pairs, in order of first appearance.
    inverse : numpy.ndarray
        int64, one per input point: its pair's position, or -1 where lon or lat is
        NaN or infinite.
    """
    lon_a, lat_a = as_lonlat(lon, lat)
    return unique_pairs(lon_a, lat_a)


def as_lonlat(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return lon and lat as flat float64 arrays; refuse unequal lengths or out-of-range values."""
    lon_a = np.asarray(lon, dtype="float64").reshape(-1)
    lat_a = np.asarray(lat, dtype="float64").reshape(-1)
    if lon_a.shape != lat_a.shape:
        raise SchemaError(f"lon/lat: lon and lat differ in length ({lon_a.size} vs {lat_a.size}).")
    bad_lon, bad_lat = _out_of_range(lon_a, 180.0), _out_of_range(lat_a, 90.0)
    if bad_lon or bad_lat:
        raise SchemaError(
            f"lon/lat: {bad_lon} longitude(s) outside -180..180 and {bad_lat} latitude(s) "
            "outside -90..90 (are lon and lat swapped, or are these eastings/northings?)."
        )
    return lon_a, lat_a


def unique_pairs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return :func:`unique_points` of float64 arrays already checked by :func:`as_lonlat`."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    everywhere = bool(finite.all())
    lon_f, lat_f = (lon, lat) if everywhere else (lon[finite], lat[finite])
    codes = _pair_codes(lon_f, lat_f)
    first = _representatives(codes)
    inverse = codes if everywhere else np.full(lon.size, -1, dtype=np.int64)
    if not everywhere:
        inverse[finite] = codes
    return lon_f[first], lat_f[first], inverse


# --- private steps --------------------------------------------------------------------
def _out_of_range(values: np.ndarray, limit: float) -> int:
    with np.errstate(invalid="ignore"):
        beyond = np.abs(values) > limit  # NaN -> False, inf -> True
    return int(np.count_nonzero(beyond & np.isfinite(values))) if beyond.any() else 0


def _pair_codes(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return exact codes of the distinct (lon, lat) pairs, in order of first appearance.

    A 64-bit hash of both coordinates is factorized (fast), and the result is checked
    against the coordinates themselves; on a hash collision the exact pairs (as complex
    numbers) are factorized instead.
    """
    codes = _factorize(_pair_keys(lon, lat))
    first = _representatives(codes)
    if np.array_equal(lon[first][codes], lon) and np.array_equal(lat[first][codes], lat):
        return codes
    return pd.factorize(lon + 1j * lat)[0].astype(np.int64, copy=False)


def _factorize(keys: np.ndarray) -> np.ndarray:
    """Return codes of the distinct keys, in order of first appearance.

    Looking every key up in a small table of the first rows' distinct keys is about 3x
    faster than one table sized for all rows when most rows repeat (snap points).
    """
    head = pd.Index(pd.unique(keys[:_HEAD_ROWS]))
    codes = head.get_indexer(keys).astype(np.int64, copy=False)
    missing = codes < 0
    if missing.any():
        codes[missing] = pd.factorize(keys[missing])[0] + len(head)
    return codes


def _pair_keys(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon.view(np.uint64) * _HASH_MIX) ^ lat.view(np.uint64)


def _representatives(codes: np.ndarray) -> np.ndarray:
    """One position of each code in ``codes`` (codes are 0..n-1)."""
    first = np.zeros(int(codes.max()) + 1 if codes.size else 0, dtype=np.int64)
    first[codes] = np.arange(codes.size)
    return first
