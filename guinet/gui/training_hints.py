"""Teaching hints on the Train page, under the problems and notes.

The hints are :mod:`guinet.core.hints`' (and :mod:`guinet.core.weight_hints`'):
the model's before a run, the curves' live during one (each at most once a
run), and, once a run ends, those read from its weights — units that never
fire, what made a loss NaN — computed in a worker thread. Each row has the
hint's Fix (one undoable step) and a Dismiss button (also one undoable step:
it adds the hint's key to the project file's ``hints.dismissed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from guinet.core import hints
from guinet.core.concepts import CONCEPTS
from guinet.gui.widgets import FittedText, FixButton
from guinet.gui.workers import Worker, WorkerController

if TYPE_CHECKING:
    from guinet.core.hints import Hint
    from guinet.core.session import Fix, Session
    from guinet.gui.training_worker import TrainingJob, TrainingRunner

#: Rows of the dead-ReLU check (enough to see a unit fire, cheap to run).
DEAD_RELU_ROWS = 512


#: Lines a hint shows until its "More" is pressed.
FOLDED_LINES = 2


class HintRow(QWidget):
    """One hint: its text (two lines, More shows it all), its Fix button (if
    any) and Dismiss."""

    def __init__(self, hint: Hint, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = hint
        self.setObjectName("hintRow")
        # two lines at most until "More": a narrow page keeps its plots
        self.label = FittedText(f"Hint: {hint.message}", lines=FOLDED_LINES)
        self.label.setObjectName("hintText")
        concept = CONCEPTS.get(hint.concept)
        if concept is not None:
            self.label.setToolTip(
                f"{concept.term}: {concept.sentence}\n\n{self.label.text()}"
            )
        self.more_button = QToolButton()
        self.more_button.setObjectName("hintMore")
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.setText("More")
        self.more_button.setToolTip("Show the whole hint")
        self.more_button.toggled.connect(self.unfold)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)
        self.fix_button: FixButton | None = None
        if hint.fix is not None:
            self.fix_button = FixButton(hint.fix.label)
            layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setObjectName("dismissHint")
        self.dismiss_button.setText("✕")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.setToolTip(
            "Dismiss this hint; the project remembers it (Ctrl+Z brings it back)"
        )
        layout.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)

    def unfold(self, on: bool) -> None:
        """Show the whole hint (``on``) or two lines of it."""
        self.label.lines = 1000 if on else FOLDED_LINES
        self.more_button.setText("Less" if on else "More")
        self.label.updateGeometry()
        self.label.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # "More" only where there is more to show
        self.more_button.setVisible(self.more_button.isChecked() or self.label.is_cut())


class HintList(QWidget):
    """The hints shown now, one row each (hidden when none)."""

    fix_requested = Signal(object)  # the Fix
    dismiss_requested = Signal(object)  # the Hint

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainHints")
        self.rows: list[HintRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.hide()

    def show_hints(self, shown: list[Hint]) -> None:
        if [row.hint for row in self.rows] == shown:
            return
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        for hint in shown:
            row = HintRow(hint, self)
            if row.fix_button is not None:
                row.fix_button.clicked.connect(self._fixer(hint))
            row.dismiss_button.clicked.connect(self._dismisser(hint))
            self._layout.addWidget(row)
            self.rows.append(row)
        self.setVisible(bool(self.rows))

    def _fixer(self, hint: Hint) -> Any:
        def request() -> None:
            self.fix_requested.emit(hint.fix)

        return request

    def _dismisser(self, hint: Hint) -> Any:
        def request() -> None:
            self.dismiss_requested.emit(hint)

        return request

    def row(self, key: str) -> HintRow | None:
        return next((r for r in self.rows if r.hint.key == key), None)

    def shown_keys(self) -> list[str]:
        return [row.hint.key for row in self.rows]


class _WeightHintsWorker(Worker):
    """Reads a finished run's weights: dead ReLU layers, why a loss went NaN."""

    def __init__(self, run_id: int, job: TrainingJob, summary: dict) -> None:
        super().__init__(run_id)
        self.job = job
        self.summary = summary

    def work(self) -> object:
        from guinet.core import weight_hints
        from guinet.core.training import prepare_run

        job, result = self.job, self.job.result
        if result is None:
            return []
        found: list[Hint] = []
        if self.summary.get("stop_reason") == "non_finite":
            run = prepare_run(job.project, prepared=job.prepared, device="cpu")
            kept = job.snapshots.epochs if job.snapshots is not None else {}
            good = max(kept) if kept else 0
            data = job.project.data
            found.append(
                weight_hints.divergence_hint(
                    run,
                    kept.get(good),
                    message=str(self.summary.get("message") or ""),
                    good_epoch=good,
                    scaling=data.scaling if data is not None else "standard",
                )
            )
            return found
        if job.prepared is not None and job.snapshots is not None:
            import copy

            import torch

            if job.snapshots.active:  # small enough to copy (see snapshots)
                x = torch.as_tensor(job.prepared.x_train[:DEAD_RELU_ROWS]).float()
                model = copy.deepcopy(result.model).to("cpu")
                found.extend(weight_hints.dead_relu_hints(model, x))
        return found


class HintController(WorkerController):
    """Collects the hints for the page: the model's, the run's, the weights'."""

    hints_changed = Signal(list)  # the hints to show, dismissed ones left out

    def __init__(
        self, session: Session, runner: TrainingRunner, parent: QObject | None = None
    ) -> None:
        super().__init__("guinet-hints", parent)
        self.session = session
        self.runner = runner
        self.watch = hints.CurveWatch(session.project)
        self.model: list[Hint] = []
        self.run: list[Hint] = []
        runner.run_started.connect(self._on_run_started)
        runner.epoch_finished.connect(self._on_epoch_finished)
        runner.training_finished.connect(self._on_training_finished)
        session.project_changed.connect(self._on_project_bound)

    @Slot()
    def _on_project_bound(self) -> None:
        self.stop()
        self.watch = hints.CurveWatch(self.session.project)
        self.model, self.run = [], []
        self.publish()

    def check_model(self, ready: bool) -> None:
        """The model's and the data's hints, as they are now (``ready``: torch
        has loaded and preflight found no error)."""
        self.model = hints.model_hints(self.session) if ready else []
        self.publish()

    def publish(self) -> None:
        self.hints_changed.emit(self.shown())

    def shown(self) -> list[Hint]:
        return hints.shown(self.session.project, [*self.run, *self.model])

    # -- a run ----------------------------------------------------------------------
    @Slot(dict)
    def _on_run_started(self, _info: dict) -> None:
        self.stop()
        self.watch = hints.CurveWatch(self.session.project)
        self.run = []
        self.publish()

    @Slot(dict, dict)
    def _on_epoch_finished(self, logs: dict, _status: dict) -> None:
        found = self.watch.update(logs)
        if found:
            self.run.extend(found)
            self.publish()

    @Slot(dict)
    def _on_training_finished(self, summary: dict) -> None:
        job = self.runner.job
        if job is None or self.running:
            return
        self._launch(_WeightHintsWorker(self._next_run_id(), job, summary))

    def _deliver_result(self, result: object) -> None:
        if isinstance(result, list) and result:
            self.run.extend(result)
            self.publish()

    def forget(self, fix: Fix) -> None:
        """A run's hint whose fix was just made is done with."""
        self.run = [h for h in self.run if h.fix != fix]
        self.publish()
