"""Area profiles for a signed-in user: figures only ever leave through disclosure control.

:func:`printable_profile` checks that the user may have a profile of the area, then
gathers it; the :class:`PrintableProfile` it returns hands out nothing but disclosed
figures, the printed map and the printed files, each under a disclosure policy. Every
role may print ward and locality profiles (as the DESIGN says, printed output is
disclosure-controlled); profiles of hexagons, hot spots and drawn areas are detail, for
users who see the area's wards in detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely

from assessments.disclosure import DisclosurePolicy
from assessments.profile import AreaProfile, area_profile, disclosed_profile
from assessments.report import map_svg, render_html, render_pdf
from layers._errors import AccessDenied
from layers.access import User, detail_wards
from layers.store import Store

_PRINTABLE_BY_ALL = ("ward", "locality")


@dataclass(frozen=True)
class PrintableProfile:
    """One area's profile that shows its figures only under a disclosure policy."""

    _profile: AreaProfile

    @property
    def title(self) -> str:
        """Return the profile's heading ("Ashley ward")."""
        return str(self._profile.title)

    def disclosed(self, policy: DisclosurePolicy) -> dict[str, Any]:
        """Return the figures as the page shows them (``disclosed_profile``)."""
        return disclosed_profile(self._profile, policy)

    def map_svg(self, policy: DisclosurePolicy) -> tuple[str, str]:
        """Return the printed map and its legend (SVG documents)."""
        return map_svg(self._profile, policy=policy)

    def pdf(self, policy: DisclosurePolicy) -> bytes:
        """Return the printable A4 PDF."""
        return render_pdf(self._profile, policy=policy)

    def html(self, policy: DisclosurePolicy) -> str:
        """Return the printable profile as one HTML page."""
        return render_html(self._profile, policy=policy)


def printable_profile(
    store: Store,
    user: User,
    area: str | shapely.Geometry,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
) -> PrintableProfile:
    """Gather an area's profile for a user, after checking the user may have it.

    Parameters
    ----------
    store
        The store.
    user
        The signed-in user.
    area
        As for :func:`assessments.profile.area_profile`.
    date_from, date_to
        First and last month (``YYYY-MM``).

    Returns
    -------
    PrintableProfile
        The profile, whose figures come out only under a disclosure policy.

    Raises
    ------
    AccessDenied
        When the area is finer than a ward or locality and not wholly in the wards the
        user sees in detail (checked before any event is read for an engagement officer).
    SchemaError
        As for :func:`assessments.profile.area_profile`.
    """
    kind = area.partition(":")[0] if isinstance(area, str) else "drawn"
    if kind not in _PRINTABLE_BY_ALL and not user.has_detail:
        raise AccessDenied(
            f"Profiles of hexagons, hot spots and drawn areas are detail; as {user.label} "
            "you can print ward and locality profiles."
        )
    profile = area_profile(store, area, date_from=date_from, date_to=date_to)
    if kind not in _PRINTABLE_BY_ALL:
        _check_cells(store, user, profile)
    return PrintableProfile(profile)


def _check_cells(store: Store, user: User, profile: AreaProfile) -> None:
    """Refuse a hexagon-based profile reaching outside the user's detail wards."""
    own = detail_wards(store, user)
    if own is None:
        return
    cells = [int(str(cell), 16) for cell in profile.cells]
    found = store.query(
        "SELECT h3_cell, ward_code FROM coverage WHERE resolution = ? AND h3_cell IN "
        "(SELECT unnest(?::UBIGINT[]))",
        [profile.cell_resolution, cells],
    )
    inside = found["ward_code"].dropna().astype("str").isin(own)
    if not cells or int(inside.sum()) < len(set(cells)):
        raise AccessDenied(
            f"This area reaches beyond {user.locality}: as {user.label} you can profile "
            "hexagons and hot spots in your locality, and any ward or locality."
        )
