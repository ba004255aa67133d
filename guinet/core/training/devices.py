"""Which devices can train here, and turning a setting into a ``torch.device``.

``auto`` prefers a CUDA GPU, then Apple's MPS, then the CPU. Asking for a
device that is not here is a :class:`DeviceError` that says what to use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guinet.core.training.errors import DeviceError

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class DeviceInfo:
    """A device for the GUI's list: ``key`` as the project stores it, a name."""

    key: str
    name: str


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[DeviceInfo]:
    """Every device torch can train on here, best first; the CPU is always last."""
    import torch

    found = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            key = "cuda" if index == 0 else f"cuda:{index}"
            found.append(DeviceInfo(key, f"{torch.cuda.get_device_name(index)} (CUDA)"))
    if _mps_available():
        found.append(DeviceInfo("mps", "Apple GPU (MPS)"))
    cores = os.cpu_count() or 1
    found.append(DeviceInfo("cpu", f"CPU ({cores} core{'s' if cores != 1 else ''})"))
    return found


def resolve_device(name: str | None = "auto") -> torch.device:
    """The ``torch.device`` for a setting; raises :class:`DeviceError` if absent."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        try:
            device = torch.device(name)
        except RuntimeError:
            raise DeviceError(
                f"{name!r} is not a device name; use cuda or cuda:N"
            ) from None
        if not torch.cuda.is_available():
            why = (
                "this PyTorch build has no CUDA support"
                if torch.version.cuda is None
                else "no CUDA GPU is visible"
            )
            raise DeviceError(f"device {name}: {why}; use device cpu or auto")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise DeviceError(
                f"device {name}: there {'is' if count == 1 else 'are'} only "
                f"{count} CUDA GPU{'s' if count != 1 else ''} (cuda:0 to "
                f"cuda:{count - 1})"
            )
        return device
    if name == "mps":
        if not _mps_available():
            raise DeviceError(
                "device mps: Apple's MPS GPU is not available here; use device "
                "cpu or auto"
            )
        return torch.device("mps")
    raise DeviceError(f"unknown device {name!r}; use auto, cpu, cuda or mps")


def preferred_device(setting: str | None, default: str | None = "auto") -> str:
    """The device a run uses: the project's ``setting``, except that ``auto``
    takes the person's ``default`` device (a preference) when that device is
    here; one that is not (the preference made on another machine) falls back
    to ``auto``, so a preference never stops a run."""
    setting = (setting or "auto").strip().lower()
    default = (default or "auto").strip().lower()
    if setting != "auto" or default == "auto":
        return setting
    try:
        resolve_device(default)
    except DeviceError:
        return "auto"
    return default
