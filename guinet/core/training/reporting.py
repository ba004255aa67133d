"""Epoch lines for people: the command line prints them, the GUI's log shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from guinet.core.training.callbacks import Callback, Logs
from guinet.core.training.metrics import METRICS

if TYPE_CHECKING:
    from guinet.core.training.trainer import Trainer


def format_epoch(logs: Logs, epochs: int) -> str:
    """``epoch  3/20  loss 0.2547  accuracy 0.873  val_loss …  lr 0.01  0.12 s``."""
    width = len(str(epochs))
    parts = [f"epoch {int(logs['epoch']):>{width}}/{epochs}"]
    for prefix in ("", "val_"):
        for name in ("loss", *METRICS):
            key = prefix + name
            if key in logs:
                declared = METRICS.get(name)
                digits = declared.digits if declared is not None else 4
                parts.append(f"{key} {logs[key]:.{digits}f}")
    if "lr" in logs:
        parts.append(f"lr {logs['lr']:.3g}")
    if "time" in logs:
        parts.append(f"{logs['time']:.2f} s")
    return "  ".join(parts)


class EpochLog(Callback):
    """Writes one :func:`format_epoch` line per epoch through ``write``."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        self.write(format_epoch(logs, trainer.epochs))
