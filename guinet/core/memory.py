"""How much memory a run needs, and how much this machine can give it.

The meta-device analysis already knows every layer's parameter count and
output shape, so a model too big for the machine is refused *before* a byte
of it is allocated — instead of swapping the machine to a halt, being killed
by the kernel, or dying in ``DefaultCPUAllocator: can't allocate``.

The estimate is a floor, not a forecast: float32 weights, one gradient per
trainable weight, the optimizer's declared per-weight state, and each layer's
output kept for the backward pass (plus its gradient) for one batch. A model
that needs more than that floor cannot train here, whatever else is true.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guinet.core.model import ModelAnalysis

#: Bytes of one float32 value, the dtype every run trains in.
FLOAT_BYTES = 4
_CGROUP_UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as ~2**63


@dataclass(frozen=True)
class MemoryNeed:
    """What one training run needs at least, in bytes."""

    weights: int  # parameters and buffers
    gradients: int  # one per trainable parameter
    optimizer: int  # the optimizer's per-weight state
    activations: int  # a batch's layer outputs and their gradients
    batch_size: int

    @property
    def state(self) -> int:
        """Weights, gradients and optimizer state: what the model itself holds."""
        return self.weights + self.gradients + self.optimizer

    @property
    def total(self) -> int:
        return self.state + self.activations


def training_need(
    analysis: ModelAnalysis, batch_size: int, optimizer_state: int = 0
) -> MemoryNeed:
    """The floor of a run's memory from ``analysis`` (which must be valid):
    ``optimizer_state`` weight-sized tensors per trainable weight (Adam keeps
    two), and activations for a batch of ``batch_size``."""
    trainable = analysis.trainable_params * FLOAT_BYTES
    values = _numel(analysis.input_shape) + sum(
        _numel(info.output_shape) for info in analysis.layers
    )
    # forward outputs are kept for backward, and each gets a gradient
    activations = 2 * values * batch_size * FLOAT_BYTES
    return MemoryNeed(
        weights=analysis.size_bytes,
        gradients=trainable,
        optimizer=optimizer_state * trainable,
        activations=activations,
        batch_size=batch_size,
    )


def _numel(shape: tuple[int, ...] | None) -> int:
    count = 1
    for size in shape or ():
        count *= size
    return count


@dataclass(frozen=True)
class MachineMemory:
    """The memory this process may use: ``total`` (RAM, or a container's or
    ``ulimit``'s cap if lower) and ``available`` now, both in bytes."""

    total: int
    available: int


def machine_memory() -> MachineMemory | None:
    """This machine's memory, or ``None`` where it cannot be read (then no
    check refuses anything)."""
    total, available = _physical()
    if total is None:
        return None
    for limit, used in (_cgroup(), _rlimit()):
        if limit is not None:
            total = min(total, limit)
            headroom = limit - (used or 0)
            available = min(available, headroom) if available is not None else headroom
    if available is None:
        available = total
    return MachineMemory(total, max(0, min(available, total)))


def _physical() -> tuple[int | None, int | None]:
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        pass
    else:
        memory = psutil.virtual_memory()
        return int(memory.total), int(memory.available)
    meminfo = _meminfo()
    if "MemTotal" in meminfo:
        return meminfo["MemTotal"], meminfo.get("MemAvailable", meminfo.get("MemFree"))
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        return None, None
    try:
        available: int | None = os.sysconf("SC_AVPHYS_PAGES") * page
    except (ValueError, OSError):
        available = None
    return total, available


def _meminfo() -> dict[str, int]:
    """``/proc/meminfo`` in bytes (empty where there is none)."""
    values: dict[str, int] = {}
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            scale = 1024 if parts[1:] == ["kB"] else 1
            values[name] = int(parts[0]) * scale
    return values


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup() -> tuple[int | None, int | None]:
    """A container's memory cap and what it uses now (cgroup v2, then v1)."""
    for limit_file, used_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit = _read_int(limit_file)
        if limit is not None and limit < _CGROUP_UNLIMITED:
            return limit, _read_int(used_file)
    return None, None


def _rlimit() -> tuple[int | None, int | None]:
    """``ulimit -v``: a cap on the address space, beside what is mapped now."""
    try:
        import resource
    except ImportError:  # Windows
        return None, None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None, None
    mapped = None
    try:
        fields = Path("/proc/self/statm").read_text().split()
        mapped = int(fields[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    return soft, mapped


def device_memory(device: object) -> MachineMemory | None:
    """The memory of the torch ``device`` a run trains on: a CUDA GPU's own
    (its total: reading what is free would start a CUDA context on every
    check), else the machine's (MPS shares it)."""
    if getattr(device, "type", None) == "cuda":
        import torch

        index = getattr(device, "index", None)
        props = torch.cuda.get_device_properties(
            index if index is not None else torch.cuda.current_device()
        )
        return MachineMemory(int(props.total_memory), int(props.total_memory))
    return machine_memory()
