"""Typed, documented defaults for the whole project, each overridable from the environment.

Every setting is a field of :class:`Settings` with a ``doc`` in its metadata. The
environment variable that overrides it is ``ATLAS_`` followed by the field name in upper
case (``store`` -> ``ATLAS_STORE``). A test checks that every field is documented here
and in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from layers._errors import SettingsError

ENV_PREFIX = "ATLAS_"


def _home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "safer-options-atlas"


def _config_home() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "safer-options-atlas"


def _doc(text: str, default: Any = None, factory: Any = None) -> Any:
    if factory is not None:
        return field(default_factory=factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class Settings:
    """Settings in force; build with :func:`load_settings`, never mutate."""

    store: Path = _doc(
        "Path of the embedded DuckDB store file. Kept outside the repository; the "
        "folder is created on first use.",
        factory=lambda: _home() / "atlas.duckdb",
    )
    secret_file: Path = _doc(
        "File holding the pseudonymisation key (HMAC-SHA256) for person references. "
        "Created with a random key on first use, readable by its owner only, outside the "
        "repository. Rotating it means repeat episodes no longer link across the rotation.",
        factory=lambda: _config_home() / "pseudonym.key",
    )
    rejected_dir: Path = _doc(
        "Folder where the rejected rows of each import are written as CSV (row number, "
        "reason, and the row with person references already pseudonymised).",
        factory=lambda: _home() / "rejected",
    )
    boundaries_dir: Path = _doc(
        "Folder of the boundary files the app ships (demo wards, ward-to-locality "
        "mapping); the demo store is built from these.",
        factory=lambda: Path(__file__).resolve().parent.parent / "data" / "boundaries",
    )
    static_dir: Path = _doc(
        "Folder that Streamlit serves at /app/static; front-end assets (Leaflet and the "
        "rest) are installed under its vendor/ folder by `make assets`.",
        factory=lambda: Path(__file__).resolve().parent.parent / "static",
    )
    store_resolution: int = _doc(
        "H3 resolution stored for every point (11, cells of about 25 m edge). Coarser "
        "resolutions (6-10) are computed as parents of the stored cell.",
        default=11,
    )
    min_resolution: int = _doc("Coarsest H3 resolution offered for counts.", default=6)
    extent_buffer_m: float = _doc(
        "Distance in metres beyond the loaded boundaries' extent within which points "
        "are still accepted; points further out are rejected as outside the extent.",
        default=2000.0,
    )
    lock_timeout_s: float = _doc(
        "Seconds a store operation waits for another process's import to finish before "
        "giving up with a clear message.",
        default=120.0,
    )
    demo_seed: int = _doc("Seed of the demo data generator used by `make run`.", default=20261130)
    disclosure_threshold: int = _doc(
        "Disclosure control: counts from 1 up to one less than this are shown as "
        "'<threshold' (5: counts of 1-4 show as <5) on every printed or exported figure.",
        default=5,
    )
    public_rounding: int = _doc(
        "Disclosure control: counts on public output are rounded to the nearest multiple "
        "of this (1: no rounding).",
        default=5,
    )
    default_resolution: int = _doc(
        "H3 resolution the map starts at when the user has not chosen one.", default=8
    )
    auth: str = _doc(
        "How people sign in: `accounts` (the built-in account store, for small "
        "deployments and the demo) or `oidc` (single sign-on through Streamlit's st.login, "
        "configured in .streamlit/secrets.toml outside the repository).",
        default="accounts",
    )
    oidc_provider: str = _doc(
        "With ATLAS_AUTH=oidc: the provider section of secrets.toml to sign in with "
        "([auth.NAME]); empty for the single [auth] section.",
        default="",
    )
    accounts_file: Path = _doc(
        "The account store (SQLite): user names, roles, localities and argon2 password "
        "hashes; OIDC users' roles too. Outside the repository, readable by its owner only.",
        factory=lambda: _config_home() / "accounts.sqlite3",
    )
    lockout_attempts: int = _doc(
        "Wrong passwords in a row after which an account is locked.", default=5
    )
    lockout_minutes: float = _doc(
        "Minutes a locked account stays locked (an admin can unlock it sooner).",
        default=15.0,
    )
    max_upload_mb: int = _doc(
        "Largest file accepted for import, in MB (uploads and the command line; "
        "compressed files are measured after decompression too).",
        default=200,
    )
    max_rows: int = _doc(
        "Most rows one imported file may hold; a longer file is refused as a whole.",
        default=2_000_000,
    )
    max_compression_ratio: int = _doc(
        "A compressed file that expands more than this many times its size is refused "
        "as a decompression bomb.",
        default=100,
    )


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, then apply explicit overrides.

    Parameters
    ----------
    **overrides
        Field values that win over the environment (the command line's ``--store``).

    Returns
    -------
    Settings
        The settings in force.

    Raises
    ------
    SettingsError
        When an ``ATLAS_`` variable cannot be read as its field's type.
    """
    settings = Settings()
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(Settings):
        raw = os.environ.get(ENV_PREFIX + f.name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[f.name] = _convert(raw, getattr(settings, f.name))
        except ValueError:
            problems.append(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {f.type}")
    if problems:
        raise SettingsError("; ".join(problems) + ". Fix or unset these variables.")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(settings, **values)


def _convert(raw: str, current: Any) -> Any:
    if isinstance(current, Path):
        return Path(raw).expanduser()
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    return raw


def documented_settings() -> dict[str, str]:
    """Return each setting's environment variable and its documentation.

    Returns
    -------
    dict of str to str
        ``{"ATLAS_STORE": "Path of the embedded ...", ...}``.
    """
    return {ENV_PREFIX + f.name.upper(): str(f.metadata.get("doc", "")) for f in fields(Settings)}
