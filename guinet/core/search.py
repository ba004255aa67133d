"""Hyperparameter search: Optuna draws the trials, guinet trains them in-process.

:class:`Search` runs a study over a project's search space (see
:mod:`guinet.core.search_space`): each trial applies its drawn values to a
copy of the project (:func:`apply_params`), which the normal preflight
checks (a combination that cannot train becomes a failed trial with its
reason, never a crash), trains it in this process on the data prepared once
for the whole search, and reports the monitored metric after every epoch so
Optuna's pruner can stop a poor trial early. Every trial is recorded as a
run in the project's history (source ``tune``, with its study, trial number
and parameters) when a history is given.

Optuna does the sampling (grid, random, TPE; seeded), the pruning (median
of earlier trials at the same epoch) and the storage: in memory, or any
Optuna RDB URL (``sqlite:///search.db``), which lets several processes on
several machines share one study (``load_if_exists``).

It is Qt-free: a window runs :meth:`Search.run` in a worker thread, listens
through :class:`SearchCallback` (called on the trial's thread) and calls
:meth:`Search.stop` from its own thread.
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import optuna

from guinet.core.search_space import (
    Dimension,
    SearchError,
    SearchSpec,
    default_metric,
    resolve_space,
)
from guinet.core.training.callbacks import Callback

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.project import Project
    from guinet.core.training.callbacks import Logs
    from guinet.core.training.trainer import Trainer

__all__ = [
    "Search",
    "SearchCallback",
    "SearchError",
    "TrialResult",
    "apply_params",
]

#: The states a trial is reported in (Optuna's, lower case).
STATES = ("running", "complete", "pruned", "fail", "waiting")


@dataclass
class TrialResult:
    """One trial as a table shows it.

    ``value`` is the trial's best metric (``None`` until it completes);
    ``intermediate`` the metric after each epoch (``{epoch: value}``, from 1);
    ``reason`` why a trial failed or was pruned; ``run_id`` its run in the
    history (``None`` without one).
    """

    number: int
    state: str
    params: dict[str, Any]
    value: float | None = None
    epochs_run: int = 0
    intermediate: dict[int, float] = field(default_factory=dict)
    reason: str = ""
    run_id: int | None = None
    duration: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "params": dict(self.params),
            "value": self.value,
            "epochs_run": self.epochs_run,
            "reason": self.reason,
            "run_id": self.run_id,
            "duration": self.duration,
        }


class SearchCallback:
    """What a search reports; override what you need (no-op defaults).

    Called on the thread that runs the trial (one of :meth:`Search.run`'s
    ``jobs``): a window turns them into signals.
    """

    def on_trial_start(self, number: int, params: dict[str, Any]) -> None:
        """Trial ``number`` starts with ``params``."""

    def on_epoch_end(self, number: int, epoch: int, logs: Logs) -> None:
        """Trial ``number`` finished ``epoch`` (from 1) with ``logs``."""

    def on_trial_end(self, result: TrialResult) -> None:
        """Trial ``result.number`` ended (complete, pruned or failed)."""


class _TrialFailed(Exception):
    """A trial that could not train; its reason is kept on the trial."""


class _Pruning(Callback):
    """Reports the metric to Optuna after each epoch; stops a pruned trial."""

    def __init__(
        self,
        trial: optuna.Trial,
        metric: str,
        prune: bool,
        listeners: Sequence[SearchCallback],
    ) -> None:
        self.trial = trial
        self.metric = metric
        self.prune = prune
        self.listeners = listeners
        self.pruned_at: int | None = None
        self.message = ""
        self.missing: list[str] | None = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        value = metric_value(logs, self.metric)
        for listener in self.listeners:
            listener.on_epoch_end(self.trial.number, epoch + 1, dict(logs))
        if value is None:
            self.missing = sorted(logs)
            trainer.stop("stopped", f"the run logs no {self.metric}")
            return
        if not math.isfinite(value):
            return
        self.trial.report(value, epoch + 1)
        if self.prune and self.trial.should_prune():
            self.pruned_at = epoch + 1
            self.message = (
                f"Pruned after epoch {epoch + 1}: {self.metric} {value:.4g} is worse "
                "than the median of earlier trials at this epoch."
            )
            trainer.stop("stopped", self.message)


def metric_value(logs: Mapping[str, float], metric: str) -> float | None:
    """``metric`` in ``logs``; ``val_x`` falls back to ``x`` without a
    validation split (as early stopping does)."""
    value = logs.get(metric)
    if value is None and metric.startswith("val_"):
        value = logs.get(metric[4:])
    return None if value is None else float(value)


RecorderFactory = Callable[["Project", int, dict[str, Any]], Callback | None]


class Search:
    """A study over ``project``'s search space.

    ``space`` is a :class:`SearchSpec` (or its dict form); default: the
    project's ``search`` section. ``storage``: an Optuna RDB URL
    (``sqlite:///path.db``) or ``None`` (in memory). ``study``: the study's
    name (default: ``<project name>-search``; an existing one is continued).
    ``sampler`` overrides the section's. ``callbacks`` hear each trial's
    start, epochs and end. ``history``: record each trial as a run
    (``None``: the history beside the project, ``False``: none, or a
    ``RunHistory``). ``epochs`` overrides each trial's epochs.

    Raises :class:`SearchError` for a space that does not fit the project
    and for data that cannot be prepared.
    """

    def __init__(
        self,
        project: Project,
        space: SearchSpec | Mapping[str, Any] | None = None,
        *,
        storage: str | None = None,
        study: str | None = None,
        sampler: str | None = None,
        callbacks: Sequence[SearchCallback] = (),
        history: Any = None,
        epochs: int | None = None,
        device: str | None = None,
    ) -> None:
        if space is None:
            spec = project.search
        elif isinstance(space, SearchSpec):
            spec = space
        else:
            spec = SearchSpec(space)
        if spec is None:
            resolve_space(project, None)  # raises: "the project has no search"
            raise AssertionError("unreachable")
        if sampler is not None:
            if sampler not in ("grid", "random", "tpe"):
                raise SearchError(
                    f"the sampler must be grid, random or tpe, not {sampler!r}"
                )
            spec = spec.with_value("sampler", sampler)
        self.project = project
        self.spec: SearchSpec = spec
        self.dimensions: list[Dimension] = resolve_space(project, spec)
        self.metric = spec.metric or default_metric(project)
        self.direction = spec.direction_for(self.metric)
        self.callbacks = list(callbacks)
        self.epochs = epochs
        self.device = device
        self.storage_url = storage
        self.study_name = study or f"{project.name}-search"
        self._history_arg = history
        self._history: Any = None
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._controls: dict[int, Any] = {}
        self._stopping = threading.Event()
        self._claimed = 0
        self._starting = 0  # claimed trials whose objective has not begun
        self._prepared: PreparedData | None = None
        self._threads: int | None = None  # torch threads per trial with jobs > 1
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self.study = self._open_study()

    # -- the study ---------------------------------------------------------------------
    def _sampler(self) -> optuna.samplers.BaseSampler:
        seed = self.spec.seed
        if seed is not None and self.storage_url is not None:
            # processes sharing a study must not draw the same trials: each
            # one seeds from the seed and its process id
            seed = (seed * 1_000_003 + os.getpid()) % 2**31
        kind = self.spec.sampler
        if kind == "grid":
            grid = {dim.name: dim.grid_values() for dim in self.dimensions}
            return optuna.samplers.GridSampler(grid, seed=self.spec.seed)
        if kind == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed)

    def _pruner(self) -> optuna.pruners.BasePruner:
        if not self.spec.pruner:
            return optuna.pruners.NopPruner()
        return optuna.pruners.MedianPruner(
            n_startup_trials=self.spec.startup_trials,
            n_warmup_steps=self.spec.warmup_epochs,
        )

    def _open_study(self) -> optuna.Study:
        storage: Any = self.storage_url
        if storage is not None:
            storage = _open_storage(storage)
        direction = (
            optuna.study.StudyDirection.MINIMIZE
            if self.direction == "minimize"
            else optuna.study.StudyDirection.MAXIMIZE
        )
        try:
            study = optuna.create_study(
                storage=storage,
                study_name=self.study_name,
                direction=direction,
                sampler=self._sampler(),
                pruner=self._pruner(),
                load_if_exists=True,
            )
        except Exception as exc:
            raise SearchError(
                f"cannot open the study {self.study_name!r}: {_first_line(exc)}"
            ) from None
        if study.direction != direction:
            raise SearchError(
                f"the study {self.study_name!r} already exists and "
                f"{study.direction.name.lower()}s; this search would "
                f"{self.direction} {self.metric}: name another study"
            )
        study.set_user_attr("metric", self.metric)
        return study

    # -- running -----------------------------------------------------------------------
    def run(
        self,
        n_trials: int | None = None,
        timeout: float | None = None,
        jobs: int = 1,
    ) -> list[TrialResult]:
        """Run up to ``n_trials`` (default: the section's ``trials``) trials,
        starting none after ``timeout`` seconds (default: the section's),
        ``jobs`` at a time in threads of this process. A grid search ends
        when every point is tried. Returns this call's trials.

        With ``jobs`` > 1 torch's CPU threads are shared out between the
        trials (``cores // jobs`` each) for the call. Seeding and building a
        trial's model hold a lock, so initial weights are the same as in a
        sequential search; Dropout masks still come from torch's one
        generator, shared by the threads, so such trials may differ."""
        n_trials = self.spec.trials if n_trials is None else n_trials
        timeout = self.spec.timeout if timeout is None else timeout
        if n_trials < 1:
            raise SearchError(
                f"the number of trials must be at least 1, not {n_trials}"
            )
        if jobs < 1:
            raise SearchError(f"jobs must be at least 1, not {jobs}")
        if timeout is not None and timeout <= 0:
            raise SearchError(f"the timeout must be above zero, not {timeout}")
        self._prepare_data()
        self._stopping.clear()
        self._claimed = 0
        self._starting = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        numbers: list[int] = []
        threads_before = _torch_threads()
        per_job = threads_before if jobs == 1 else max(1, threads_before // jobs)
        self._threads = None if jobs == 1 else per_job
        if jobs > 1:
            _set_torch_threads(per_job)
        try:
            if jobs == 1:
                self._worker(n_trials, deadline, numbers)
            else:
                errors: list[BaseException] = []
                workers = [
                    threading.Thread(
                        target=self._guarded,
                        args=(n_trials, deadline, numbers, errors),
                        name=f"guinet-search-{i}",
                        daemon=True,
                    )
                    for i in range(jobs)
                ]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                if errors:
                    raise errors[0]
        finally:
            if jobs > 1:
                _set_torch_threads(threads_before)
        by_number = {t.number: t for t in self.trials}
        return [by_number[n] for n in sorted(numbers) if n in by_number]

    def stop(self) -> None:
        """Stop the search from any thread: no new trial starts and the
        running ones stop after their current batch (they end as failed
        trials, reason "stopped")."""
        self._stopping.set()
        with self._lock:
            controls = list(self._controls.values())
        for control in controls:
            control.request_stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _guarded(
        self,
        n_trials: int,
        deadline: float | None,
        numbers: list[int],
        errors: list[BaseException],
    ) -> None:
        try:
            self._worker(n_trials, deadline, numbers)
        except BaseException as exc:  # handed to run()'s thread
            errors.append(exc)
            self.stop()

    def _worker(
        self, n_trials: int, deadline: float | None, numbers: list[int]
    ) -> None:
        while not self._stopping.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            with self._lock:
                if self._claimed >= n_trials:
                    return
                if self.spec.sampler == "grid" and self._grid_left() <= 0:
                    return
                self._claimed += 1
                self._starting += 1
            self.study.optimize(
                lambda trial: self._objective(trial, numbers),
                n_trials=1,
                catch=(_TrialFailed,),
            )

    def _grid_left(self) -> int:
        """Grid points no trial has taken yet (in any process), less the
        trials this process is about to start."""
        size = 1
        for dim in self.dimensions:
            size *= len(dim.grid_values())
        taken = {
            t.system_attrs.get("grid_id")
            for t in self.study.get_trials(deepcopy=False)
            if "grid_id" in t.system_attrs
        }
        return size - len(taken) - self._starting

    def _prepare_data(self) -> None:
        if self._prepared is not None:
            return
        from guinet.core.data import DataCancelled, DataError
        from guinet.core.session import Session

        try:
            self._prepared = Session(self.project).prepare_data()
        except (DataError, DataCancelled) as exc:
            raise SearchError(f"{self.project.display_name}: {exc}") from None

    def _history_for(self) -> Any:
        if self._history_arg is False:
            return None
        if self._history is None:
            if self._history_arg is not None:
                self._history = self._history_arg
            else:
                from guinet.core.history import RunHistory

                self._history = RunHistory.for_project(self.project)
        return self._history

    # -- one trial ---------------------------------------------------------------
    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Draw ``trial``'s value of every dimension."""
        params: dict[str, Any] = {}
        grid = self.spec.sampler == "grid"
        for dim in self.dimensions:
            if dim.kind == "values" or grid:
                values = dim.grid_values() if grid else list(dim.values)
                params[dim.name] = trial.suggest_categorical(dim.name, values)
            elif dim.integer:
                params[dim.name] = trial.suggest_int(
                    dim.name,
                    int(dim.low),
                    int(dim.high),
                    step=int(dim.step or 1),
                    log=dim.kind == "log",
                )
            else:
                params[dim.name] = trial.suggest_float(
                    dim.name,
                    dim.low,
                    dim.high,
                    step=dim.step,
                    log=dim.kind == "log",
                )
        return params

    def trial_project(self, params: Mapping[str, Any]) -> Project:
        """The project a trial trains: ``params`` applied, no checkpoints
        (a trial is a run in the history; open the best one to keep it)."""
        project = apply_params(self.project, params)
        training = project.training.with_value(("checkpoint", "enabled"), False)
        if self.epochs is not None:
            training = training.with_value("epochs", self.epochs)
        if self.device is not None:
            training = training.with_value("device", self.device)
        project.training = training
        return project

    def _objective(self, trial: optuna.Trial, numbers: list[int]) -> float:
        from guinet.core.data import DataCancelled, DataError
        from guinet.core.model import ModelError
        from guinet.core.params import ParamError
        from guinet.core.session import Session
        from guinet.core.training import TrainingControl, TrainingError

        with self._lock:
            numbers.append(trial.number)
            self._starting -= 1
        started = time.monotonic()
        params = self.suggest(trial)
        trial.set_user_attr("source", "guinet")
        for listener in self.callbacks:
            listener.on_trial_start(trial.number, dict(params))
        control = TrainingControl()
        with self._lock:
            self._controls[trial.number] = control
        try:
            if self._stopping.is_set():
                raise self._fail(trial, "stopped", started)
            try:
                project = self.trial_project(params)
                with self._build_lock:  # seeding and building use torch's one RNG
                    run = Session(project, self._prepared).prepare_run()
            except (
                DataError,
                DataCancelled,
                ModelError,
                ParamError,
                TrainingError,
                ValueError,
            ) as exc:
                raise self._fail(trial, str(exc), started) from None
            except Exception as exc:  # noqa: BLE001 - one trial never ends a search
                raise self._fail(trial, _unexpected(exc), started) from None
            if self._threads is not None:
                run.trainer.num_threads = self._threads
            pruning = _Pruning(trial, self.metric, self.spec.pruner, self.callbacks)
            extra: list[Callback] = [pruning]
            recorder = self._recorder(project, trial, params)
            if recorder is not None:
                extra.insert(0, recorder)
            try:
                result = run.fit(extra, control)
            except TrainingError as exc:
                raise self._fail(trial, str(exc), started) from None
            except Exception as exc:  # noqa: BLE001 - one trial never ends a search
                raise self._fail(trial, _unexpected(exc), started) from None
            self._finish_recorder(recorder, result)
            trial.set_user_attr("epochs_run", result.epochs_run)
            trial.set_user_attr("stop_reason", result.stop_reason)
            trial.set_user_attr("final", _finite_logs(result.history.last or {}))
            if recorder is not None:
                trial.set_user_attr("run_id", getattr(recorder, "run_id", None))
            if pruning.missing is not None:
                raise self._fail(
                    trial,
                    f"the run logs {', '.join(pruning.missing)}, not {self.metric}",
                    started,
                )
            if pruning.pruned_at is not None:
                trial.set_user_attr("reason", pruning.message)
                self._mark_run(recorder, ["pruned"], pruning.message)
                trial.set_user_attr("duration", time.monotonic() - started)
                self._announce_end(trial, "pruned", None)
                raise optuna.TrialPruned(pruning.message)
            if control.stop_requested and self._stopping.is_set():
                raise self._fail(trial, "stopped", started)
            values = [
                v
                for v in (metric_value(logs, self.metric) for logs in result.history)
                if v is not None and math.isfinite(v)
            ]
            if not values:
                reason = result.message or f"{self.metric} was never a finite number"
                raise self._fail(trial, reason, started)
            best = min(values) if self.direction == "minimize" else max(values)
            trial.set_user_attr("duration", time.monotonic() - started)
            if result.stop_reason == "non_finite" and result.message:
                trial.set_user_attr("reason", result.message)
            self._announce_end(trial, "complete", best)
            return best
        finally:
            with self._lock:
                self._controls.pop(trial.number, None)

    def _fail(self, trial: optuna.Trial, reason: str, started: float) -> _TrialFailed:
        trial.set_user_attr("reason", reason)
        trial.set_user_attr("duration", time.monotonic() - started)
        self._announce_end(trial, "fail", None)
        return _TrialFailed(reason)

    def _announce_end(
        self, trial: optuna.Trial, state: str, value: float | None
    ) -> None:
        if not self.callbacks:
            return
        attrs = trial.user_attrs
        result = TrialResult(
            number=trial.number,
            state=state,
            params=dict(trial.params),
            value=value,
            epochs_run=int(attrs.get("epochs_run", 0)),
            reason=str(attrs.get("reason", "")),
            run_id=attrs.get("run_id"),
            duration=attrs.get("duration"),
        )
        for listener in self.callbacks:
            listener.on_trial_end(result)

    def _recorder(
        self, project: Project, trial: optuna.Trial, params: dict[str, Any]
    ) -> Callback | None:
        history = self._history_for()
        if history is None:
            return None
        recorder: Callback = history.recorder(
            project,
            source="tune",
            study=self.study_name,
            trial=trial.number,
            params=dict(params),
        )
        return recorder

    def _mark_run(self, recorder: Callback | None, tags: list[str], note: str) -> None:
        """Tag a trial's run in the history (``pruned``) with why."""
        run_id = getattr(recorder, "run_id", None)
        history = self._history
        if run_id is None or history is None:
            return
        try:
            history.set_tags(run_id, tags)
            history.set_note(run_id, note)
        except Exception:  # noqa: BLE001 - the history never breaks a search
            return

    @staticmethod
    def _finish_recorder(recorder: Callback | None, result: Any) -> None:
        finish = getattr(recorder, "finish", None)
        if finish is not None and result is not None:
            finish(result)

    # -- results -----------------------------------------------------------------
    @property
    def trials(self) -> list[TrialResult]:
        """Every trial of the study (other processes' too), by number."""
        return [_result(t) for t in self.study.get_trials(deepcopy=False)]

    @property
    def best(self) -> TrialResult | None:
        """The best complete trial, or ``None`` before one completes."""
        try:
            frozen = self.study.best_trial
        except ValueError:
            return None
        return _result(frozen)

    @property
    def param_names(self) -> list[str]:
        """The space's parameters, in the section's order (table columns)."""
        return [dim.name for dim in self.dimensions]

    @property
    def best_params(self) -> dict[str, Any] | None:
        best = self.best
        return None if best is None else dict(best.params)

    def best_project(self) -> Project:
        """The project with the best trial's values (to open or save)."""
        best = self.best
        if best is None:
            raise SearchError("no trial has completed yet")
        return apply_params(self.project, best.params)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the trials, the best, the study and its storage."""
        best = self.best
        return {
            "study": self.study_name,
            "storage": self.storage_url,
            "metric": self.metric,
            "direction": self.direction,
            "sampler": self.spec.sampler,
            "trials": [t.to_dict() for t in self.trials],
            "best": None if best is None else best.to_dict(),
            "best_params": None if best is None else best.params,
            "best_value": None if best is None else best.value,
        }


def _result(frozen: optuna.trial.FrozenTrial) -> TrialResult:
    attrs = frozen.user_attrs
    value = frozen.value if frozen.state == optuna.trial.TrialState.COMPLETE else None
    return TrialResult(
        number=frozen.number,
        state=frozen.state.name.lower(),
        params=dict(frozen.params),
        value=value,
        epochs_run=int(attrs.get("epochs_run", 0)),
        intermediate=dict(frozen.intermediate_values),
        reason=str(attrs.get("reason", "")),
        run_id=attrs.get("run_id"),
        duration=attrs.get("duration"),
    )


def _finite_logs(logs: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in logs.items() if v is not None and math.isfinite(v)}


def _open_storage(url: str, attempts: int = 6) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage at ``url``. Processes that start together race
    to create a new database's tables; the loser tries again shortly."""
    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=_engine_kwargs(url))
        except Exception as exc:  # a bad URL, a missing driver, a locked file
            import sqlalchemy.exc

            racing = isinstance(
                exc, (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.OperationalError)
            )
            if not racing or attempt == attempts - 1:
                raise SearchError(
                    f"cannot open the storage {url}: {_first_line(exc)}"
                ) from None
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _unexpected(exc: BaseException) -> str:
    """A failed trial's reason for an error guinet did not foresee."""
    return f"unexpected error ({type(exc).__name__}): {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _engine_kwargs(url: str) -> dict[str, Any]:
    """SQLite shared by processes: wait for a lock rather than fail at once."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 60}}
    return {}


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _set_torch_threads(count: int) -> None:
    import torch

    torch.set_num_threads(count)


# -- applying a trial's values ---------------------------------------------------------
def apply_params(project: Project, params: Mapping[str, Any]) -> Project:
    """A copy of ``project`` with a trial's ``params`` set (names as in
    :mod:`guinet.core.search_space`: ``model.layers.2.out_features``,
    ``training.optimizer.lr``, ``repeat.2-3``, …). Layer arguments name the
    layers as ``project`` lists them; blocks are repeated after. The
    project itself is not changed; the copy keeps its file and uid, so
    "open the best trial as the project" is ``apply_params(project, best)``.
    Raises :class:`SearchError` for a name it cannot place."""
    from guinet.core.project import Project
    from guinet.core.training.optimizers import OPTIMIZERS

    raw = project.to_dict()
    layers: list[dict[str, Any]] = raw.setdefault("model", {}).setdefault("layers", [])
    training: dict[str, Any] = raw.setdefault("training", {})
    repeats: list[tuple[int, int, int]] = []
    optimizer_args: list[tuple[str, Any]] = []
    for name, value in params.items():
        path = name.split(".")
        if path[0] == "repeat":
            try:
                first, last = (int(v) for v in path[1].split("-"))
            except (IndexError, ValueError):
                raise SearchError(
                    f"{name!r} is not a repeat block (repeat.F-L)"
                ) from None
            repeats.append((first, last, int(value)))
        elif path[:2] == ["model", "layers"] and len(path) == 4 and path[2].isdigit():
            index = int(path[2])
            if index >= len(layers) or not isinstance(layers[index], dict):
                raise SearchError(f"{name}: the model has no layer {index}")
            layers[index][path[3]] = copy.deepcopy(value)
        elif path[:2] == ["training", "optimizer"] and len(path) == 3:
            optimizer_args.append((path[2], value))
        elif path[0] == "training" and len(path) >= 2:
            node = training
            for key in path[1:-1]:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
            node[path[-1]] = copy.deepcopy(value)
        else:
            raise SearchError(f"{name!r} is not a setting the search can change")
    if optimizer_args:
        optimizer = training.get("optimizer")
        optimizer = dict(optimizer) if isinstance(optimizer, dict) else {"type": "Adam"}
        new_type = dict(optimizer_args).get("type")
        if new_type is not None and new_type != optimizer.get("type"):
            declared = OPTIMIZERS.get(str(new_type))
            names = {p.name for p in declared.params} if declared else set()
            optimizer = {
                "type": new_type,
                **{k: v for k, v in optimizer.items() if k in names},
            }
        kind = OPTIMIZERS.get(str(optimizer.get("type")))
        takes = {p.name for p in kind.params} if kind else set()
        for key, value in optimizer_args:
            if key != "type" and key in takes:  # another optimizer's argument
                optimizer[key] = value
        training["optimizer"] = optimizer
    for first, last, count in sorted(repeats, reverse=True):
        if count < 1 or last >= len(layers) or first > last:
            raise SearchError(f"repeat.{first}-{last}: cannot repeat {count} times")
        block = layers[first : last + 1]
        layers[first : last + 1] = [copy.deepcopy(layer) for layer in block * count]
    twin = Project.from_dict(raw, project.path)
    twin.uid = project.uid
    if project.has_own_name:
        twin.name = project.name
    return twin


def new_study_name(project: Project) -> str:
    """A fresh study name for ``project`` (``<name>-<8 hex>``)."""
    return f"{project.name}-{uuid.uuid4().hex[:8]}"
