"""The view: one user's event filters on one store version, the key of the cached reads.

``st.cache_data`` hashes a dataclass field by field (through ``dataclasses.asdict``, so
the :class:`~layers.access.User` inside counts as its name, role and locality): a
:class:`View` keys a cache on simple values. The key changes when the user, the store
version or any filter changes, and stays the same across reruns with equal values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from assessments import scoped
from assessments.scoped import Store
from layers.access import User

CITY = "city"
"""The place that is the whole study area (``place`` of ``Filters`` and :class:`View`)."""


@dataclass(frozen=True)
class View:
    """What a cached page read depends on: the store, its version, the user and the filters.

    Build one from the sidebar's filters with ``Filters.view``. ``by`` is the area unit
    (``h3:RES``, ``ward`` or ``locality``); it is empty for reads that do not count by
    area (see :meth:`unitless`), so that a change of unit does not recompute them.
    """

    path: str  # the store's path
    version: str  # the store's version token: a new import gives a new key
    user: User
    kinds: tuple[str, ...]
    date_from: str  # YYYY-MM, inclusive
    date_to: str  # YYYY-MM, inclusive
    categories: tuple[str, ...] = ()  # empty: all
    flags: tuple[str, ...] = ()  # empty: no flag filter
    place: str = CITY  # CITY, "locality:NAME" or "ward:CODE"
    by: str = ""

    @property
    def within(self) -> str | None:
        """The place for the library's ``within``: None for the whole city."""
        return None if self.place == CITY else self.place

    def store(self) -> Store:
        """Return the store the view reads."""
        return scoped.open_store(self.path)

    def event_filters(self) -> dict[str, Any]:
        """Return the event filters as keyword arguments of the ``assessments.scoped`` reads.

        Keys: ``kinds``, ``categories`` and ``flags`` (None when empty), ``date_from``,
        ``date_to`` and ``within``.
        """
        return {
            "kinds": self.kinds,
            "categories": self.categories or None,
            "flags": self.flags or None,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "within": self.within,
        }

    def counted_by(self, by: str) -> View:
        """Return the same view counted by another area unit (``ward``, ``h3:8``...)."""
        return replace(self, by=by)

    def unitless(self) -> View:
        """Return the same view without an area unit: the key of reads of points."""
        return replace(self, by="")
