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

from assessments._scoped_analysis import raw_profile
from assessments.disclosure import DisclosurePolicy
from assessments.profile import AreaProfile, area_profile, disclosed_profile
from assessments.report import map_svg, render_html, render_pdf
from layers._errors import AccessDenied
from layers.access import User
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
        When the area is finer than a ward or locality and not wholly inside the wards
        the user sees in detail (checked on the boundaries before any event is read; a
        hot spot's extent again once known): a cell straddling the locality's edge counts
        a neighbouring locality's events, so it is refused.
    SchemaError
        As for :func:`assessments.profile.area_profile`.
    """
    kind = area.partition(":")[0] if isinstance(area, str) else "drawn"
    if kind in _PRINTABLE_BY_ALL:
        profile = area_profile(store, area, date_from=date_from, date_to=date_to)
    else:  # detail: wholly inside the user's wards, checked before any event is read
        try:
            profile = raw_profile(store, user, area, date_from=date_from, date_to=date_to)
        except AccessDenied:
            raise AccessDenied(
                f"This area is not wholly inside {user.locality} (your locality): profiles of "
                "hexagons, hot spots and drawn areas are detail, shown only inside it. You "
                "can print any ward or locality profile."
                if user.has_detail
                else f"Profiles of hexagons, hot spots and drawn areas are detail; as "
                f"{user.label} you can print ward and locality profiles."
            ) from None
    return PrintableProfile(profile)
