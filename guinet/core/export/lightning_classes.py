"""The Lightning script's two classes: the ``LightningDataModule`` and the
``LightningModule``.

The data module wraps ``load_data()`` (:mod:`.data_source`) and shares each
batch out among the processes of a distributed run; the module holds the
``nn.Sequential`` model with the loss, metric, optimizer and scheduler that
the python exporter's :func:`~.script.training_facts` reads from the run,
and logs the values under the app's names (``loss``, ``accuracy``,
``val_loss``, ``val_accuracy``, ``lr``; ``mae`` for regression).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guinet.core.export.lightning_callbacks import monitored

if TYPE_CHECKING:
    from guinet.core.export.script import TrainingCode
    from guinet.core.session import Session

#: A batch's metric from the trained outputs ``out`` and the targets ``y``,
#: by (metric, decision): the means of what guinet's metrics sum.
METRIC_CODE = {
    ("accuracy", "threshold"): "((out > 0) == (y > 0.5)).float().mean()",
    ("accuracy", "argmax"): "(out.argmax(dim=1) == y).float().mean()",
    ("mae", "none"): "(out - y).abs().mean()",
}

#: guinet's scheduler intervals in Lightning's words.
INTERVALS = {"epoch": "epoch", "batch": "step"}


@dataclass(frozen=True)
class Splits:
    """Which of the prepared splits hold rows (training always does)."""

    validation: bool
    test: bool


_DATAMODULE = string.Template('''
def as_dataset(arrays: dict, split: str) -> TensorDataset:
    """A split of load_data()'s arrays as the tensors the model and loss take."""
    x = torch.from_numpy(arrays[f"x_{split}"])$x_form
    y = torch.from_numpy(arrays[f"y_{split}"])$y_form
    return TensorDataset(x, y)


class ProjectData(L.LightningDataModule):
    """The data as guinet prepares it: the same rows, split and scaling.

    setup() runs in every process of a distributed run; load_data() is
    deterministic, so each process holds the same splits.
    """

    def __init__(self, batch_size: int = BATCH_SIZE, seed: int = 0) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.seed = seed

    def setup(self, stage: str | None = None) -> None:
        arrays = load_data()
        self.train_set = as_dataset(arrays, "train")
        self.val_set = as_dataset(arrays, "val")
        self.test_set = as_dataset(arrays, "test")

    def loader(self, dataset: TensorDataset, shuffle: bool) -> DataLoader:
        """This process's share of ``dataset``, in batches.

        Every process orders the rows the same way (one seed) and takes every
        N-th row, in batches of batch_size / N: the N processes together take
        one batch of batch_size, and DDP averages their gradients, as one
        process would compute them. (A batch_size that N does not divide is
        rounded down to a multiple of N; a split that N does not divide
        repeats a few rows to give every process as many.)
        """
        world = self.trainer.world_size if self.trainer else 1
        rank = self.trainer.global_rank if self.trainer else 0
        sampler = DistributedSampler(
            dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=self.seed
        )
        batch_size = max(1, self.batch_size // world)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler)

    def train_dataloader(self) -> DataLoader:
        return self.loader(self.train_set, shuffle=True)
$loaders''')

_LOADER = string.Template("""
    def ${split}_dataloader(self) -> DataLoader:
        return self.loader(self.${split}_set, shuffle=False)
""")


_MODULE = string.Template('''
Batch = tuple[torch.Tensor, torch.Tensor]  # inputs and targets


class ProjectModel(L.LightningModule):
    """The network with its loss, metric, optimizer and learning-rate schedule."""

    def __init__(self) -> None:
        super().__init__()
        self.model = build_model()
$loss_line

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
$scores
    def step(self, batch: Batch, prefix: str) -> torch.Tensor:
        x, y = batch
        out = $out
        loss = self.loss_fn(out, y)
        $metric = $metric_code
        # Each value is its mean over the epoch's samples (batch_size weighs
        # the batches) and over all processes (sync_dist), named as in guinet.
        self.log_dict(
            {f"{prefix}loss": loss, f"{prefix}$metric": $metric},
            on_step=False,
            on_epoch=True,
            batch_size=len(x),
            sync_dist=True,
        )
        return loss

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self.step(batch, "")

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self.step(batch, "val_")

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        self.step(batch, "test_")

    def on_train_epoch_end(self) -> None:
        # the learning rate at the epoch's end, as guinet logs it
        self.log("lr", self.optimizers().param_groups[0]["lr"], sync_dist=True)

    def configure_optimizers(self) -> dict:
$optimizers''')

_SCORES = string.Template('''
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Every layer but the final $final: the raw scores, on which
        $loss applies it itself (more precisely than a separate layer)."""
        return self.model[:-1](x)
''')


def datamodule_source(facts: TrainingCode, splits: Splits) -> str:
    """``as_dataset()`` and the ``ProjectData`` class."""
    loaders = [
        _LOADER.substitute(split=split)
        for split, present in (("val", splits.validation), ("test", splits.test))
        if present
    ]
    text = _DATAMODULE.substitute(
        x_form=".long()  # indices for the Embedding" if facts.integer_input else "",
        y_form=".reshape(-1).long()  # class indices" if facts.class_indices else "",
        loaders="".join(loaders),
    )
    return text.strip("\n")


def module_source(session: Session, facts: TrainingCode, splits: Splits) -> str:
    """The ``ProjectModel`` class (and the ``Batch`` type it takes)."""
    from guinet.core.export.source import statement_lines

    scores = ""
    if facts.drop_final:
        scores = _SCORES.substitute(final=facts.final_layer, loss=facts.loss.type)
    text = _MODULE.substitute(
        loss_line="\n".join(
            statement_lines("        ", "self.loss_fn = ", facts.loss_call)
        ),
        scores=scores,
        out="self.scores(x)" if facts.drop_final else "self.model(x)",
        metric=facts.metric,
        metric_code=METRIC_CODE[(facts.metric, facts.decision)],
        optimizers=_optimizers(session, facts, splits),
    )
    return text.strip("\n")


class _Code:
    """A run-dependent argument, written as the code that computes it."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code


def _optimizers(session: Session, facts: TrainingCode, splits: Splits) -> str:
    """The body of ``configure_optimizers``: the run's optimizer and
    scheduler, with the run's length taken from the Trainer (so that
    ``--max-epochs`` also stretches a schedule planned for the epochs)."""
    from guinet.core.export.source import statement_lines

    optimizer = facts.optimizer_call.replace(
        "trained.parameters()", "self.parameters()", 1
    )
    lines = statement_lines("        ", "optimizer = ", optimizer)
    spec = session.project.training.scheduler
    if spec is None:
        lines.append('        return {"optimizer": optimizer}')
        return "\n".join(lines)

    import torch

    from guinet.core.export.script import call_source, non_default_arguments
    from guinet.core.training.build import build_optimizer, scheduler_arguments
    from guinet.core.training.schedulers import SCHEDULERS

    declared = SCHEDULERS[spec.type]
    probe = build_optimizer(
        session.project.training.optimizer, [torch.nn.Parameter(torch.zeros(1))]
    )
    # the run's length as code: scheduler_arguments only passes it through
    epochs: Any = _Code("epochs")
    steps: Any = _Code("steps_per_epoch")
    arguments = scheduler_arguments(spec, probe, epochs, steps)
    arguments = non_default_arguments(declared.torch_class(), arguments)
    used = {repr(v) for v in arguments.values() if isinstance(v, _Code)}
    if used:
        lines.append("        # the run's length, for the schedule")
        lines.append("        epochs = self.trainer.max_epochs")
    if "steps_per_epoch" in used:
        lines.append(
            "        steps_per_epoch = "
            "int(self.trainer.estimated_stepping_batches) // epochs"
        )
    call = call_source(f"torch.optim.lr_scheduler.{spec.type}", arguments, "optimizer")
    lines += statement_lines("        ", "scheduler = ", call)
    lines += [
        "        return {",
        '            "optimizer": optimizer,',
        '            "lr_scheduler": {',
        '                "scheduler": scheduler,',
        f'                "interval": "{INTERVALS[declared.interval]}",',
    ]
    if declared.monitor is not None:
        watched = monitored(declared.monitor, splits.validation)
        lines.append(f'                "monitor": "{watched}",')
    lines += ["            },", "        }"]
    return "\n".join(lines)
