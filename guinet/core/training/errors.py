"""What the training engine raises: one sentence a person can act on.

Every error here is a :class:`TrainingError` (a ``ValueError``), so the command
line and the GUI catch one type and show ``str(error)`` as it is.
"""

from __future__ import annotations

from guinet.core.sections import SettingsError


class TrainingError(ValueError):
    """Training cannot start or could not finish; the message says what to do."""


class ConfigError(TrainingError, SettingsError):
    """A bad value in the project's ``training`` section."""


class DeviceError(TrainingError):
    """The requested device (``cuda``, ``mps``) is not available here."""


class CompatibilityError(TrainingError):
    """The loss, the model's last layers and the data do not fit together.

    ``layer`` is the 0-based index of the layer to change, when one is to blame,
    so the designer can show the message beside it.
    """

    def __init__(self, message: str, layer: int | None = None) -> None:
        super().__init__(message)
        self.layer = layer


class TrainingFailed(TrainingError):
    """Training started but broke off with an error (the cause is chained)."""
