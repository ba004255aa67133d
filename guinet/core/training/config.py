"""The project's ``training`` section, parsed once: :class:`TrainingSpec`.

Every default lives in a declaration: the run settings in :data:`SETTINGS`,
the loss, optimizer and scheduler slots in :data:`COMPONENTS`, the early
stopping and checkpoint sections in their own Params. Unknown keys are kept
and written back unchanged. A bad value does not stop the project from
opening: it is listed in :attr:`TrainingSpec.problems` (with where it is) and
:meth:`TrainingSpec.check` raises :class:`ConfigError` with one sentence that
names the key and the fix.

With no ``loss`` the loss is *auto*: :func:`auto_loss` picks it from the data
and the model (BCEWithLogitsLoss for one output on two classes,
CrossEntropyLoss for one output per class, MSELoss for numbers), and nothing
is written to the file until a person picks one.
"""

from __future__ import annotations

import re

from guinet.core.components import ComponentSpec
from guinet.core.params import Param
from guinet.core.sections import ComponentSlot, Section
from guinet.core.training.checkpoints import CheckpointSettings
from guinet.core.training.early_stopping import EarlyStoppingSettings
from guinet.core.training.errors import ConfigError
from guinet.core.training.losses import LOSSES
from guinet.core.training.optimizers import OPTIMIZERS
from guinet.core.training.schedulers import SCHEDULERS

DEVICES = ("auto", "cpu", "cuda", "mps")
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")

SETTINGS: tuple[Param, ...] = (
    Param(
        "batch_size",
        "int",
        32,
        "Samples per weight update. Small batches update often and noisily; "
        "large ones are smoother and faster per sample.",
        minimum=1,
        maximum=1_000_000,
        key=True,
    ),
    Param(
        "epochs",
        "int",
        50,
        "Passes over the training data.",
        minimum=1,
        maximum=1_000_000,
        key=True,
    ),
    Param(
        "device",
        "str",
        "auto",
        "Where to train: auto picks a CUDA GPU, then Apple's MPS, then the CPU.",
    ),
    Param(
        "seed",
        "int",
        0,
        "Seed for the initial weights and the batch order; the same seed gives "
        "the same run. Empty means a different run each time.",
        minimum=0,
        maximum=2**31 - 1,
        optional=True,
        none_label="random",
    ),
)

#: The catalogue picks of the section, declared once.
COMPONENTS: tuple[ComponentSlot, ...] = (
    ComponentSlot(
        "loss",
        "Loss",
        LOSSES,
        default=None,
        optional=True,
        auto_label="auto",
        help="What training minimises. Auto picks it from the data and the "
        "model's last layer.",
    ),
    ComponentSlot(
        "optimizer",
        "Optimizer",
        OPTIMIZERS,
        default="Adam",
        help="How the weights move after each batch.",
    ),
    ComponentSlot(
        "scheduler",
        "Learning-rate schedule",
        SCHEDULERS,
        default=None,
        optional=True,
        none_label="Constant (no schedule)",
        help="How the learning rate changes while training.",
    ),
)

#: The loss auto picks for each task (one output per class for multiclass).
AUTO_LOSSES = {
    "binary": "BCEWithLogitsLoss",
    "multiclass": "CrossEntropyLoss",
    "regression": "MSELoss",
}


def auto_loss(task: str, outputs: int | None, final_layer: str | None) -> str:
    """The loss an *auto* project trains with, for the data's ``task``.

    Two-class data on a model with two outputs (or ending in Softmax) trains
    with CrossEntropyLoss; a model ending in LogSoftmax with NLLLoss.
    """
    if task in ("binary", "multiclass") and final_layer == "LogSoftmax":
        return "NLLLoss"
    if task == "binary" and (outputs == 2 or final_layer == "Softmax"):
        return "CrossEntropyLoss"
    return AUTO_LOSSES.get(task, "MSELoss")


class TrainingSpec(Section):
    """What to train with, parsed once from the project's ``training``."""

    params = SETTINGS
    components = COMPONENTS
    sections = {  # noqa: RUF012 (a class-level declaration, never mutated)
        "early_stopping": EarlyStoppingSettings,
        "checkpoint": CheckpointSettings,
    }
    where = "training"
    error = ConfigError

    loss: ComponentSpec | None
    optimizer: ComponentSpec
    scheduler: ComponentSpec | None
    batch_size: int
    epochs: int
    device: str
    seed: int | None
    early_stopping: EarlyStoppingSettings
    checkpoint: CheckpointSettings

    def _validate(self) -> None:
        if not _DEVICE.match(self.device):
            self.add_problem(
                "device",
                "device must be auto, cpu, cuda (or cuda:N) or mps, "
                f"not {self.device!r}",
            )
            self._values["device"] = "auto"
        opt = self.optimizer
        problem = OPTIMIZERS[opt.type].problem(opt.params)
        if problem is not None:
            self.add_problem("optimizer", f"optimizer: {problem}")

    @property
    def lr(self) -> float:
        return float(
            self.optimizer.params.get(
                "lr", OPTIMIZERS[self.optimizer.type].param("lr").default
            )
        )

    @property
    def auto(self) -> bool:
        """The loss is picked from the data and the model."""
        return self.loss is None
