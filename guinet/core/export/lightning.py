"""The ``lightning`` format: a PyTorch Lightning script for one machine or many.

The script is the project as a ``LightningModule`` and a
``LightningDataModule`` (:mod:`.lightning_classes`: the ``nn.Sequential``
model, the run's loss, metric, optimizer and scheduler, the data prepared
and split as the app does it) and a ``Trainer`` with the project's early
stopping and checkpoints (:mod:`.lightning_callbacks`), started by a
``main()`` that takes Lightning's own switches (``--accelerator``,
``--devices``, ``--num-nodes``, ``--strategy``). It shares its pieces with
the python format (:mod:`.source`, :mod:`.script`), never imports guinet and
needs no trained weights: it trains from scratch.

A distributed run sees the batches one process would: the batch size is the
global one, every process takes its share of each batch from one seeded
order, and DDP averages the gradients; so N processes follow the
single-process run to float rounding, rather than training with N times the
batch size. The script's last line of output (rank 0 only) is a JSON object
with the final losses and metrics, for programs that run it.
"""

from __future__ import annotations

import string
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from guinet import __version__
from guinet.core.export.base import ExportError, ExportRequest, exporter
from guinet.core.export.lightning_callbacks import (
    callback_classes,
    callbacks_source,
    restores_best,
    uses_timedelta,
)
from guinet.core.export.lightning_classes import (
    Splits,
    datamodule_source,
    module_source,
)

if TYPE_CHECKING:
    from guinet.core.export.data_source import DataCode
    from guinet.core.export.script import TrainingCode
    from guinet.core.session import Session


def lightning_script(session: Session, output: Path) -> tuple[str, DataCode]:
    """The script's text for ``session``'s project, to be written to
    ``output``, and the :class:`~.data_source.DataCode` of its data (whose
    ``arrays``, if any, go beside it). Raises :class:`ExportError` for a
    project that cannot be trained as it is."""
    from guinet.core.export.script import import_block, training_facts
    from guinet.core.export.source import data_source, model_source

    facts = training_facts(session)
    prepared = session.prepare_data()
    splits = Splits(validation=len(prepared.x_val) > 0, test=len(prepared.x_test) > 0)
    data = data_source(session, output)
    training = session.project.training
    imports = [
        *data.imports,
        "import argparse",
        "import json",
        "import warnings",
        "import lightning as L",
        "import torch",
        "from torch import nn",
        "from torch.utils.data import DataLoader, DistributedSampler, TensorDataset",
    ]
    if callback_classes(training):
        names = ", ".join(callback_classes(training))
        imports.append(f"from lightning.pytorch.callbacks import {names}")
    if uses_timedelta(training):
        imports.append("from datetime import timedelta")
    model = model_source(session.model_for_data(), indent="    ")
    parts = [
        _header(session, output, data, facts)
        + "\n\n"
        + import_block(imports)
        + "\n\n"
        + _settings(session, facts),
        data.code.strip("\n"),
        "def build_model() -> nn.Sequential:\n"
        '    """The network, layer by layer, as guinet\'s designer shows it."""\n'
        + model
        + "    return model",
        datamodule_source(facts, splits),
        module_source(session, facts, splits),
        callbacks_source(training, splits.validation),
        _main(session, facts, splits),
    ]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n", data


def _header(session: Session, output: Path, data: DataCode, facts: TrainingCode) -> str:
    from guinet.core.export.script import doc_text

    script = output.name
    lines = [f'"""Train "{doc_text(session.project.name)}" with PyTorch Lightning.', ""]
    lines += _wrapped(
        f"Written by guinet {__version__} (guinet export --format lightning). It "
        "needs PyTorch Lightning (pip install lightning) and what it imports "
        "below, not guinet. One machine, or many with Lightning's own switches:"
    )
    lines += [
        "",
        f"    python {script}",
        f"    python {script} --accelerator cpu --devices 2 --strategy ddp",
        f"    python {script} --devices 4 --num-nodes 2 --strategy ddp",
        "",
    ]
    lines += _wrapped(
        "The batch size is the global one: N processes each take 1/N of every "
        "batch, so the weights see the batches one process would. The last line "
        "printed is a JSON object with the final losses and metrics."
    )
    notes = [*data.notes, *_notes(session)]
    if notes:
        lines += ["", "Notes:"]
        for note in notes:
            lines += _wrapped(note, "- ", "  ")
    return "\n".join(lines) + '\n"""'


def _wrapped(text: str, first: str = "", rest: str = "") -> list[str]:
    from guinet.core.export.script import doc_text

    return textwrap.wrap(
        doc_text(text),
        79,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    )


def _notes(session: Session) -> list[str]:
    """What the script does not do as the app does."""
    early = session.project.training.early_stopping
    notes = []
    if (
        early.enabled
        and early.restore_best
        and not restores_best(session.project.training)
    ):
        notes.append(
            "Early stopping's restore_best is not repeated: it needs best "
            "checkpoints on the same monitor. The test uses the last weights."
        )
    return notes


def _settings(session: Session, facts: TrainingCode) -> str:
    from guinet.core.export.source import py_value

    seed = facts.seed
    return "\n".join(
        [
            "# The run's settings; main() takes each as a switch.",
            f"EPOCHS = {facts.epochs}",
            f"BATCH_SIZE = {facts.batch_size}  # per step, over all processes",
            f"TRAINING_SEED = {seed}  # starting weights and batch order"
            + ("; None: random" if seed is None else ""),
            f"CHECKPOINT_DIR = {py_value(_checkpoint_dir(session))}",
        ]
    )


def _checkpoint_dir(session: Session) -> str:
    """The project's checkpoint folder name with ``-lightning`` after it, so
    Lightning's files never mix with the app's."""
    from guinet.core.training.folders import checkpoint_folder

    folder, _note = checkpoint_folder(session.project)
    name = folder.name if folder is not None else "checkpoints"
    return f"{name}-lightning"


_MAIN = string.Template("""
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Lightning's own switches: where to train and how many processes
    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, mps, auto")
    parser.add_argument("--devices", default="auto", help="per machine: 2, or 0,1")
    parser.add_argument("--num-nodes", type=int, default=1, help="machines")
    parser.add_argument("--strategy", default="auto", help="auto, ddp, fsdp, ...")
    parser.add_argument("--max-epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=TRAINING_SEED)
    parser.add_argument("--checkpoint-dir", default=CHECKPOINT_DIR)
    args = parser.parse_args()

    # The data are tensors in memory: worker processes would only copy them.
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    # Every process starts from the same weights and shuffles the same way.
    seed = L.seed_everything(args.seed, workers=True)
    model = ProjectModel()
    data = ProjectData(batch_size=args.batch_size, seed=seed)
    trainer = L.Trainer(
        accelerator=args.accelerator,
        devices=args.devices,
        num_nodes=args.num_nodes,
        strategy=args.strategy,
        max_epochs=args.max_epochs,
        callbacks=make_callbacks(args.checkpoint_dir),$trainer_options
        use_distributed_sampler=False,  # ProjectData.loader shares out the rows
        log_every_n_steps=1,
    )
    trainer.fit(model, datamodule=data)
    final = {name: value.item() for name, value in trainer.callback_metrics.items()}
$test
    if trainer.is_global_zero:
        summary = {"epochs_run": trainer.current_epoch, "final": final, "test": test}
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
""")

_TEST = string.Template("""
    # the test split, with $weights
    test = trainer.test(model, datamodule=data, ${best}verbose=False)[0]
""")


def _main(session: Session, facts: TrainingCode, splits: Splits) -> str:
    training = session.project.training
    options = ""
    if not training.checkpoint.enabled:
        options += "\n        enable_checkpointing=False,"
    if _has_batchnorm(session):
        # BatchNorm over the whole global batch; torch's SyncBatchNorm needs
        # GPUs, so on CPUs each process normalises its share of the batch
        options += (
            "\n        # BatchNorm statistics over all processes (needs GPUs)"
            '\n        sync_batchnorm=args.accelerator != "cpu" and '
            "torch.cuda.is_available(),"
        )
    if not splits.test:
        test = "    test: dict = {}  # the project has no test split"
    elif restores_best(training):
        test = _TEST.substitute(
            weights="the best epoch's weights (restore_best)", best='ckpt_path="best", '
        )
    else:
        test = _TEST.substitute(weights="the last epoch's weights", best="")
    return _MAIN.substitute(trainer_options=options, test=test.strip("\n")).strip("\n")


def _has_batchnorm(session: Session) -> bool:
    return any(
        layer.type.startswith("BatchNorm") for layer in session.model_for_data().layers
    )


# -- the format ------------------------------------------------------------------------
def _write_lightning(request: ExportRequest) -> list[Path]:
    from guinet.core.data import DataError
    from guinet.core.export.script import write_script

    try:
        text, data = lightning_script(request.session, request.output)
    except DataError as exc:
        raise ExportError(f"{request.session.project.display_name}: {exc}") from exc
    return write_script(request.output, text, data)


exporter(
    key="lightning",
    label="PyTorch Lightning script",
    suffix=".py",
    help="A standalone training script (no guinet needed): a LightningModule, a "
    "LightningDataModule and a Trainer with the project's early stopping and "
    "checkpoints; --devices, --num-nodes and --strategy ddp spread it over "
    "GPUs and machines.",
    needs_weights=False,
    modules=("lightning",),
    extra="lightning",
    write=_write_lightning,
)
