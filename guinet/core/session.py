"""The Session: one project, its prepared data, and one answer to "can this
run start, and what would fix it".

Every page of the window and every command of the ``guinet`` program works
through a :class:`Session` rather than through each other:

* it owns the :class:`~guinet.core.project.Project`;
* it caches the prepared data by the data section it was prepared from
  (:meth:`Session.prepare_data` may run on a worker thread; a result for a
  section that has changed since is dropped), and forgets it when the data
  section changes;
* :meth:`Session.model_for_data` is the model with the data's input shape —
  the one place where "the data's shape wins";
* :meth:`Session.preflight` returns every problem at once, each a
  :class:`Finding` with where it is, a severity, one sentence and, where one
  is clear, a :class:`Fix` made of plain :class:`Edit` steps that the window
  applies as undoable commands and :meth:`Session.apply` applies directly;
* :meth:`Session.prepare_run` refuses with the first error's own exception
  type, then builds the run with the cached data.

Nothing here imports Qt; torch is imported only by checks that need it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from guinet.core.components import ComponentSpec
from guinet.core.data.errors import DataError
from guinet.core.lessons import LessonSpec
from guinet.core.model import LayerSpec, ModelError, ModelSpec, format_shape
from guinet.core.project import Project
from guinet.core.sections import UNSET, Section
from guinet.core.training.config import auto_loss
from guinet.core.training.errors import (
    CompatibilityError,
    ConfigError,
    DeviceError,
    TrainingError,
)

if TYPE_CHECKING:
    import os

    from guinet.core.data import PreparedData
    from guinet.core.trained import TrainedModel
    from guinet.core.training.fit import TrainingRun

AREAS = ("data", "model", "training", "lesson")
#: Layers that may follow the output Linear (activations a loss reads, dropout).
_OUTPUT_TAIL = ("Sigmoid", "Softmax", "LogSoftmax", "Dropout", "Identity")
SEVERITIES = ("error", "warning", "note")
#: The hidden width of the starter network a new project is offered.
STARTER_WIDTH = 16


@dataclass(frozen=True)
class Edit:
    """One change a fix makes, in terms of the core API.

    ``kind``: ``set_value`` (``path``, ``value``; :data:`UNSET` removes the
    key), ``set_layer_param`` (``index``, ``name``, ``value``),
    ``insert_layer`` (``index``, ``layer``: the layer's dict form) or
    ``set_input_shape`` (``value``).
    """

    kind: str
    path: str = ""
    value: Any = None
    index: int = 0
    name: str = ""
    layer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Fix:
    """What a person can press to solve a finding: a label and its edits."""

    label: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    """One thing preflight found. ``area`` is data, model or training;
    ``layer`` the 0-based layer to blame, if any; ``error`` the exception type
    :meth:`Session.prepare_run` raises for it."""

    area: str
    severity: str
    message: str
    fix: Fix | None = None
    layer: int | None = None
    key: str = ""
    error: type[Exception] = ValueError

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


@dataclass
class _DataCache:
    key: str | None = None
    prepared: PreparedData | None = None
    error: str | None = None


@dataclass
class Preflight:
    """What :meth:`Session.preflight` returns: findings, most urgent first."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def ok(self) -> bool:
        return not self.errors

    def area(self, area: str) -> list[Finding]:
        return [f for f in self.findings if f.area == area]

    def __iter__(self) -> Any:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)


class Session:
    """One project and what is derived from it; see the module doc."""

    project_changed = Signal()  # another project was bound
    data_changed = Signal()  # prepared data arrived, failed or was dropped
    changed = Signal()  # anything preflight depends on changed
    weights_changed = Signal()  # the weights evaluate/predict/export use changed

    def __init__(
        self, project: Project | None = None, prepared: PreparedData | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._cache = _DataCache()
        #: The checkpoint chosen for evaluation, prediction and export (Load
        #: weights, or the run that just ended); ``None``: the project's
        #: newest best, else last (:func:`~guinet.core.trained.default_checkpoint`).
        self._weights: Path | None = None
        #: The device a run uses when the project's is ``auto``: the person's
        #: preference, a plain value the GUI sets (see :meth:`run_device`).
        self.default_device = "auto"
        self.project = project if project is not None else Project()
        self._connect(self.project)
        if prepared is not None:
            self._cache = _DataCache(self.data_key(), prepared)

    # -- the project ---------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        self._disconnect(self.project)
        self.project = project
        with self._lock:
            self._cache = _DataCache()
        self._weights = None
        self._connect(project)
        self.project_changed.emit()
        self.data_changed.emit()
        self.changed.emit()

    def _connect(self, project: Project) -> None:
        project.data_changed.connect(self._on_data_section_changed)
        project.changed.connect(self._on_project_changed)
        project.model.changed.connect(self._on_project_changed)

    def _disconnect(self, project: Project) -> None:
        project.data_changed.disconnect(self._on_data_section_changed)
        project.changed.disconnect(self._on_project_changed)
        project.model.changed.disconnect(self._on_project_changed)

    def _on_data_section_changed(self) -> None:
        with self._lock:
            stale = self._cache.key != self.data_key()
            if stale:
                self._cache = _DataCache()
        if stale:
            self.data_changed.emit()

    def _on_project_changed(self) -> None:
        self.changed.emit()

    # -- trained weights -------------------------------------------------------------
    def use_weights(self, path: str | os.PathLike[str] | None) -> None:
        """Evaluate, predict and export with ``path``'s weights from now on
        (``None``: the project's default checkpoint again)."""
        chosen = Path(path) if path is not None else None
        if chosen != self._weights:
            self._weights = chosen
        self.weights_changed.emit()  # a rewritten file is news too

    def weights_path(self) -> Path | None:
        """The checkpoint evaluate/predict/export use: the one chosen with
        :meth:`use_weights` while it exists, else the project's default
        (``None``: nothing trained yet)."""
        from guinet.core.trained import default_checkpoint

        if self._weights is not None and self._weights.is_file():
            return self._weights
        return default_checkpoint(self.project)

    def trained(self, device: str = "cpu") -> TrainedModel:
        """The model with the weights of :meth:`weights_path`, for the current
        layers and data (see :func:`~guinet.core.trained.load_trained`, whose
        errors it raises). Call it off the GUI thread: it may prepare data."""
        from guinet.core.trained import load_trained

        return load_trained(self, self.weights_path(), device)

    # -- data ----------------------------------------------------------------------
    def data_key(self) -> str | None:
        """What the prepared data depends on: the data section and its folder."""
        data = self.project.data
        if data is None or not data.has_source:
            return None
        text = json.dumps(data.to_dict(), sort_keys=True, default=str)
        return f"{self.project.base_dir}\n{text}"

    @property
    def prepared(self) -> PreparedData | None:
        """The prepared data, only while it matches the current data section."""
        with self._lock:
            cache = self._cache
            current = cache.key is not None and cache.key == self.data_key()
            return cache.prepared if current else None

    @property
    def data_error(self) -> str | None:
        """Why the current data section could not be prepared, if it failed."""
        with self._lock:
            cache = self._cache
            return cache.error if cache.key == self.data_key() else None

    def prepare_data(
        self,
        progress: Callable[[float, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> PreparedData:
        """Prepare the current data section; cached by section.

        Raises :class:`DataError` (also kept as :attr:`data_error`). It may run
        on any thread, but :attr:`data_changed` and :attr:`changed` are then
        emitted on that thread: a window prepares the data in a worker with
        :func:`guinet.core.data.prepare` and hands the result over on its own
        thread with :meth:`use_prepared`.
        """
        from guinet.core.data import DataCancelled, prepare

        key = self.data_key()
        cached = self.prepared
        if cached is not None:
            return cached
        data = self.project.data
        if key is None or data is None:
            raise DataError(
                "The project has no data yet: choose a data source (a CSV file "
                "or a built-in dataset) first."
            )
        spec = data.to_dict()
        base_dir = self.project.base_dir
        try:
            prepared = prepare(spec, base_dir, progress=progress, cancelled=cancelled)
        except DataCancelled:
            raise
        except DataError as exc:
            self._store(key, None, str(exc))
            raise
        self._store(key, prepared, None)
        return prepared

    def _store(
        self, key: str, prepared: PreparedData | None, error: str | None
    ) -> None:
        with self._lock:
            if key != self.data_key():
                return  # the section changed while this was prepared
            self._cache = _DataCache(key, prepared, error)
        self.data_changed.emit()
        self.changed.emit()

    def use_prepared(
        self, prepared: PreparedData | None, error: str | None, key: str | None
    ) -> bool:
        """Keep data prepared elsewhere (a worker) from the section whose
        :meth:`data_key` was ``key``; dropped (``False``) if the section has
        changed since."""
        if key is None or key != self.data_key():
            return False
        self._store(key, prepared, error)
        return True

    # -- the model -----------------------------------------------------------------
    def input_shape(self) -> tuple[int, ...] | None:
        """The data's input shape once prepared, else the project's own."""
        prepared = self.prepared
        if prepared is not None:
            return tuple(prepared.input_shape)
        return self.project.model.input_shape

    def follow_data_shape(self) -> bool:
        """Give the project's model the data's input shape (not an edit: it
        follows the data). ``True`` if it changed."""
        prepared = self.prepared
        model = self.project.model
        if prepared is None or model.input_shape == tuple(prepared.input_shape):
            return False
        model.set_input_shape(tuple(prepared.input_shape))
        return True

    def _model_view(self) -> ModelSpec:
        """The project's model itself when it already has the data's shape
        (its analysis is cached), else :meth:`model_for_data`."""
        model = self.project.model
        if model.input_shape == self.input_shape():
            return model
        return self.model_for_data()

    def data_input_shape(self) -> tuple[int, ...]:
        """The data's input shape, reading no more of it than settles that.

        The prepared data's when there is some; else a big table's header
        and first rows when they settle it
        (:func:`~guinet.core.data.pipeline.peek_input_shape`); else the data
        is prepared (and cached). Raises :class:`DataError`.
        """
        from guinet.core.data.pipeline import peek_input_shape

        prepared = self.prepared
        if prepared is not None:
            return tuple(prepared.input_shape)
        data = self.project.data
        if data is not None and data.has_source:
            shape = peek_input_shape(data, self.project.base_dir)
            if shape is not None:
                return shape
        return tuple(self.prepare_data().input_shape)

    def model_for_data(self, shape: tuple[int, ...] | None = None) -> ModelSpec:
        """A copy of the model with the data's input shape (what a run trains),
        or with ``shape`` when given (:meth:`data_input_shape`)."""
        spec = ModelSpec.from_dict(self.project.model.to_dict())
        shape = shape if shape is not None else self.input_shape()
        if shape is not None and spec.input_shape != shape:
            spec.set_input_shape(shape)
        return spec

    # -- the loss --------------------------------------------------------------------
    def loss(self) -> ComponentSpec | None:
        """The loss a run would use: the project's, or auto's pick for the data
        and model (``None`` while auto has nothing to go on)."""
        chosen = self.project.training.loss
        if chosen is not None:
            return chosen
        prepared = self.prepared
        if prepared is None:
            return None
        return ComponentSpec(self._auto_loss(prepared, self._model_view()))

    def _auto_loss(self, prepared: PreparedData, model: ModelSpec) -> str:
        outputs = None
        try:
            analysis = model.analyze()
            shape = analysis.output_shape if analysis.ok else None
            outputs = shape[0] if shape is not None and len(shape) == 1 else None
        except Exception:  # torch missing: auto still picks by task
            outputs = None
        final = model.layers[len(model.layers) - 1].type if len(model.layers) else None
        return auto_loss(prepared.task, outputs, final)

    def loss_label(self) -> str:
        """How the form names the loss: "auto — BCEWithLogitsLoss", or the pick."""
        chosen = self.project.training.loss
        if chosen is not None:
            return chosen.type
        picked = self.loss()
        return f"auto — {picked.type}" if picked is not None else "auto"

    # -- preflight ---------------------------------------------------------------
    def preflight(self, *, torch_ready: bool = True) -> Preflight:
        """Every problem that would stop a run, and the notes worth reading.

        ``torch_ready=False`` skips the checks that import torch (the window
        calls it so before torch has loaded).
        """
        found: list[Finding] = []
        found.extend(_section_findings("training", self.project.training))
        data = self.project.data
        if data is None or not data.has_source:
            found.append(
                Finding(
                    "data",
                    "error",
                    "No data yet: choose a built-in dataset or open a file on the "
                    "Data page.",
                    Fix(
                        "Use the two-moons dataset",
                        (Edit("set_value", "data", _new_data()),),
                    ),
                    error=DataError,
                )
            )
        else:
            found.extend(_section_findings("data", data))
            error = self.data_error
            if error is not None:
                found.append(Finding("data", "error", error, error=DataError))
        found.extend(_lesson_findings(self.project.lesson))
        if torch_ready:
            found.extend(self._device_findings())
            found.extend(self._model_findings())
        return Preflight(sorted(found, key=_urgency))

    def _device_findings(self) -> list[Finding]:
        from guinet.core.training.devices import resolve_device

        device = self.project.training.device
        try:
            resolve_device(device)
        except DeviceError as exc:
            fix = Fix(
                "Train on the best device here",
                (Edit("set_value", "training.device", "auto"),),
            )
            return [
                Finding(
                    "training",
                    "error",
                    str(exc),
                    fix,
                    key="training.device",
                    error=DeviceError,
                )
            ]
        return []

    def _model_findings(self) -> list[Finding]:
        model = self._model_view()
        if not len(model.layers):
            return [
                Finding(
                    "model",
                    "error",
                    "The model has no layers yet: add some from the palette on "
                    "the Model page.",
                    self._starter_fix(),
                    error=ModelError,
                )
            ]
        analysis = model.analyze()
        if analysis.input_shape is None:
            return []  # the data finding says what to do; its shape fills this in
        problem = model.problem()
        if problem is not None:
            index, text = problem
            return [Finding("model", "error", text, layer=index, error=ModelError)]
        too_big = self.memory_findings()
        if too_big:
            return too_big
        prepared = self.prepared
        if prepared is None:
            return []
        return self._loss_findings(model, prepared)

    def _starter_fix(self) -> Fix | None:
        """A small network for the data, so a first run is one click away:
        two hidden Linear+ReLU layers and an output that fits the loss."""
        prepared = self.prepared
        if prepared is None:
            return None
        loss = self.loss()
        wanted = prepared.n_outputs
        if prepared.task == "binary":
            wanted = 1 if loss is not None and loss.type.startswith("BCE") else 2
        layers: list[dict[str, Any]] = []
        if len(tuple(prepared.input_shape)) != 1:
            layers.append({"type": "Flatten"})
        layers += [
            {"type": "Linear", "out_features": STARTER_WIDTH},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": STARTER_WIDTH},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": wanted},
        ]
        return Fix(
            f"Add a starter network (Linear {STARTER_WIDTH}, ReLU, Linear "
            f"{STARTER_WIDTH}, ReLU, Linear {wanted})",
            tuple(
                Edit("insert_layer", index=i, layer=layer)
                for i, layer in enumerate(layers)
            ),
        )

    def memory_findings(self) -> list[Finding]:
        """Refuse, before a byte is allocated, a model whose weights, gradients,
        optimizer state and one batch's activations cannot fit where it would
        train (the meta-device analysis knows all of them). Empty while the
        model has a problem of its own. Imports torch."""
        from guinet.core.memory import device_memory, training_need
        from guinet.core.summary import human_bytes
        from guinet.core.training.devices import resolve_device
        from guinet.core.training.optimizers import OPTIMIZERS

        analysis = self._model_view().analyze()
        if analysis.input_shape is None or not analysis.ok:
            return []
        training = self.project.training
        try:
            device = resolve_device(training.device)
        except DeviceError:
            device = None  # the device finding says so; count the machine's memory
        memory = device_memory(device)
        if memory is None:
            return []
        batch = training.batch_size
        prepared = self.prepared
        if prepared is not None and len(prepared.x_train):
            batch = min(batch, len(prepared.x_train))
        optimizer = training.optimizer
        declared = OPTIMIZERS.get(optimizer.type) if optimizer is not None else None
        try:
            state = declared.state_tensors(optimizer.params) if declared else 0
        except (KeyError, TypeError, ValueError):  # its own finding says why
            state = 0
        need = training_need(analysis, batch, state)
        if need.total <= memory.available:
            return []
        owner = (
            "this GPU" if getattr(device, "type", None) == "cuda" else "this machine"
        )
        if need.total > memory.total:
            limit = f"{owner}'s {human_bytes(memory.total)}"
        else:
            limit = (
                f"the {human_bytes(memory.available)} {owner} has free now "
                f"(of {human_bytes(memory.total)}; closing other programs may help)"
            )
        activations = (
            f" and {human_bytes(need.activations)} for the activations of a batch "
            f"of {need.batch_size}"
            if need.activations >= need.state // 10
            else ""
        )
        message = (
            f"the model needs {human_bytes(need.state)} for its parameters and "
            f"training state (weights, gradients, optimizer state){activations}, "
            f"more than {limit}: make its layers smaller or use fewer of them"
        )
        if need.activations > need.state:
            message += ", or lower the batch size"
        return [Finding("model", "error", message, error=ModelError)]

    def _loss_findings(self, model: ModelSpec, prepared: PreparedData) -> list[Finding]:
        from guinet.core.training.compat import plan_for_data

        loss = self.loss()
        assert loss is not None
        found: list[Finding] = []
        try:
            plan = plan_for_data(model, loss, prepared)
        except CompatibilityError as exc:
            fix = self._compat_fix(model, loss, prepared)
            area = "model" if exc.layer is not None else "training"
            return [
                Finding(
                    area,
                    "error",
                    str(exc),
                    fix,
                    layer=exc.layer,
                    key="training.loss",
                    error=CompatibilityError,
                )
            ]
        for note in plan.notes:
            found.append(Finding("training", "note", note, key="training.loss"))
        found.extend(self._monitor_findings(plan.metric, prepared))
        return found

    def _compat_fix(
        self, model: ModelSpec, loss: ComponentSpec, prepared: PreparedData
    ) -> Fix | None:
        """Make the output fit: set the last Linear's size (or add one), or,
        when the loss is for another task, go back to the auto loss."""
        from guinet.core.training.losses import LOSSES

        declared = LOSSES[loss.type]
        task = prepared.task
        if task not in declared.tasks:
            if self.project.training.loss is not None:
                return Fix(
                    "Let guinet pick the loss (auto)",
                    (Edit("set_value", "training.loss", UNSET),),
                )
            return None
        wanted = prepared.n_outputs
        if task == "binary":
            wanted = 1 if loss.type.startswith("BCE") else 2
        analysis = model.analyze()
        shape = analysis.output_shape
        linears = [i for i, spec in enumerate(model.layers) if spec.type == "Linear"]
        flat = shape is not None and len(shape) == 1
        # the last Linear is the output layer only if at most an output
        # activation (or dropout) follows it; after a ReLU, add a new one
        tail = (
            [spec.type for spec in model.layers][linears[-1] + 1 :] if linears else []
        )
        output_layer = all(t in _OUTPUT_TAIL for t in tail)
        if flat and linears and output_layer:
            if shape == (wanted,):  # the output fits; the last layer is the trouble
                return self._activation_fix(model, declared)
            last = linears[-1]
            return Fix(
                f"Set the last Linear's out_features to {wanted}",
                (
                    Edit(
                        "set_layer_param", index=last, name="out_features", value=wanted
                    ),
                ),
            )
        edits: list[Edit] = []
        count = len(model.layers)
        if not flat:
            edits.append(Edit("insert_layer", index=count, layer={"type": "Flatten"}))
            count += 1
        edits.append(
            Edit(
                "insert_layer",
                index=count,
                layer={"type": "Linear", "out_features": wanted},
            )
        )
        return Fix(f"Add Linear(out_features={wanted}) at the end", tuple(edits))

    @staticmethod
    def _activation_fix(model: ModelSpec, declared: Any) -> Fix | None:
        """Add the final layer a loss needs (a Sigmoid for BCELoss) after a
        model that ends with raw scores; ``None`` in every other case."""
        from guinet.core.layers import LAYERS, Produces

        if declared.expects in ("logits", "values"):
            return None
        last = LAYERS.get(model.layers[-1].type)
        if last is None or last.produces is not None:
            return None  # another activation there: the message says what to do
        wanted = Produces(declared.expects, declared.targets)
        for key, layer in LAYERS.items():
            if layer.produces == wanted:
                return Fix(
                    f"Add a {key} at the end",
                    (
                        Edit(
                            "insert_layer",
                            index=len(model.layers),
                            layer={"type": key},
                        ),
                    ),
                )
        return None

    def _monitor_findings(self, metric: str, prepared: PreparedData) -> list[Finding]:
        training = self.project.training
        logged = ("loss", metric, "val_loss", f"val_{metric}", "lr")
        found = []
        for name in ("early_stopping", "checkpoint"):
            section = getattr(training, name)
            if not section.enabled or section.monitor in logged:
                continue
            found.append(
                Finding(
                    "training",
                    "error",
                    f"training.{name}.monitor: this run logs "
                    f"{', '.join(logged)}, not {section.monitor!r}",
                    Fix(
                        "Watch val_loss",
                        (Edit("set_value", f"training.{name}.monitor", "val_loss"),),
                    ),
                    key=f"training.{name}.monitor",
                    error=ConfigError,
                )
            )
        return found

    # -- applying fixes (no undo: the window wraps each edit in a command) --------
    def apply(self, fix: Fix) -> None:
        for edit in fix.edits:
            apply_edit(self.project, edit)

    # -- runs --------------------------------------------------------------------------
    def run_device(self) -> str | None:
        """The device to override the project's with for a run: the
        preference :attr:`default_device` when the project says ``auto`` and
        that device is here; ``None``: the project's own setting."""
        from guinet.core.training.devices import preferred_device

        setting = self.project.training.device
        chosen = preferred_device(setting, self.default_device)
        return None if chosen == (setting or "auto").strip().lower() else chosen

    def check(self) -> None:
        """Raise the first blocking finding as its own exception type."""
        for finding in self.preflight().errors:
            raise finding.error(finding.message)

    def prepare_run(
        self,
        *,
        epochs: int | None = None,
        device: str | None = None,
        checkpoint_dir: Any = None,
    ) -> TrainingRun:
        """Check everything, then build the run on the cached data.

        ``epochs`` and ``device`` override the project's settings (the
        project is not changed).
        """
        from guinet.core.training.fit import build_run

        session = self
        if epochs is not None or device is not None:
            session = self.overridden(epochs=epochs, device=device)
        training = session.project.training
        training.check()
        project_data = session.project.data
        if project_data is None or not project_data.has_source:
            raise TrainingError(
                "the project has no data yet: choose a data source (a CSV file or "
                "a built-in dataset) first"
            )
        project_data.check()
        prepared = session.prepare_data()
        session.check()
        loss = session.loss()
        assert loss is not None
        return build_run(
            session.project,
            training,
            prepared,
            session.model_for_data(),
            loss,
            checkpoint_dir=checkpoint_dir,
        )

    def overridden(
        self, *, epochs: int | None = None, device: str | None = None
    ) -> Session:
        """A session on a copy of the project with ``epochs``/``device`` set."""
        if epochs is not None and epochs < 1:
            raise ConfigError(f"epochs must be at least 1, not {epochs}")
        project = self.project.copy()
        training = project.training
        if epochs is not None:
            training = training.with_value("epochs", epochs)
        if device is not None:
            training = training.with_value("device", device)
        project.training = training
        session = Session(project)
        with self._lock:
            cache = self._cache
        if cache.key is not None and cache.key == session.data_key():
            session._cache = _DataCache(cache.key, cache.prepared, cache.error)
        return session


def apply_edit(project: Project, edit: Edit) -> None:
    """Make one :class:`Edit` on ``project`` (no undo)."""
    if edit.kind == "set_value":
        project.set_value(edit.path, edit.value)
    elif edit.kind == "set_layer_param":
        project.model.layers.set_param(edit.index, edit.name, edit.value)
    elif edit.kind == "insert_layer":
        assert edit.layer is not None
        project.model.layers.insert(edit.index, LayerSpec.from_dict(edit.layer))
    elif edit.kind == "set_input_shape":
        project.model.set_input_shape(edit.value)
    else:
        raise ValueError(f"unknown edit {edit.kind!r}")


def _new_data() -> dict[str, Any]:
    from guinet.core.data.spec import DataSpec

    return DataSpec.new().to_dict()


def _section_findings(area: str, section: Section) -> list[Finding]:
    """A finding, with a "reset" fix, for each value the section refused."""
    found = []
    for problem in section.problems:
        fix = Fix(
            _reset_label(section, problem.where),
            (Edit("set_value", problem.where, UNSET),),
        )
        found.append(
            Finding(
                area,
                "error",
                problem.message,
                fix,
                key=problem.where,
                error=section.error,
            )
        )
    return found


def _lesson_findings(lesson: LessonSpec | None) -> list[Finding]:
    """Notes (never errors: the project still trains) for what the lesson
    names but this guinet does not know; the fix drops the unknown ids."""
    if lesson is None:
        return []
    found = []
    for problem in lesson.problems:
        key = problem.where.rpartition(".")[2]
        fix = None
        if key in ("hidden", "locked"):
            known = lesson.known_hidden if key == "hidden" else lesson.known_locked
            fix = Fix(
                "Remove the unknown controls from the lesson",
                (Edit("set_value", problem.where, known),),
            )
        found.append(Finding("lesson", "note", problem.message, fix, key=problem.where))
    return found


def _reset_label(section: Section, where: str) -> str:
    """ "Reset batch size to 32", from the declaration of the key at ``where``."""
    keys = where.split(".")[1:]
    owner: type[Section] = type(section)
    for key in keys[:-1]:
        nested = owner.sections.get(key)
        if nested is None:
            break
        owner = nested
    name = keys[-1] if keys else where
    for param in owner.params:
        if param.name == name:
            return f"Reset {param.title.lower()} to {param.format(param.default)}"
    for slot in owner.components:
        if slot.name == name:
            default = slot.default or slot.auto_label or slot.none_label
            return f"Use the default {slot.title.lower()} ({default})"
    return f"Reset {where} to its default"


def _urgency(finding: Finding) -> tuple[int, int]:
    return SEVERITIES.index(finding.severity), AREAS.index(finding.area)


def describe(findings: Sequence[Finding]) -> list[str]:
    """One line a finding, for the command line."""
    return [f"{f.severity}: {f.area}: {f.message}" for f in findings]


__all__ = [
    "Edit",
    "Finding",
    "Fix",
    "Preflight",
    "Session",
    "apply_edit",
    "format_shape",
]
