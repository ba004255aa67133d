"""``prepare``: a project's data section in, ready-to-train arrays out.

The order matters and is the promise: read → choose and check columns →
missing-value policy → target and task → split (seeded, stratified) → fit
encodings, fill values and scaling on the training rows only → apply them to
every split. Separate validation/test sources replace the matching fraction
of the split and are encoded with what was fitted on the training rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from guinet.core.data.assemble import assemble
from guinet.core.data.errors import CancelledFn, DataError, Progress, ProgressFn
from guinet.core.data.preparers import ArrayPrep, Choice, TablePrep, describe
from guinet.core.data.result import SPLITS, DataReport, MissingReport, PreparedData
from guinet.core.data.scaling import check_scaled
from guinet.core.data.sources import (
    ArraySet,
    Table,
    load_source,
    resolve_path,
    source_kind,
)
from guinet.core.data.spec import MISSING, DataSpec
from guinet.core.data.split import split_indices
from guinet.core.data.targets import Targets, encode_targets, map_targets


def prepare(
    data: DataSpec | Mapping[str, Any],
    base_dir: str | Path | None = None,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    test_source: Mapping[str, Any] | None = None,
) -> PreparedData:
    """Read the project's data section and return train/validation/test arrays.

    ``base_dir`` is the folder of the project file (relative paths start
    there). ``test_source`` (evaluation on another file) is read as the test
    split like a separate test file, but the split keeps the section's own
    fractions: the training rows, and everything fitted on them, are those
    of the project's own preparation. ``progress(fraction, message)`` is
    called now and then; ``cancelled()`` is polled between chunks and
    stages and, once true, makes this raise :class:`DataCancelled`. Every
    problem in the data raises :class:`DataError` with one sentence meant for
    the person who owns it, starting with the section's own problems
    (:meth:`DataSpec.check`).
    """
    config = data if isinstance(data, DataSpec) else DataSpec(data)
    config.check()
    tracker = Progress(progress, cancelled)
    report = DataReport(missing=MissingReport(policy=config.missing))
    extra = {"validation": config.validation_source, "test": config.test_source}
    extra = {k: v for k, v in extra.items() if v}
    own = list(extra)  # the section's own separate files replace split fractions
    if test_source is not None:
        extra["test"] = dict(test_source)
    raw = load_source(
        config.source, base_dir, tracker.stage(0.0, 0.8 - 0.05 * len(extra))
    )
    others = {
        name: load_source(
            src, base_dir, tracker.stage(0.8 - 0.05 * (i + 1), 0.8 - 0.05 * i)
        )
        for i, (name, src) in enumerate(extra.items())
    }
    tracker.update(0.8, "Preparing the data", force=True)
    report.source = describe(raw)
    report.notes.extend(raw.notes)
    if isinstance(raw, ArraySet):
        report.skipped_files.extend(raw.skipped)

    choice = Choice(
        config.target, config.features, config.missing, tuple(config.missing_values)
    )
    part: TablePrep | ArrayPrep = (
        TablePrep(raw, choice, report.missing)
        if isinstance(raw, Table)
        else ArrayPrep(raw, choice, report.missing)
    )
    targets = _targets(part, raw, config, report)
    tracker.update(0.85, "Splitting the data")
    split = config.split
    for name in own:  # a separate file replaces that fraction of the split
        split = split.with_value(name, 0.0)
    rows = split_indices(part.n, split, targets.labels, targets.class_names)
    part.fit(rows["train"])
    tracker.update(0.9, "Scaling the inputs")
    pixel_max = raw.pixel_max if isinstance(raw, ArraySet) else None
    xs, scaler = assemble(
        part.source(),
        rows,
        config.scaling,
        keep=part.keep,
        pixel_max=pixel_max,
        fill=part.fill,
        names=part.feature_names,
    )
    ys = {name: targets.y[index] for name, index in rows.items()}
    for name, other in others.items():
        tracker.update(0.95, f"Preparing the {name} data")
        found_before = dict(report.missing.found)
        x, values, names = part.external(other, report.missing)
        where = f"the {name} file {other.name}"
        if targets.task != "regression" and values.ndim == 2 and values.shape[1] > 1:
            labels = _one_hot(values)
            if labels is not None:  # one-hot: column i is class i of training
                values, names = labels, targets.class_names
        xs[name] = scaler.apply(x)
        check_scaled(xs[name], part.feature_names, where)
        ys[name] = map_targets(values, targets, where, names)
        if isinstance(part, TablePrep) and part.encoder is not None:
            for column, count in part.encoder.unseen.items():
                report.notes.append(
                    f"{where}: {count:,} value(s) of {column} never seen in training "
                    "(encoded as all zeros)"
                )
        if report.missing.found != found_before:
            policy = MISSING.choice_label(config.missing)
            report.notes.append(f"missing values in {where}: {policy}")

    report.missing.filled = dict(part.filled)
    if isinstance(part, TablePrep):
        report.left_out = dict(part.left_out)
        report.missing.marked = dict(part.marked)
        report.missing.marks = sorted(part.marks)
        report.text_numbers = dict(part.numbers_in_text)
    report.rows = {name: int(len(xs[name])) for name in SPLITS}
    if targets.labels is not None:
        report.class_counts = {
            name: _class_counts(ys[name], targets) for name in SPLITS
        }
    if isinstance(part, TablePrep) and part.encoder is not None:
        report.encodings = part.encoder.encodings
    tracker.update(1.0, "Data ready")
    prepared = PreparedData(
        x_train=xs["train"],
        y_train=ys["train"],
        x_val=xs["validation"],
        y_val=ys["validation"],
        x_test=xs["test"],
        y_test=ys["test"],
        input_shape=part.input_shape,
        n_outputs=targets.n_outputs,
        task=targets.task,
        class_names=targets.class_names,
        feature_names=part.feature_names,
        target_names=_target_names(part, raw),
        report=report,
        scaler=scaler,
        encoder=part.encoder if isinstance(part, TablePrep) else None,
    )
    del raw, others, part  # the table as read: only the arrays are kept
    _release_free_memory()
    return prepared


#: Data rows :func:`peek_input_shape` reads after the header.
PEEK_ROWS = 1000


def peek_input_shape(
    data: DataSpec | Mapping[str, Any], base_dir: str | Path | None = None
) -> tuple[int, ...] | None:
    """The input shape :func:`prepare` would give, from the first rows only.

    For a CSV/TSV file bigger than its sniffing sample, the header and the
    first :data:`PEEK_ROWS` rows settle it when every feature column is a
    number or yes/no column there: one input each, whatever the other rows
    hold. ``None`` when they cannot (a text column is one input per category
    of the training rows), when those rows have a problem (the whole data
    then says it, with counts for the whole file), for any other kind of
    source, and for a small file, which is as cheap to prepare whole. A file
    that cannot be read at all raises :class:`DataError`.
    """
    from guinet.core.data.tables import read_csv_head

    config = data if isinstance(data, DataSpec) else DataSpec(data)
    config.check()
    source = config.source
    if not isinstance(source, Mapping) or not source:
        return None
    kind = source_kind(source, base_dir)
    if kind not in ("csv", "tsv"):
        return None
    path = resolve_path(source, base_dir)
    frame, fmt = read_csv_head(path, kind, source, PEEK_ROWS)
    if fmt.complete:
        return None
    table = Table(frame=frame, name=path.name, first_line=fmt.first_line)
    choice = Choice(config.target, config.features, config.missing)
    try:
        part = TablePrep(table, choice, MissingReport(policy=config.missing))
    except DataError:
        return None
    if any(kind == "category" for kind in part.kinds.values()):
        return None
    return (len(part.feature_cols),)


def _release_free_memory() -> None:
    """Give the heap pages freed by reading and assembling back to the system.

    Parsing leaves many freed chunk buffers between the arrays that stay, and
    glibc keeps such pages (tens of MiB for a big table) unless asked; a
    no-op elsewhere.
    """
    import contextlib
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def _targets(
    part: TablePrep | ArrayPrep,
    raw: Table | ArraySet,
    config: DataSpec,
    report: DataReport,
) -> Targets:
    values = part.target_values()
    class_names = raw.class_names if isinstance(raw, ArraySet) else None
    requested = config.task
    if isinstance(raw, ArraySet) and requested == "auto" and raw.task:
        requested = raw.task
    if requested != "regression" and values.ndim == 2 and values.shape[1] > 1:
        labels = _one_hot(values)
        if labels is not None:
            width = values.shape[1]
            values = labels
            report.notes.append("one-hot targets read as class indices")
            if isinstance(part, TablePrep):
                class_names = list(part.target_cols)
            elif class_names is None or len(class_names) != width:
                class_names = [str(i) for i in range(width)]
    targets = encode_targets(values, requested, part.target_label, class_names)
    if config.task == "auto":
        detail = (
            f"{len(targets.class_names)} classes"
            if targets.labels is not None
            else "numbers"
        )
        report.notes.append(f"task: {targets.task} (the target holds {detail})")
    return targets


def _one_hot(values: np.ndarray) -> np.ndarray | None:
    """Class indices if ``values`` is one-hot (0/1 rows summing to 1)."""
    if values.dtype.kind not in "biuf":
        return None
    if not np.isin(values, (0, 1)).all() or not (values.sum(axis=1) == 1).all():
        return None
    return values.argmax(axis=1).astype(np.int64)


def _class_counts(y: np.ndarray, targets: Targets) -> dict[str, int]:
    labels = y.reshape(-1).astype(np.int64)
    counts = np.bincount(labels, minlength=len(targets.class_names))
    return {name: int(c) for name, c in zip(targets.class_names, counts, strict=True)}


def _target_names(part: TablePrep | ArrayPrep, raw: Table | ArraySet) -> list[str]:
    if isinstance(part, TablePrep):
        return list(part.target_cols)
    return list(raw.target_names) if isinstance(raw, ArraySet) else []
