"""Who may see what: roles, the signed-in user, and the wards a user sees in detail.

Four roles (DESIGN.md: access is by role):

- ``admin``: users, data imports, the audit log, and every figure in detail.
- ``vru_lead``: every locality in detail.
- ``locality_officer``: detail (H3 cells, points, unsuppressed counts) for one locality;
  elsewhere only disclosure-controlled ward figures.
- ``engagement_officer``: disclosure-controlled output only (profiles, ward figures).

"Detail" means anything finer than a disclosure-controlled ward figure: H3 cells, event
points, LSOAs, unsuppressed counts, and statistics computed from them. The functions that
read the store for a user (``assessments.scoped``) take a :class:`User` and ask this
module which wards that user sees in detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from layers._errors import AccessDenied, SchemaError
from layers.store import Store


class Role(StrEnum):
    """A user's role; the value is what the account store and the audit log hold."""

    ADMIN = "admin"
    LEAD = "vru_lead"
    LOCALITY = "locality_officer"
    ENGAGEMENT = "engagement_officer"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.LEAD: "VRU lead",
    Role.LOCALITY: "Locality officer",
    Role.ENGAGEMENT: "Community engagement officer",
}


@dataclass(frozen=True)
class User:
    """A signed-in person: name, role and, for a locality officer, the locality.

    Hashable and picklable, so that cached queries can key on it.

    Parameters
    ----------
    name
        The account's user name (or the e-mail address an OIDC provider vouched for).
    role
        What the user may see and do.
    locality
        The locality a locality officer works in, as the store names it (``North``);
        None for the other roles.
    """

    name: str
    role: Role
    locality: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        if self.role is Role.LOCALITY and not self.locality:
            raise SchemaError(f"A locality officer needs a locality ({self.name!r} has none).")
        if self.role is not Role.LOCALITY and self.locality is not None:
            raise SchemaError(
                f"Only a locality officer has a locality ({self.name!r} is {self.role})."
            )

    @property
    def label(self) -> str:
        """Return the role in words, with the locality (``Locality officer, North``)."""
        words = ROLE_LABELS[self.role]
        return f"{words}, {self.locality}" if self.locality else words

    @property
    def sees_all_detail(self) -> bool:
        """Return whether the user sees every locality in detail (admin, VRU lead)."""
        return self.role in (Role.ADMIN, Role.LEAD)

    @property
    def has_detail(self) -> bool:
        """Return whether the user sees detail anywhere (not an engagement officer)."""
        return self.role is not Role.ENGAGEMENT

    @property
    def is_admin(self) -> bool:
        """Return whether the user may manage users, import data and read the audit log."""
        return self.role is Role.ADMIN


def require_admin(user: User, action: str) -> None:
    """Raise :class:`AccessDenied` unless the user is an admin.

    Parameters
    ----------
    user
        The signed-in user.
    action
        What was asked, in words (``import data``), for the message.
    """
    if not user.is_admin:
        raise AccessDenied(f"Only an administrator may {action} ({user.name} is {user.label}).")


def require_detail(user: User, what: str) -> None:
    """Raise :class:`AccessDenied` when the user sees no detail anywhere.

    Parameters
    ----------
    user
        The signed-in user.
    what
        What was asked, in words (``hexagon counts``), for the message.
    """
    if not user.has_detail:
        raise AccessDenied(
            f"{what[:1].upper()}{what[1:]} are detail; as {user.label} you see ward figures "
            "under disclosure control and area profiles."
        )


def detail_wards(store: Store, user: User) -> frozenset[str] | None:
    """Return the ward codes the user sees in detail; None means every ward (and beyond).

    Parameters
    ----------
    store
        The store whose wards and localities apply.
    user
        The signed-in user.

    Returns
    -------
    frozenset of str or None
        None for admins and VRU leads; the wards of the officer's locality for a locality
        officer (empty when the store has no such locality); empty for an engagement
        officer.
    """
    if user.sees_all_detail:
        return None
    if user.role is Role.ENGAGEMENT:
        return frozenset()
    wards = store.query(
        "SELECT code FROM boundaries WHERE level = 'ward' AND parent_code = ?", [user.locality]
    )
    return frozenset(wards["code"].astype("str"))
