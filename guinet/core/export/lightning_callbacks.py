"""The Lightning script's callbacks: the project's early stopping and checkpoints.

guinet's settings map onto Lightning's ``EarlyStopping`` and
``ModelCheckpoint`` almost key for key (monitor, mode, patience, min_delta,
stop_at → ``stopping_threshold``, ``divergence_threshold``, ``check_finite``;
save_best/save_top_k, save_last, every_n_epochs, every_n_minutes, the file
name template). What Lightning has no switch for (a relative min_delta, a
baseline, warm-up epochs) is said in a comment in the script rather than
dropped silently. ``restore_best`` becomes testing with the best
checkpoint's weights, which needs best checkpoints on the same monitor.
"""

from __future__ import annotations

import string
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guinet.core.training.checkpoints import CheckpointSettings
    from guinet.core.training.config import TrainingSpec
    from guinet.core.training.early_stopping import EarlyStoppingSettings


def monitored(monitor: str, has_validation: bool) -> str:
    """The value a monitor watches: without a validation split, ``val_x``
    falls back to the training value ``x``, as in the app."""
    if not has_validation and monitor.startswith("val_"):
        return monitor[4:]
    return monitor


def _mode(mode: str, monitor: str) -> str:
    from guinet.core.training.early_stopping import resolve_mode

    return resolve_mode(mode, monitor)


def callback_classes(training: TrainingSpec) -> list[str]:
    """The Lightning callback classes the script imports."""
    names = []
    if training.early_stopping.enabled:
        names.append("EarlyStopping")
    if training.checkpoint.enabled:
        names.append("ModelCheckpoint")
    return names


def uses_timedelta(training: TrainingSpec) -> bool:
    checkpoint = training.checkpoint
    return bool(checkpoint.enabled and checkpoint.every_n_minutes)


def restores_best(training: TrainingSpec) -> bool:
    """Early stopping's ``restore_best`` can be honoured: best checkpoints
    are kept on the monitor it watches."""
    early, checkpoint = training.early_stopping, training.checkpoint
    return bool(
        early.enabled
        and early.restore_best
        and checkpoint.enabled
        and checkpoint.save_best
        and checkpoint.save_top_k != 0
        and checkpoint.monitor == early.monitor
        and _mode(checkpoint.mode, checkpoint.monitor)
        == _mode(early.mode, early.monitor)
    )


def keyword_call(indent: str, target: str, name: str, args: dict[str, str]) -> str:
    """``target = name(k=v, ...)`` with each ``v`` code, as ruff formats it."""
    from guinet.core.export.source import statement_lines

    joined = ", ".join(f"{key}={code}" for key, code in args.items())
    return "\n".join(statement_lines(indent, f"{target} = ", f"{name}({joined})"))


def _early_stopping(
    settings: EarlyStoppingSettings, has_validation: bool
) -> tuple[list[str], dict[str, str]]:
    """Comments and arguments of the ``EarlyStopping`` callback."""
    from guinet.core.export.source import py_value

    monitor = monitored(settings.monitor, has_validation)
    args = {
        "monitor": py_value(monitor),
        "mode": py_value(_mode(settings.mode, settings.monitor)),
        "patience": str(settings.patience),
        "min_delta": py_value(float(settings.min_delta)),
    }
    if settings.stop_at is not None:
        args["stopping_threshold"] = py_value(float(settings.stop_at))
    if settings.divergence_threshold is not None:
        args["divergence_threshold"] = py_value(float(settings.divergence_threshold))
    if not settings.check_finite:
        args["check_finite"] = "False"
    if not monitor.startswith("val_"):  # a training value: judged after training
        args["check_on_train_epoch_end"] = "True"
    comments = []
    if settings.min_delta_relative:
        comments.append(
            f"guinet reads min_delta as a fraction of the best value "
            f"({settings.min_delta:g} = {settings.min_delta * 100:g} %); "
            "Lightning's is absolute."
        )
    if settings.warmup:
        comments.append(
            f"guinet does not judge the first {settings.warmup} epochs; "
            "Lightning has no such switch."
        )
    if settings.baseline is not None:
        comments.append(
            f"guinet stops a run that does not beat {settings.baseline:g} within "
            "its patience; Lightning has no such switch."
        )
    return comments, args


def lightning_filename(template: str, kind: str, monitor: str) -> str:
    """guinet's checkpoint file-name template in Lightning's terms: ``{kind}``
    and ``{monitor}`` written out, ``{value}`` as the monitored value; a
    template without ``{kind}`` starts with it, as in the app."""
    out = [] if "{kind" in template else [f"{kind}-"]
    for literal, field, spec, conversion in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if field == "kind":
            out.append(kind)
            continue
        if field == "monitor":
            out.append(monitor)
            continue
        name = monitor if field == "value" else field
        out.append("{" + name + (f"!{conversion}" if conversion else ""))
        out.append((f":{spec}" if spec else "") + "}")
    return "".join(out)


def _checkpoints(
    settings: CheckpointSettings, has_validation: bool
) -> list[tuple[str, dict[str, str]]]:
    """The ``ModelCheckpoint`` callbacks: best (and last), and periodic ones."""
    from guinet.core.export.source import py_value

    monitor = monitored(settings.monitor, has_validation)
    common = {"dirpath": "checkpoint_dir"}
    on_train = {} if monitor.startswith("val_") else {"save_on_train_epoch_end": "True"}
    top_k = settings.save_top_k if settings.save_best else 0
    best = {
        **common,
        "filename": py_value(lightning_filename(settings.filename, "best", monitor)),
        "auto_insert_metric_name": "False",
        "monitor": py_value(monitor),
        "mode": py_value(_mode(settings.mode, settings.monitor)),
        "save_top_k": str(top_k),
        "save_last": str(bool(settings.save_last)),
        **on_train,
    }
    made = [("best", best)]
    periodic = {
        **common,
        "filename": py_value(
            lightning_filename(settings.filename, "periodic", monitor)
        ),
        "auto_insert_metric_name": "False",
        "save_top_k": "-1",  # keep every one
    }
    if settings.every_n_epochs:
        made.append(
            (
                "every_epochs",
                {**periodic, "every_n_epochs": str(settings.every_n_epochs)},
            )
        )
    if settings.every_n_minutes:
        minutes = py_value(float(settings.every_n_minutes))
        made.append(
            (
                "every_minutes",
                {**periodic, "train_time_interval": f"timedelta(minutes={minutes})"},
            )
        )
    return made


_FUNCTION = string.Template('''
def make_callbacks(checkpoint_dir: str) -> list:
    """Early stopping and checkpoints, with the project's settings."""
$body
    return [$names]
''')


def callbacks_source(training: TrainingSpec, has_validation: bool) -> str:
    """``make_callbacks(checkpoint_dir)``: the callbacks of the Trainer."""
    lines: list[str] = []
    names: list[str] = []
    if training.early_stopping.enabled:
        comments, args = _early_stopping(training.early_stopping, has_validation)
        for comment in comments:
            lines += textwrap.wrap(
                comment, 88, initial_indent="    # ", subsequent_indent="    # "
            )
        lines.append(keyword_call("    ", "early_stopping", "EarlyStopping", args))
        names.append("early_stopping")
    if training.checkpoint.enabled:
        if "{epoch" in training.checkpoint.filename:
            lines.append("    # ({epoch} in a file name counts from 0 in Lightning)")
        for name, args in _checkpoints(training.checkpoint, has_validation):
            lines.append(keyword_call("    ", name, "ModelCheckpoint", args))
            names.append(name)
    if not lines:
        lines.append(
            "    # the project has early stopping and checkpoints switched off"
        )
    text = _FUNCTION.substitute(body="\n".join(lines), names=", ".join(names))
    return text.strip("\n")
