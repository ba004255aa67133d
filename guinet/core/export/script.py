"""The ``python`` format: one standalone PyTorch script that trains the project.

The script is written for a student to read — settings at the top, then the
data (:func:`~.source.data_source`), the model as one ``nn.Sequential``
(:func:`~.source.model_source`), and a plain training loop with short
comments — and it never imports guinet. It is also exact: run on the CPU it
repeats guinet's run step for step (the same seeding before the weights are
made, the same ``randperm`` batch order from its own seeded generator,
dropout drawing from the same global generator, the same optimizer variant
and thread count), so it prints the app's losses to within float rounding.

What it leaves out is said in its header: guinet's NaN guard, checkpoint
file names and ``save_top_k``, and the rarer early-stopping options.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet import __version__
from guinet.core.export.base import ExportError, ExportRequest, exporter
from guinet.core.fileio import atomic_write_text

if TYPE_CHECKING:
    from guinet.core.components import ComponentSpec
    from guinet.core.export.data_source import DataCode
    from guinet.core.session import Session

__all__ = [
    "TrainingCode",
    "call_source",
    "doc_text",
    "import_block",
    "non_default_arguments",
    "script_source",
    "training_facts",
    "write_script",
]


@dataclass
class TrainingCode:
    """The facts of a run that a script must repeat to match it, read from
    the session the way :func:`~guinet.core.training.fit.build_run` reads
    them (the lightning exporter reuses them)."""

    loss: ComponentSpec
    loss_call: str
    drop_final: bool
    final_layer: str
    class_indices: bool
    integer_input: bool
    metric: str
    decision: str
    optimizer_call: str
    scheduler_call: str | None
    scheduler_interval: str
    scheduler_monitor: str | None
    seed: int | None
    epochs: int
    batch_size: int
    eval_batch_size: int
    one_thread: bool
    drop_one: bool
    n_train: int
    early_stopping: dict[str, Any] | None
    checkpoint: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


def call_source(path: str, arguments: dict[str, Any], first: str = "") -> str:
    """``path(first, name=value, ...)`` on one line."""
    from guinet.core.export.source import py_value

    parts = [first] if first else []
    parts.extend(f"{k}={py_value(v)}" for k, v in arguments.items())
    return f"{path}({', '.join(parts)})"


def non_default_arguments(cls: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` without those equal to ``cls``'s own defaults."""
    import inspect

    try:
        defaults = {
            n: p.default
            for n, p in inspect.signature(cls).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
    except (TypeError, ValueError):
        return dict(arguments)
    shown = {}
    for name, value in arguments.items():
        default = defaults.get(name, inspect.Parameter.empty)
        if default is inspect.Parameter.empty or not _equal(value, default):
            shown[name] = value
    return shown


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:
        return False


def training_facts(session: Session) -> TrainingCode:
    """What the script must do to repeat ``session``'s run; raises
    :class:`ExportError` when the project cannot be trained as it is."""
    import torch

    from guinet.core.data import DataError
    from guinet.core.model import ModelError
    from guinet.core.training import TrainingError
    from guinet.core.training.build import build_optimizer, scheduler_arguments
    from guinet.core.training.compat import plan_for_data
    from guinet.core.training.early_stopping import resolve_mode
    from guinet.core.training.fastpath import SMALL_WORK, multiply_adds
    from guinet.core.training.losses import LOSSES
    from guinet.core.training.optimizers import OPTIMIZERS
    from guinet.core.training.schedulers import SCHEDULERS
    from guinet.core.training.trainer import EVAL_VALUES

    try:
        config = session.project.training
        config.check()
        prepared = session.prepare_data()
        session.check()
        loss = session.loss()
        assert loss is not None
        spec = session.model_for_data()
        analysis = spec.analyze()
        plan = plan_for_data(spec, loss, prepared)
        model = spec.build("cpu")
    except (DataError, ModelError, TrainingError) as exc:
        raise ExportError(f"{session.project.display_name}: {exc}") from exc
    trained = model[:-1] if plan.drop_final else model
    notes: list[str] = list(plan.notes)

    loss_declared = LOSSES[plan.loss.type]
    loss_args = non_default_arguments(
        loss_declared.torch_class(), loss_declared.arguments(plan.loss.params)
    )
    loss_call = call_source(f"nn.{plan.loss.type}", loss_args)

    # the optimizer variant guinet's build_optimizer picks on the CPU (fused,
    # else foreach), found by building one on a stand-in weight
    opt_declared = OPTIMIZERS[config.optimizer.type]
    probe = build_optimizer(config.optimizer, [torch.nn.Parameter(torch.zeros(1))])
    opt_args = non_default_arguments(
        opt_declared.torch_class(), opt_declared.arguments(config.optimizer.params)
    )
    for flag in ("fused", "foreach"):
        if probe.defaults.get(flag):
            opt_args[flag] = True
            break
    optimizer_call = call_source(
        f"torch.optim.{config.optimizer.type}", opt_args, "trained.parameters()"
    )

    n_train = int(prepared.x_train.shape[0])
    batch_size = config.batch_size
    has_batchnorm = any(
        isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules()
    )
    drop_one = n_train % batch_size == 1 and n_train > 1 and has_batchnorm
    used = n_train - 1 if drop_one else n_train
    batches = -(-used // batch_size)

    scheduler_call = None
    interval, monitor = "epoch", None
    if config.scheduler is not None:
        sched_declared = SCHEDULERS[config.scheduler.type]
        args = scheduler_arguments(config.scheduler, probe, config.epochs, batches)
        args = non_default_arguments(sched_declared.torch_class(), args)
        scheduler_call = call_source(
            f"torch.optim.lr_scheduler.{config.scheduler.type}", args, "optimizer"
        )
        interval, monitor = sched_declared.interval, sched_declared.monitor

    sample = torch.from_numpy(prepared.x_train[:1])
    if spec.layers[0].layer_type.integer_input:
        sample = sample.long()
    one_thread = multiply_adds(trained, sample) * batch_size <= SMALL_WORK
    eval_batch = max(batch_size, EVAL_VALUES // analysis.widest_values)

    early = None
    es = config.early_stopping
    if es.enabled:
        early = {
            "monitor": es.monitor,
            "mode": resolve_mode(es.mode, es.monitor),
            "patience": es.patience,
            "min_delta": es.min_delta,
            "relative": es.min_delta_relative,
            "warmup": es.warmup,
            "restore_best": es.restore_best,
        }
        left = [
            name
            for name in ("baseline", "stop_at", "divergence_threshold")
            if getattr(es, name) is not None
        ]
        if left:
            notes.append(
                "Early stopping's "
                + ", ".join(left)
                + " setting is not written here; this script stops on patience "
                "only, so it may train longer than guinet did."
            )
    checkpoint = None
    ck = config.checkpoint
    if ck.enabled:
        checkpoint = {
            "dir": ck.dir,
            "monitor": ck.monitor,
            "mode": resolve_mode(ck.mode, ck.monitor),
            "save_best": ck.save_best and ck.save_top_k != 0,
            "save_last": ck.save_last,
            "every": ck.every_n_epochs,
        }
        if ck.save_top_k not in (0, 1) or ck.every_n_minutes > 0:
            notes.append(
                "Checkpoints: this script keeps the best and the last weights "
                "(and every_n_epochs files), not save_top_k or every_n_minutes."
            )
    return TrainingCode(
        loss=plan.loss,
        loss_call=loss_call,
        drop_final=plan.drop_final,
        final_layer=spec.layers[len(spec.layers) - 1].type,
        class_indices=plan.class_indices,
        integer_input=spec.layers[0].layer_type.integer_input,
        metric=plan.metric,
        decision=plan.decision,
        optimizer_call=optimizer_call,
        scheduler_call=scheduler_call,
        scheduler_interval=interval,
        scheduler_monitor=monitor,
        seed=config.seed,
        epochs=config.epochs,
        batch_size=batch_size,
        eval_batch_size=eval_batch,
        one_thread=one_thread,
        drop_one=drop_one,
        n_train=n_train,
        early_stopping=early,
        checkpoint=checkpoint,
        notes=notes,
    )


def _section(title: str) -> str:
    return f"# -- {title} ".ljust(79, "-")


def import_block(lines: list[str]) -> str:
    """Import lines sorted as ruff's isort does: standard library, then the
    rest, plain ``import`` before ``from``."""
    groups: list[list[str]] = [[], []]
    for line in sorted(set(lines)):
        module = line.split()[1].split(".")[0]
        groups[0 if module in sys.stdlib_module_names else 1].append(line)

    def key(line: str) -> tuple[int, str]:
        return (0 if line.startswith("import ") else 1, line.split()[1].lower())

    return "\n\n".join("\n".join(sorted(g, key=key)) for g in groups if g)


def script_source(session: Session, output: Path) -> tuple[str, Any]:
    """The script's text for ``session``'s project, to be written to
    ``output``, and the :class:`~.source.DataCode` of its data (whose
    ``arrays``, if any, go beside it)."""
    from guinet.core.export.source import data_source, model_source

    facts = training_facts(session)
    data = data_source(session, output)
    spec = session.model_for_data()
    model_code = model_source(spec, indent="    ")
    name = session.project.name or session.project.display_name
    notes = [*data.notes, *facts.notes]
    needs = ["torch", "numpy"]
    if "import pandas as pd" in data.imports:
        needs.append("pandas")
    if "import sklearn.datasets" in data.imports:
        needs.append("scikit-learn")
    header = [f'"""Train "{doc_text(name)}" with PyTorch.', ""]
    header.extend(
        textwrap.wrap(
            f"Written by guinet {__version__} (guinet export --format python). "
            f"Run it with `python {output.name}`; it needs {', '.join(needs)}, "
            "not guinet.",
            79,
        )
    )
    header.append("")
    header.extend(
        textwrap.wrap(
            "On the CPU it repeats guinet's run step by step: the same data "
            "split, the same starting weights, the same batches in the same "
            "order, so the same losses.",
            79,
        )
    )
    if notes:
        header.append("")
        header.append("Notes:")
        for note in notes:
            header.extend(
                textwrap.wrap(
                    doc_text(note), 79, initial_indent="- ", subsequent_indent="  "
                )
            )
    header.append('"""')
    imports = [
        *data.imports,
        "import json",
        "import random",
        "from pathlib import Path",
        "import numpy as np",
        "import torch",
        "from torch import nn",
    ]
    if facts.early_stopping is not None and facts.early_stopping["restore_best"]:
        imports.append("import copy")
    parts = [
        "\n".join(header) + "\n\n" + import_block(imports) + "\n\n" + _settings(facts),
        _section("the data") + "\n" + data.code.strip("\n"),
        _section("the model")
        + "\n"
        + "def build_model():\n"
        + '    """The network, layer by layer, as guinet\'s designer shows it."""\n'
        + model_code
        + "    return model",
        _section("training") + "\n" + _evaluate(facts).strip("\n"),
        _main(facts, data.task).strip("\n"),
        'if __name__ == "__main__":\n    main()',
    ]
    text = "\n\n\n".join(parts) + "\n"
    if "Path(" not in text.split(_section("settings"), 1)[1]:
        text = text.replace("from pathlib import Path\n", "", 1)
    return text, data


def doc_text(text: str) -> str:
    """``text`` safe inside a triple-quoted docstring."""
    return text.replace("\\", "/").replace('"""', "'''")


def _settings(facts: TrainingCode) -> str:
    lines = [
        _section("settings"),
        f"SEED = {facts.seed!r}  # seeds the starting weights, the batch order "
        "and dropout",
        f"EPOCHS = {facts.epochs}  # an epoch is one pass over every training sample",
        f"BATCH_SIZE = {facts.batch_size}  # samples per step of the optimizer",
        f"EVAL_BATCH_SIZE = {facts.eval_batch_size}  # samples per batch when "
        "only measuring",
        'DEVICE = "cpu"  # "cuda" trains on a GPU (the last digits then differ)',
    ]
    if facts.checkpoint is not None:
        lines.append(
            'CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"  # saved weights'
        )
    if facts.early_stopping is not None:
        es = facts.early_stopping
        lines.extend(
            [
                "# Early stopping: end training when MONITOR has not improved for",
                "# PATIENCE epochs in a row.",
                f'MONITOR = "{es["monitor"]}"',
                f'MODE = "{es["mode"]}"  # min: lower is better; max: higher is',
                f"PATIENCE = {es['patience']}",
                f"MIN_DELTA = {es['min_delta']!r}  # how much better counts as "
                "an improvement",
            ]
        )
    return "\n".join(lines)


def _evaluate(facts: TrainingCode) -> str:
    metric = facts.metric
    if metric == "accuracy" and facts.decision == "threshold":
        total = "((out > 0) == (yb > 0.5)).sum().item()"
        comment = "a score above 0 means class 1"
        count = "len(x)"
    elif metric == "accuracy":
        total = "(out.argmax(dim=1) == yb).sum().item()"
        comment = "the class with the highest score is the prediction"
        count = "len(x)"
    else:
        total = "(out - yb).abs().sum().item()"
        comment = "mean absolute error: the average distance to the target"
        count = "y.numel()"
    return f'''
def evaluate(model, loss_fn, x, y):
    """The average loss and {metric} over x, y: in large batches, in eval mode
    (dropout off), without gradients."""
    model.eval()
    loss_sum = torch.zeros(())
    metric_sum = 0.0
    with torch.no_grad():
        for start in range(0, len(x), EVAL_BATCH_SIZE):
            xb = x[start : start + EVAL_BATCH_SIZE]
            yb = y[start : start + EVAL_BATCH_SIZE]
            out = model(xb)
            loss_sum += loss_fn(out, yb).float() * xb.shape[0]
            # {comment}
            metric_sum += {total}
    model.train()
    return {{"loss": loss_sum.item() / len(x), "{metric}": metric_sum / {count}}}
'''


def _main(facts: TrainingCode, task: str) -> str:
    from guinet.core.export.source import statement_lines

    lines: list[str] = []
    add = lines.append
    add("def main():")
    add("    # The data as NumPy arrays, then as torch tensors.")
    add("    arrays = load_data()")
    x_cast = ".long()" if facts.integer_input else ""
    y_cast = ".reshape(-1).long()" if facts.class_indices else ""
    for split in ("train", "val", "test"):
        add(f'    x_{split} = torch.from_numpy(arrays["x_{split}"]){x_cast}.to(DEVICE)')
        add(f'    y_{split} = torch.from_numpy(arrays["y_{split}"]){y_cast}.to(DEVICE)')
    add("")
    add("    # Seed every random generator before the weights are made: the same")
    add("    # seed gives the same starting weights, batches and dropout.")
    if facts.seed is not None:
        add("    random.seed(SEED)")
        add("    np.random.seed(SEED % 2**32)")
        add("    torch.manual_seed(SEED)")
    if facts.one_thread:
        add("    # a small model trains faster on one CPU thread (guinet does the")
        add("    # same; it also keeps the sums in the same order)")
        add("    torch.set_num_threads(1)")
    add("    model = build_model().to(DEVICE)")
    if facts.drop_final:
        add(
            f"    # The loss applies the final {facts.final_layer} itself, so it is "
            "left out"
        )
        add("    # while training (it is still part of `model` for predictions).")
        add("    trained = model[:-1]")
    else:
        add("    trained = model")
    add("")
    add("    # The loss measures how wrong the outputs are; the optimizer changes")
    add("    # the weights a little against its gradient after every batch.")
    lines.extend(statement_lines("    ", "loss_fn = ", facts.loss_call))
    lines.extend(statement_lines("    ", "optimizer = ", facts.optimizer_call))
    if facts.scheduler_call is not None:
        add("    # The scheduler changes the learning rate as training goes on.")
        lines.extend(statement_lines("    ", "scheduler = ", facts.scheduler_call))
    add("    # The batch order has its own generator, seeded like guinet's.")
    if facts.seed is not None:
        add("    generator = torch.Generator().manual_seed(SEED)")
    else:
        add("    generator = torch.Generator()")
        add("    generator.seed()  # no seed: a different order every run")
    if facts.checkpoint is not None:
        add("    CHECKPOINT_DIR.mkdir(exist_ok=True)")
    add("")
    add("    n = len(x_train)")
    if facts.drop_one:
        add("    # One sample sits out each epoch (a different one each time): a")
        add("    # last batch of a single sample breaks BatchNorm.")
        add("    used = n - 1")
    else:
        add("    used = n")
    add("    history = []")
    es = facts.early_stopping
    ck = facts.checkpoint
    if es is not None:
        add("    best, best_epoch, wait = None, None, 0")
        if es["restore_best"]:
            add("    best_weights = None")
    if ck is not None and ck["save_best"]:
        add("    best_saved = None")
    add("    for epoch in range(EPOCHS):")
    add("        # An epoch: shuffle the training samples, then step through them")
    add("        # one batch at a time.")
    add("        trained.train()")
    add("        order = torch.randperm(n, generator=generator)[:used].to(DEVICE)")
    add("        x_epoch, y_epoch = x_train[order], y_train[order]")
    add("        loss_sum = 0.0")
    add("        for start in range(0, used, BATCH_SIZE):")
    add("            xb = x_epoch[start : start + BATCH_SIZE]")
    add("            yb = y_epoch[start : start + BATCH_SIZE]")
    add("            optimizer.zero_grad()  # forget the previous batch's gradients")
    add("            out = trained(xb)  # forward: the network's outputs")
    add("            loss = loss_fn(out, yb)  # how wrong they are, on average")
    add("            loss.backward()  # backward: the gradient of every weight")
    add("            optimizer.step()  # move the weights against the gradient")
    if facts.scheduler_call is not None and facts.scheduler_interval == "batch":
        add("            scheduler.step()  # this scheduler steps after every batch")
    add("            loss_sum += loss.item() * len(xb)")
    add("")
    add('        logs = {"epoch": epoch + 1, "loss": loss_sum / used}')
    add("        if len(x_val):")
    add("            measured = evaluate(trained, loss_fn, x_val, y_val)")
    add('            logs.update({f"val_{k}": v for k, v in measured.items()})')
    add('        logs["lr"] = optimizer.param_groups[0]["lr"]')
    add("        history.append(logs)")
    add('        shown = ", ".join(f"{k} {v:.4f}" for k, v in list(logs.items())[1:])')
    add('        print(f"epoch {epoch + 1}/{EPOCHS}: {shown}")')
    if facts.scheduler_call is not None and facts.scheduler_interval == "epoch":
        if facts.scheduler_monitor is not None:
            monitor = facts.scheduler_monitor
            add(f"        # this scheduler watches {monitor} (or loss without")
            add("        # a validation split)")
            plain = monitor.removeprefix("val_")
            add(f'        scheduler.step(logs.get("{monitor}", logs["{plain}"]))')
        else:
            add("        scheduler.step()  # this scheduler steps after every epoch")
    if ck is not None:
        add("")
        add(
            "        # Checkpoints: the weights saved to files, to use or resume later."
        )
        ck_monitor, plain = ck["monitor"], ck["monitor"].removeprefix("val_")
        if ck["save_last"]:
            add('        torch.save(model.state_dict(), CHECKPOINT_DIR / "last.pt")')
        if ck["save_best"]:
            better = "<" if ck["mode"] == "min" else ">"
            add(f'        value = logs.get("{ck_monitor}", logs["{plain}"])')
            add(f"        if best_saved is None or value {better} best_saved:")
            add("            best_saved = value")
            add(
                '            torch.save(model.state_dict(), CHECKPOINT_DIR / "best.pt")'
            )
        if ck["every"]:
            add(f"        if (epoch + 1) % {ck['every']} == 0:")
            add('            name = f"epoch{epoch + 1:03d}.pt"')
            add("            torch.save(model.state_dict(), CHECKPOINT_DIR / name)")
    if es is not None:
        plain = es["monitor"].removeprefix("val_")
        add("")
        add("        # Early stopping: remember the best epoch; stop after PATIENCE")
        add("        # epochs without an improvement.")
        add(f'        value = logs.get(MONITOR, logs["{plain}"])')
        if es["warmup"]:
            add(
                f"        if epoch < {es['warmup']}:  # the first epochs are not judged"
            )
            add("            continue")
        margin = "MIN_DELTA * abs(best)" if es["relative"] else "MIN_DELTA"
        add('        if MODE == "min":')
        add(f"            improved = best is None or value < best - {margin}")
        add("        else:")
        add(f"            improved = best is None or value > best + {margin}")
        add("        if improved:")
        add("            best, best_epoch, wait = value, epoch + 1, 0")
        if es["restore_best"]:
            add("            best_weights = copy.deepcopy(model.state_dict())")
        add("        else:")
        add("            wait += 1")
        add("            if wait >= PATIENCE:")
        add('                print(f"no improvement for {PATIENCE} epochs: stopping")')
        add("                break")
        if es["restore_best"]:
            add("")
            add("    if best_weights is not None:  # back to the best epoch's weights")
            add("        model.load_state_dict(best_weights)")
    add("")
    add("    last = history[-1]")
    add("    result = {")
    add('        "epochs_run": len(history),')
    add('        "loss": last["loss"],')
    add('        "val_loss": last.get("val_loss"),')
    if es is not None:
        add('        "best_epoch": best_epoch,')
    add("    }")
    add("    if len(x_test):")
    add('        result["test"] = evaluate(trained, loss_fn, x_test, y_test)')
    add("    print(json.dumps(result))  # the last line: the numbers, as JSON")
    del task
    return "\n".join(lines) + "\n"


def _write_python(request: ExportRequest) -> list[Path]:
    from guinet.core.data import DataError

    try:
        text, data = script_source(request.session, request.output)
    except DataError as exc:
        raise ExportError(f"{request.session.project.display_name}: {exc}") from exc
    return write_script(request.output, text, data)


def write_script(output: Path, text: str, data: DataCode) -> list[Path]:
    """Write a script (and, where its data is not rewritten as code, the
    prepared arrays beside it as ``.npz``); return the files written."""
    import io

    import numpy as np

    from guinet.core.fileio import atomic_write

    written = [output]
    if data.arrays is not None:
        npz = output.with_name(data.npz_name)
        buffer = io.BytesIO()
        arrays: dict[str, Any] = dict(data.arrays)
        np.savez(buffer, **arrays)

        def write(handle: Any) -> None:
            handle.write(buffer.getvalue())

        atomic_write(npz, write)
        written.append(npz)
    atomic_write_text(output, text)
    return written


exporter(
    key="python",
    label="Python script (PyTorch)",
    suffix=".py",
    help="One readable PyTorch script, no guinet needed: the data preparation, "
    "the model as nn.Sequential and the training loop with the same loss, "
    "optimizer, scheduler, early stopping and checkpoints; on the CPU it "
    "repeats guinet's run and its losses.",
    needs_weights=False,
    write=_write_python,
)
