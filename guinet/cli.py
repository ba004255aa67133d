"""The ``guinet`` command: the GUI by default, subcommands for headless work.

The command line is a public contract (design.md): extend, never rename.
Bad input exits non-zero with one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet import __version__
from guinet._resources import example_projects, example_title, find_example

if TYPE_CHECKING:
    from guinet.core.history import RunRecord
    from guinet.core.history_recorder import HistoryRecorder
    from guinet.core.project import Project
    from guinet.core.trained import TrainedModel
    from guinet.core.training import TrainingControl

SUBCOMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
#: One line per subcommand, for ``guinet COMMAND --help`` and ``guinet --help``.
SUBCOMMAND_HELP = {
    "summary": "print the layer table: output shapes and parameters",
    "train": "train a project without the window; one line per epoch",
    "evaluate": "score a trained project on its test split or another file",
    "predict": "predict the rows of a table file with a trained project",
    "export": "write the trained model for other tools (ONNX, TorchScript, weights)",
    "examples": "list the bundled example projects (PROJECT can be their name)",
    "tune": "search hyperparameters: train trials of the project's search space",
    "runs": "list the runs recorded in a project's run history",
}
#: What ``guinet --self-test`` trains when given no PROJECT.
SELF_TEST_PROJECT = "moons_mlp"
PROJECT_HELP = (
    "a .guinet file, or the name of a bundled example such as iris_mlp "
    "(guinet examples lists them); a file of that name wins"
)


def _fail(message: str, code: int = 2) -> int:
    """One line on stderr, even for a message that lists several problems."""
    print(f"guinet: {' '.join(message.split())}", file=sys.stderr)
    return code


def project_source(arg: str) -> tuple[Path, bool]:
    """Where a PROJECT argument points, and whether it is a bundled example:
    an existing file wins, then an example's name (``iris_mlp``)."""
    path = Path(arg)
    if path.exists():
        return path, False
    example = find_example(arg)
    if example is not None:
        return example, True
    return path, False


def load_project(arg: str) -> Project:
    """The project PROJECT names (see :func:`project_source`). The command
    line never saves a project; an example's checkpoints go to a folder named
    after it in the user's data folder (never into the install), the same
    folder every time, so `guinet train moons_mlp` then `guinet evaluate
    moons_mlp` finds the weights."""
    from guinet.core.project import Project

    path, _example = project_source(arg)
    return Project.load(path)


def _subcommand(
    name: str,
) -> Callable[
    [Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]
]:
    def register(
        func: Callable[[argparse.Namespace], int],
    ) -> Callable[[argparse.Namespace], int]:
        SUBCOMMANDS[name] = func
        return func

    return register


@_subcommand("summary")
def _summary(args: argparse.Namespace) -> int:
    from guinet.core.data import DataError
    from guinet.core.project import ProjectError
    from guinet.core.session import Session
    from guinet.core.summary import summary_table

    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    session = Session(project)
    shape = None
    if project.model.input_shape is None and project.data is not None:
        # no shape written yet: the data decides it, as it does in the window
        # (a big table's header and first rows, when they settle it)
        try:
            shape = session.data_input_shape()
        except DataError as exc:
            return _fail(f"{project.display_name}: {exc}")
    model = session.model_for_data(shape)
    print(summary_table(model, project.name))
    problem = model.problem()
    if problem is not None:
        return _fail(f"{project.display_name}: {problem[1]}", code=1)
    for finding in session.memory_findings():  # a table, but it cannot train here
        return _fail(f"{project.display_name}: {finding.message}", code=1)
    return 0


@_subcommand("train")
def _train(args: argparse.Namespace) -> int:
    import json

    from guinet.core.data import DataCancelled, DataError
    from guinet.core.model import ModelError
    from guinet.core.params import ParamError
    from guinet.core.project import ProjectError
    from guinet.core.session import Session
    from guinet.core.training import (
        Callback,
        CheckpointError,
        TrainingControl,
        TrainingError,
        load_checkpoint,
        resume_run,
    )
    from guinet.core.training.reporting import EpochLog
    from guinet.core.training.resume import expected_bytes

    if args.epochs is not None and args.epochs < 1:
        return _fail(f"--epochs must be at least 1, not {args.epochs}")
    if args.tensorboard is not None:
        from guinet.core.history_recorder import (
            TENSORBOARD_MISSING,
            tensorboard_available,
        )

        if not tensorboard_available():
            return _fail(f"--tensorboard: {TENSORBOARD_MISSING}")
    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    checkpoint = None
    if args.resume is not None:
        try:
            # a file far bigger than this model's weights is refused unread
            checkpoint = load_checkpoint(
                args.resume, expected_bytes=expected_bytes(project)
            )
        except CheckpointError as exc:
            return _fail(f"--resume: {exc}")
    try:
        if checkpoint is None:
            run = Session(project).prepare_run(
                epochs=args.epochs,
                device=args.device,
                checkpoint_dir=args.checkpoint_dir,
            )
        else:
            run = resume_run(
                checkpoint,
                project,
                epochs=args.epochs,
                device=args.device,
                checkpoint_dir=args.checkpoint_dir,
            )
    except CheckpointError as exc:
        return _fail(f"--resume: {exc}")
    except (DataError, DataCancelled, ModelError, ParamError, TrainingError) as exc:
        return _fail(f"{project.display_name}: {exc}")

    data = run.prepared
    print(
        f"Training {project.name} on {run.device}: {len(data.x_train):,} training, "
        f"{len(data.x_val):,} validation and {len(data.x_test):,} test samples; "
        f"batch size {run.config.batch_size}, "
        f"{run.trainer.batches_per_epoch:,} batches per epoch"
    )
    epochs = run.trainer.epochs
    if checkpoint is not None:
        print(
            f"Resuming from {checkpoint.path} after epoch {checkpoint.epoch} "
            f"of {epochs}"
        )
        if checkpoint.epoch >= epochs:
            run.notes.append(
                f"The checkpoint already holds {checkpoint.epoch} epochs: nothing "
                f"is left to train (pass --epochs with more than {checkpoint.epoch})."
            )
    if run.checkpoint is not None:
        print(f"Checkpoints go to {run.checkpoint.folder}")
    for note in run.notes:
        print(f"note: {note}")
    recorder = _history_recorder(project, args)
    callbacks: list[Callback] = [EpochLog(print)]
    if recorder is not None:
        callbacks.append(recorder)
    control = TrainingControl()
    with _stop_on_interrupt(control):
        try:
            result = run.fit(callbacks, control)
        except TrainingError as exc:
            return _fail(f"{project.display_name}: {exc}", code=1)
    if recorder is not None:
        recorder.finish(result)
        for note in recorder.notes:
            print(f"note: {note}")
        if recorder.run_id is not None:
            print(f"Recorded as {recorder.label} in {recorder.path}")
    for note in result.notes[len(run.notes) :]:
        print(f"note: {note}")
    if result.message and result.stop_reason != "non_finite":
        print(result.message)
    if result.checkpoints:
        print(
            f"checkpoints: {len(result.checkpoints)} in {result.checkpoint_dir} "
            f"(last: {result.checkpoints[-1].path.name})"
        )
    if result.test:
        print("test: " + "  ".join(f"{k} {v:.4f}" for k, v in result.test.items()))
    if args.json:
        summary = result.summary()
        recorded = recorder if recorder is not None and recorder.run_id else None
        summary["run_id"] = recorded.run_id if recorded else None
        summary["history_path"] = str(recorded.path) if recorded else None
        print(json.dumps(summary), flush=True)
    if result.stop_reason == "non_finite":
        return _fail(f"{project.display_name}: {result.message}", code=1)
    if result.stop_reason == "stopped":
        return _fail("training stopped by the user (Ctrl-C)", code=130)
    return 0


def _history_recorder(
    project: Project, args: argparse.Namespace
) -> HistoryRecorder | None:
    """The recorder of this run into the project's history (``None`` with
    ``--no-history``); a history that cannot be opened is a note, not a stop."""
    from guinet.core.history import HistoryError, RunHistory, history_path

    if args.no_history:
        if args.tensorboard is None:
            return None
        from guinet.core.history_recorder import HistoryRecorder

        # TensorBoard alone: a recorder whose database is never reached
        return HistoryRecorder(
            history_path(project),
            project,
            source="cli",
            tensorboard=args.tensorboard,
            record=False,
        )
    try:
        with RunHistory.for_project(project) as history:
            recorder = history.recorder(
                project, source="cli", tensorboard=args.tensorboard
            )
    except HistoryError as exc:
        print(f"note: this run is not recorded: {exc}")
        return None
    print(f"Run history: {recorder.path}")
    return recorder


@_subcommand("runs")
def _runs(args: argparse.Namespace) -> int:
    import json

    from guinet.core.history import HistoryError, RunHistory, history_path
    from guinet.core.project import ProjectError

    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    path = history_path(project)
    if not path.exists():  # listing never makes a history
        if args.json:
            print("[]")
        else:
            print(f"No runs recorded yet for {project.display_name} ({path}).")
        return 0
    try:
        with RunHistory(path) as history:
            records = history.runs()
    except HistoryError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([_run_json(record) for record in records]))
        return 0
    print(f"{len(records)} runs in {path}")
    rows: list[tuple[str, ...]] = [
        ("id", "label", "status", "started", "epochs", "best", "test")
    ]
    rows += [_run_row(record) for record in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0


def _run_row(record: RunRecord) -> tuple[str, ...]:
    import time

    best = ""
    if record.best is not None:
        best = f"{record.monitor or ''} {record.best:.4g}".strip()
        if record.best_epoch is not None:
            best += f" @{record.best_epoch}"
    test = " ".join(f"{key} {value:.4g}" for key, value in record.test.items())
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.started))
    return (
        str(record.id),
        record.label,
        record.status,
        started,
        str(record.epochs_run),
        best,
        test,
    )


def _run_json(record: RunRecord) -> dict[str, Any]:
    import dataclasses
    import math

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(dataclasses.asdict(record))  # type: ignore[no-any-return]


def _load_trained(args: argparse.Namespace) -> TrainedModel | int:
    """PROJECT's trained model (``--checkpoint`` or its newest best/last
    checkpoint), or the exit code after one line on stderr: 2 for what the
    command line named (the project file, the checkpoint), 1 for what the
    project cannot do (no weights yet, a model or data that cannot be used)."""
    from guinet.core.data import DataCancelled, DataError
    from guinet.core.model import ModelError
    from guinet.core.params import ParamError
    from guinet.core.project import ProjectError
    from guinet.core.session import Session
    from guinet.core.trained import load_trained
    from guinet.core.training import CheckpointError, TrainingError

    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    try:
        return load_trained(Session(project), args.checkpoint)
    except CheckpointError as exc:
        return _fail(f"--checkpoint: {exc}")
    except (DataError, DataCancelled, ModelError, ParamError, TrainingError) as exc:
        return _fail(f"{project.display_name}: {exc}", code=1)


@_subcommand("evaluate")
def _evaluate(args: argparse.Namespace) -> int:
    import json

    from guinet.core.data import DataError
    from guinet.core.evaluation import EvaluationError, evaluate, report_lines

    trained = _load_trained(args)
    if isinstance(trained, int):
        return trained
    try:
        evaluation = evaluate(trained, args.split, args.data)
    except EvaluationError as exc:
        return _fail(str(exc), code=1)
    except DataError as exc:  # the --data file
        return _fail(f"--data: {exc}")
    name = trained.session.project.name if trained.session else args.project
    print(f"{name}, weights from {trained.checkpoint.path}")
    for line in report_lines(evaluation):
        print(line)
    if args.data is None and not args.no_save and trained.session is not None:
        from guinet.core.evaluation_store import save_evaluation

        saved, note = save_evaluation(
            evaluation, trained.checkpoint.path, args.split, trained.session.project
        )
        print(f"kept beside the checkpoint: {saved}" if saved else f"note: {note}")
    if args.json:
        print(json.dumps(evaluation.to_dict(samples=False)), flush=True)
    return 0


@_subcommand("predict")
def _predict(args: argparse.Namespace) -> int:
    from guinet.core.data import DataError
    from guinet.core.predict import predict, prepare_inputs, write_predictions

    source, output = Path(args.input), Path(args.output)
    if output.exists() and source.exists() and output.samefile(source):
        return _fail(f"--output {output} would replace the input file; name another")
    trained = _load_trained(args)
    if isinstance(trained, int):
        return trained
    try:
        inputs = prepare_inputs(trained, source)
    except DataError as exc:
        return _fail(str(exc))
    predictions = predict(trained, inputs)
    for note in predictions.notes:
        print(f"note: {note}")
    try:
        write_predictions(predictions, inputs.frame, output)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        return _fail(f"cannot write {output}: {detail}", code=1)
    print(
        f"Predicted {len(predictions):,} rows of {inputs.name}; wrote {output} "
        f"(weights: {trained.checkpoint.path.name})"
    )
    return 0


@_subcommand("export")
def _export(args: argparse.Namespace) -> int:
    from guinet.core.export import EXPORTERS, ExportError, export_project
    from guinet.core.project import ProjectError
    from guinet.core.session import Session
    from guinet.core.training import CheckpointError

    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    try:
        written = export_project(
            Session(project), args.format, args.output, checkpoint=args.checkpoint
        )
    except ExportError as exc:
        if isinstance(exc.__cause__, CheckpointError):  # as evaluate and predict
            return _fail(f"--checkpoint: {exc.__cause__}")
        return _fail(str(exc), code=1)
    label = EXPORTERS[args.format].label
    beside = {".json": "the preprocessing", ".npz": "the prepared data"}
    for index, path in enumerate(written):
        what = label if index == 0 else beside.get(path.suffix, "beside it")
        print(f"wrote {path} ({what})")
    return 0


@_subcommand("examples")
def _examples(args: argparse.Namespace) -> int:
    examples = example_projects()
    width = max((len(path.stem) for path in examples), default=0)
    for path in examples:
        print(f"{path.stem.ljust(width)}  {example_title(path)}")
    return 0


@_subcommand("tune")
def _tune(args: argparse.Namespace) -> int:
    import json
    import threading

    from guinet.core.project import ProjectError

    for flag, value, low in (
        ("--trials", args.trials, 1),
        ("--jobs", args.jobs, 1),
        ("--epochs", args.epochs, 1),
    ):
        if value is not None and value < low:
            return _fail(f"{flag} must be at least {low}, not {value}")
    if args.timeout is not None and not args.timeout > 0:
        return _fail(f"--timeout must be above zero seconds, not {args.timeout}")
    try:
        project = load_project(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    try:
        from guinet.core.search import Search, SearchCallback, SearchError
    except ImportError as exc:  # optuna missing from a stripped install
        return _fail(f"guinet tune needs Optuna ({exc}): pip install optuna")

    printing = threading.Lock()

    class Lines(SearchCallback):
        def on_trial_end(self, result: Any) -> None:
            with printing:
                print(_trial_line(result, search.metric), flush=True)

    try:
        search = Search(
            project,
            storage=args.storage,
            study=args.study,
            sampler=args.sampler,
            callbacks=[Lines()],
            epochs=args.epochs,
            device=args.device,
        )
    except SearchError as exc:
        return _fail(f"{project.display_name}: {exc}")
    n_trials = args.trials if args.trials is not None else search.spec.trials
    print(
        f"Searching {project.name}: {n_trials} trials, {search.spec.sampler} "
        f"sampler, {search.direction} {search.metric}; study {search.study_name!r}"
        + (f" in {args.storage}" if args.storage else "")
        + (f", {args.jobs} at a time" if args.jobs > 1 else ""),
        flush=True,
    )
    control = _SearchStop(search)
    with _stop_on_interrupt(control):  # type: ignore[arg-type]
        try:
            mine = search.run(n_trials, args.timeout, jobs=args.jobs)
        except SearchError as exc:
            return _fail(f"{project.display_name}: {exc}")
    if not mine and search.spec.sampler == "grid":
        print("no trial to run: every point of the grid has been tried")
    best = search.best
    if best is not None:
        params = "  ".join(f"{k}={_short(v)}" for k, v in best.params.items())
        print(f"best: trial {best.number}, {search.metric} {best.value:.6g}  {params}")
    if args.json:
        print(json.dumps(search.summary()), flush=True)
    if search.stopping:
        return _fail("search stopped by the user (Ctrl-C)", code=130)
    if best is None:
        failed = [t for t in mine if t.state == "fail" and t.reason]
        why = f": {failed[0].reason}" if failed else ""
        return _fail(f"{project.display_name}: no trial completed{why}", code=1)
    return 0


class _SearchStop:
    """Ctrl-C stops the search as it stops a training run."""

    def __init__(self, search: Any) -> None:
        self.search = search

    def request_stop(self) -> None:
        self.search.stop()


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _trial_line(result: Any, metric: str) -> str:
    """``trial 3  complete  val_loss 0.1234  training.optimizer.lr=0.01 …``"""
    value = f"{metric} {result.value:.6g}" if result.value is not None else "-"
    params = "  ".join(f"{k}={_short(v)}" for k, v in result.params.items())
    line = f"trial {result.number}  {result.state}  {value}  {params}"
    line += f"  ({result.epochs_run} epochs)"
    if result.state != "complete" and result.reason:
        line += f"  {' '.join(result.reason.split())}"
    return line


@contextlib.contextmanager
def _stop_on_interrupt(control: TrainingControl) -> Iterator[None]:
    """The first Ctrl-C stops training after the batch; a second one aborts."""

    def handler(signum: int, frame: object) -> None:
        print("stopping after this batch (Ctrl-C again to abort)", file=sys.stderr)
        control.request_stop()
        signal.signal(signal.SIGINT, previous)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl-C alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="guinet",
        description="Design and train neural networks visually. "
        "With no subcommand, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"guinet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    summary = sub.add_parser("summary", help=SUBCOMMAND_HELP["summary"])
    summary.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    train = sub.add_parser("train", help=SUBCOMMAND_HELP["train"])
    train.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    train.add_argument(
        "--epochs", type=int, metavar="N", help="train N epochs (overrides the project)"
    )
    train.add_argument(
        "--device",
        metavar="DEVICE",
        help="auto, cpu, cuda (or cuda:N) or mps (overrides the project)",
    )
    train.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="write checkpoints to DIR (default: the project's checkpoint folder)",
    )
    train.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue exactly from a checkpoint (e.g. DIR/last.ckpt); new "
        "checkpoints go to its folder unless --checkpoint-dir says otherwise",
    )
    train.add_argument(
        "--json",
        action="store_true",
        help="print a JSON summary as the last line of output",
    )
    train.add_argument(
        "--no-history",
        action="store_true",
        help="do not record this run in the project's run history "
        "(PROJECT.runs.sqlite beside the project file)",
    )
    train.add_argument(
        "--tensorboard",
        metavar="DIR",
        help="also write the run's curves as TensorBoard event files under DIR "
        "(one folder per run; needs the tensorboard extra)",
    )
    runs = sub.add_parser(
        "runs",
        help=SUBCOMMAND_HELP["runs"],
        description="List the runs recorded in the project's run history "
        "(PROJECT.runs.sqlite beside the project file), newest first.",
    )
    runs.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    runs.add_argument(
        "--json", action="store_true", help="print the runs as one JSON list"
    )
    evaluate = sub.add_parser(
        "evaluate",
        help=SUBCOMMAND_HELP["evaluate"],
        description="Score a trained project: loss and metrics; for classes the "
        "per-class table and the confusion matrix, for numbers MAE, RMSE and R².",
    )
    evaluate.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    evaluate.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="the weights to use (default: the newest best, else last, "
        "checkpoint in the project's checkpoint folder)",
    )
    evaluate.add_argument(
        "--split",
        choices=("test", "validation", "train"),
        default="test",
        help="the split of the project's data to score (default: test)",
    )
    evaluate.add_argument(
        "--data",
        metavar="FILE",
        help="score another file with the same columns instead, prepared as "
        "the training data was",
    )
    evaluate.add_argument(
        "--json",
        action="store_true",
        help="print the scores as one JSON object as the last line of output",
    )
    evaluate.add_argument(
        "--no-save",
        action="store_true",
        help="do not keep the evaluation of a split beside the checkpoint "
        "(CKPT.evaluation-SPLIT.json, which the Evaluate page shows again)",
    )
    predict = sub.add_parser(
        "predict",
        help=SUBCOMMAND_HELP["predict"],
        description="Predict every row of a table file (CSV, TSV, Excel or "
        "Parquet) with a trained project: its feature columns are found by "
        "name and prepared as in training; the output is the input's columns "
        "plus 'predicted' (and one 'probability_<class>' per class).",
    )
    predict.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    predict.add_argument(
        "--input", required=True, metavar="FILE", help="the rows to predict"
    )
    predict.add_argument(
        "--output", required=True, metavar="FILE", help="the CSV file to write"
    )
    predict.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="the weights to use (default: the newest best, else last, "
        "checkpoint in the project's checkpoint folder)",
    )
    _add_export_parser(sub)
    _add_tune_parser(sub)
    sub.add_parser(
        "examples",
        help=SUBCOMMAND_HELP["examples"],
        description="List the example projects that ship with guinet: the name "
        "to pass as PROJECT (guinet summary iris_mlp) and the example's title.",
    )
    return parser


def _add_export_parser(sub: argparse._SubParsersAction[Any]) -> None:
    from guinet.core.export import EXPORTERS

    width = max(len(key) for key in EXPORTERS)
    formats = "\n".join(
        f"  {key.ljust(width)}  {declared.label}"
        + (f' (needs pip install "guinet[{declared.extra}]")' if declared.extra else "")
        for key, declared in EXPORTERS.items()
    )
    export = sub.add_parser(
        "export",
        help=SUBCOMMAND_HELP["export"],
        description="Write a project's trained model (its newest best checkpoint,\n"
        "or --checkpoint) as a file other tools load, with the preprocessing\n"
        "(scaling, encodings, class names) as JSON beside it; or (python,\n"
        "lightning) a standalone PyTorch or PyTorch Lightning script that\n"
        "trains the project as guinet does.",
        epilog=f"formats:\n{formats}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    export.add_argument(
        "--format",
        required=True,
        choices=list(EXPORTERS),
        metavar="FORMAT",
        help=f"one of: {', '.join(EXPORTERS)} (listed below)",
    )
    export.add_argument(
        "--output",
        required=True,
        metavar="PATH",
        help="the file to write, in a folder that exists; the JSON goes beside "
        "it as NAME.preprocessing.json",
    )
    export.add_argument(
        "--checkpoint",
        metavar="CKPT",
        help="the checkpoint whose weights to export (default: the project's "
        "newest best, else last, checkpoint)",
    )


def _add_tune_parser(sub: argparse._SubParsersAction[Any]) -> None:
    tune = sub.add_parser(
        "tune",
        help=SUBCOMMAND_HELP["tune"],
        description="Run a hyperparameter search over the project's search space "
        '(its "search" section: layer arguments, block repeats, learning rate, '
        "batch size, optimizer...). Trials train in this process, one line each; "
        "poor ones are pruned after their first epochs. Each trial is a run in "
        "the project's history. With --storage, several guinet tune processes "
        "(on several machines) share one study.",
    )
    tune.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    tune.add_argument(
        "--trials",
        type=int,
        metavar="N",
        help="run N trials (default: the search section's trials)",
    )
    tune.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="start no trial after S seconds",
    )
    tune.add_argument(
        "--sampler",
        choices=("grid", "random", "tpe"),
        help="how trials are drawn (default: the search section's sampler)",
    )
    tune.add_argument(
        "--storage",
        metavar="URL",
        help="an Optuna database URL, e.g. sqlite:///search.db, for a study that "
        "lasts and that several processes share (default: in memory)",
    )
    tune.add_argument(
        "--study",
        metavar="NAME",
        help="the study's name; an existing one is continued "
        "(default: '<project name>-search')",
    )
    tune.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="J",
        help="run J trials at a time, in threads of this process (default: 1)",
    )
    tune.add_argument(
        "--epochs", type=int, metavar="N", help="train each trial N epochs"
    )
    tune.add_argument(
        "--device",
        metavar="DEVICE",
        help="auto, cpu, cuda (or cuda:N) or mps (overrides the project)",
    )
    tune.add_argument(
        "--json",
        action="store_true",
        help="print the trials, the best parameters and value, the study and "
        "its storage as one JSON object as the last line of output",
    )


def build_gui_parser() -> argparse.ArgumentParser:
    width = max(len(name) for name in SUBCOMMAND_HELP)
    commands = "\n".join(
        f"  {name.ljust(width)}  {text}" for name, text in SUBCOMMAND_HELP.items()
    )
    parser = argparse.ArgumentParser(
        prog="guinet",
        usage="guinet [-h] [--version] [PROJECT]\n       guinet COMMAND [-h] ...",
        description="Design and train neural networks visually. With no "
        "subcommand, opens the window (on PROJECT if given).",
        epilog=f"subcommands (guinet COMMAND --help says more):\n{commands}\n\n"
        "PROJECT can be a bundled example's name: guinet examples lists them.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"guinet {__version__}")
    parser.add_argument("project", metavar="PROJECT", nargs="?", help=PROJECT_HELP)
    # Hidden: packagers' and CI's check that an install works end to end
    # (guinet.gui.self_test): open PROJECT (default: the moons example) in the
    # window, train it one epoch from the Train page, exit 0 if it completed.
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        args = build_parser().parse_args(argv)
        try:
            return SUBCOMMANDS[args.command](args)
        except KeyboardInterrupt:
            return _fail("interrupted", code=130)
        except BrokenPipeError:
            # `guinet summary … | head` closed the pipe: nothing more to say,
            # and no traceback when Python flushes stdout on the way out
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
    parser = build_gui_parser()
    # Before argparse sees "--help": `guinet tune --help` must not pass for
    # the general help of a command that does not exist.
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    if first is not None and not _names_a_project(first):
        parser.error(
            f"{first!r} is neither a subcommand ({', '.join(SUBCOMMANDS)}) nor "
            "a project file or a bundled example's name (guinet examples lists them)"
        )
    args = parser.parse_args(argv)
    from guinet.gui.platform_check import platform_problem

    problem = platform_problem()
    if problem is not None:
        return _fail(problem, code=1)
    if args.self_test:
        from guinet.gui.self_test import run_self_test

        path, example = project_source(args.project or SELF_TEST_PROJECT)
        return run_self_test(path, example)
    from guinet.gui.app import run

    if args.project is None:
        return run(None)
    path, example = project_source(args.project)
    return run(path, example=example)


def _names_a_project(arg: str) -> bool:
    path, example = project_source(arg)
    return example or path.exists()


def main_gui() -> int:
    return main()


if __name__ == "__main__":
    sys.exit(main())
