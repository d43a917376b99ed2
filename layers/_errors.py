"""The project's small error vocabulary: a few classes subclassing built-ins."""

from __future__ import annotations


class AtlasError(Exception):
    """Base of every error this project raises on purpose."""


class FileRefused(AtlasError, ValueError):  # noqa: N818 - a refusal is the user's word
    """A file cannot be used as a whole (unreadable, or required columns missing).

    Nothing of the file is imported. The message names what is wrong and how to fix it.
    """


class SchemaError(AtlasError, ValueError):
    """A frame or argument does not follow a documented contract."""


class SettingsError(AtlasError, ValueError):
    """A setting from the environment or the command line cannot be used."""


class StoreBusy(AtlasError, TimeoutError):  # noqa: N818
    """Another process held the store's write lock for longer than the timeout."""


class AccessDenied(AtlasError, PermissionError):  # noqa: N818
    """The signed-in user's role or locality does not allow this data or action.

    The message says what the role allows instead (ward figures under disclosure
    control, the user's own locality) so that a page can show it as it is.
    """
