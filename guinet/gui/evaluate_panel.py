"""The Evaluate page: how good are the trained weights on data they never saw?

Top: the weights in use (the session's ``weights_path()``: the run that just
ended, the checkpoint loaded on the Train page, else the project's newest
best), the split to score or another file, and Evaluate.
Below, for classes: the scores as big numbers, the per-class table and the
confusion matrix as a heat map whose cells list their samples (thumbnails
for images, the unscaled values for tables), most confident first; for
numbers: MAE, RMSE, R², predicted against true and the residuals.

The result pages are :mod:`guinet.gui.evaluate_results`. The evaluation
runs on a worker (:mod:`guinet.gui.tasks`) on a snapshot of
the project (:mod:`guinet.gui.evaluate_run`); a result for weights, data or
a project that changed meanwhile is dropped. A split's result is kept beside
its checkpoint (:mod:`guinet.core.evaluation_store`) and shown again at once
when the page comes back to the same weights and split.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.evaluate_results import ClassificationResults, RegressionResults
from guinet.gui.evaluate_run import Outcome, run_evaluation, sample_inputs
from guinet.gui.tasks import BackgroundTask
from guinet.gui.widgets import ElidedLabel

if TYPE_CHECKING:
    from guinet.core.session import Session

SPLIT_CHOICES = (
    ("Test split", "test"),
    ("Validation split", "validation"),
    ("Training split", "train"),
)
NOTHING_TRAINED = (
    "<h3>Nothing trained yet</h3>"
    "<p>Train the model on the <b>Train</b> page, or load a checkpoint there "
    "(Checkpoints tab ▸ <b>Load weights into the model</b>).</p>"
    "<p>Then come back and press <b>Evaluate</b> to see how good it is on "
    "data it never saw.</p>"
)


class EvaluatePanel(QWidget):
    """Score the session's weights on a split or another file, and show it."""

    status_message = Signal(str)
    #: An evaluation is shown (fresh from the worker or read back).
    evaluation_shown = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluatePanel")
        self.session = session
        self.outcome: Outcome | None = None
        self.error_text = ""
        self._stale = True
        self._running_context: tuple[Any, ...] | None = None
        self._binding = 0  # counts the projects bound: an id() may come back
        self.task = BackgroundTask("evaluation", self)
        self.task.succeeded.connect(self._on_succeeded)
        self.task.failed.connect(self._on_failed)
        self.task.running_changed.connect(self._on_running_changed)
        self._build()
        session.project_changed.connect(self._on_project_bound)
        session.weights_changed.connect(self._on_context_changed)
        session.data_changed.connect(self._on_context_changed)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.weights_label = ElidedLabel()
        self.weights_label.setObjectName("weightsLabel")
        self.split_combo = QComboBox()
        self.split_combo.setObjectName("splitChoice")
        for label, key in SPLIT_CHOICES:
            self.split_combo.addItem(label, key)
        self.split_combo.setToolTip("Which rows of the project's data to score")
        self.split_combo.activated.connect(self._on_split_chosen)
        self.other_button = QPushButton("Other file…")
        self.other_button.setToolTip(
            "Score another file with the same columns, prepared as the training "
            "data was"
        )
        self.other_button.clicked.connect(self.choose_other_file)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel("Weights:"))
        bar.addWidget(self.weights_label, 1)
        bar.addSpacing(6)
        bar.addWidget(self.split_combo)
        bar.addWidget(self.other_button)
        bar.addWidget(self.evaluate_button)
        self.status = QLabel()
        self.status.setObjectName("evaluateStatus")
        self.status.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("evaluateMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message.hide()

        self.placeholder = QLabel()
        self.placeholder.setObjectName("evaluatePlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.classification_page = ClassificationResults()
        self.regression_page = RegressionResults()
        # the parts, by the names the tests and the screenshots use
        results = self.classification_page
        self.class_tiles, self.class_table = results.tiles, results.table
        self.confusion, self.samples = results.confusion, results.samples
        self.normalise_combo = results.normalise_combo
        self.number_tiles = self.regression_page.tiles
        self.plots = self.regression_page.plots
        self.pages.addWidget(self.classification_page)
        self.pages.addWidget(self.regression_page)
        #: result pages shown at least once: only their splitters have real sizes
        self._laid_out: set[QWidget] = set()
        self.pages.currentChanged.connect(self._note_laid_out)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)

    # -- what is evaluated -------------------------------------------------------------
    def split(self) -> str:
        return str(self.split_combo.currentData())

    def _context(self) -> tuple[Any, ...]:
        """What an evaluation depends on: the project bound, the weights file
        as it is now and the data section."""
        from guinet.core.evaluation_store import data_fingerprint, weights_stamp

        weights = self.session.weights_path()
        project = self.session.project
        stamp = weights_stamp(weights) if weights is not None else None
        return (
            self._binding,
            str(weights),
            None if stamp is None else (stamp["size"], stamp["mtime_ns"]),
            data_fingerprint(project),
        )

    @Slot()
    def _on_project_bound(self) -> None:
        self._binding += 1
        self._on_context_changed()

    @Slot()
    def _on_context_changed(self) -> None:
        if self.task.running and self._running_context != self._context():
            self.task.cancel()  # its result would describe other weights or data
            self.status.setText("")
        self._set_error("")  # it was about what was there before
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.refresh()
        self._note_laid_out()

    @Slot()
    def _note_laid_out(self, *_args: Any) -> None:
        page = self.pages.currentWidget()
        if self.isVisible() and page is not None:
            self._laid_out.add(page)

    def laid_out(self, splitter: QSplitter) -> bool:
        """Whether ``splitter``'s sizes are real (its results page was shown
        this session), so the window remembers them; else an earlier
        session's stay."""
        return any(page.isAncestorOf(splitter) for page in self._laid_out)

    def refresh(self, keep_other: bool = True) -> None:
        """Show the weights in use, and the kept result for them and the
        split when there is one (an other file's result stays while it
        describes these weights, unless ``keep_other`` is false)."""
        self._stale = False
        weights = self.session.weights_path()
        self._show_weights(weights)
        busy = self.task.running
        self.evaluate_button.setEnabled(weights is not None and not busy)
        self.other_button.setEnabled(weights is not None and not busy)
        if weights is None:
            self._clear_result()
            self.placeholder.setText(NOTHING_TRAINED)
            self.pages.setCurrentWidget(self.placeholder)
            self.status.setText("")
            return
        context = self._context()
        shown = self.outcome
        if shown is not None and shown.context == context:
            wanted = shown.split == self.split() or (keep_other and not shown.split)
            if wanted:
                self._complete_inputs(shown)
                return  # already showing it
        stored = self._read_stored(weights, context)
        if stored is not None:
            self._show_outcome(stored)
            return
        self._clear_result()
        if not busy:
            self.placeholder.setText(
                f"<p>Press <b>Evaluate</b> to score these weights on the "
                f"{self.split()} split (or <b>Other file…</b> for a file with the "
                "same columns).</p>"
            )
            self.status.setText("Not evaluated yet.")
        self.pages.setCurrentWidget(self.placeholder)

    def _show_weights(self, weights: Path | None) -> None:
        if weights is None:
            self.weights_label.setText("none yet")
            self.weights_label.setToolTip("")
            return
        described = _describe_checkpoint(weights)
        self.weights_label.setText(described)
        self.weights_label.setToolTip(str(weights))

    def _read_stored(self, weights: Path, context: tuple[Any, ...]) -> Outcome | None:
        from guinet.core.evaluation_store import load_stored

        split = self.split()
        stored = load_stored(weights, split, self.session.project)
        if stored is None:
            return None
        outcome = Outcome(
            stored.evaluation,
            None,
            stored.evaluated_at,
            context,
            split,
            stored=True,
            saved=stored.path,
        )
        self._complete_inputs(outcome)
        return outcome

    def _complete_inputs(self, outcome: Outcome) -> None:
        """A kept result's samples are the split's rows of the prepared data:
        taken once the Data page has prepared it."""
        prepared = self.session.prepared
        if outcome.inputs is not None or outcome.split is None or prepared is None:
            return
        inputs = sample_inputs(prepared, outcome.split)
        if len(inputs.x) == outcome.evaluation.n_samples:
            outcome.inputs = inputs

    # -- running -----------------------------------------------------------------------
    @Slot()
    def _on_evaluate_clicked(self) -> None:
        self.evaluate()

    def evaluate(self, data: Path | None = None) -> None:
        """Score the weights in use on the chosen split (or ``data``) off the
        GUI thread."""
        from guinet.core.session import Session

        weights = self.session.weights_path()
        if weights is None:
            self.refresh()
            return
        self._running_context = self._context()
        project = self.session.project.copy()
        snapshot = Session(project, self.session.prepared)
        split = self.split()
        context = self._running_context

        def work(progress: Any, cancelled: Any) -> Outcome:
            return run_evaluation(snapshot, weights, split, data, context)

        self._set_error("")
        what = f"{data.name}" if data is not None else f"the {split} split"
        self.status.setText(f"Evaluating {what}…")
        self.task.start(work)

    @Slot()
    def choose_other_file(self) -> None:
        data = self.session.project.data
        source = data.source if data is not None else None
        start = str(self.session.project.base_dir)
        if source and source.get("kind") == "images":
            chosen = QFileDialog.getExistingDirectory(
                self, "Evaluate on another image folder", start
            )
        else:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                "Evaluate on another file with the same columns",
                start,
                "Tables (*.csv *.tsv *.txt *.parquet *.xlsx *.npz);;All files (*)",
            )
        if chosen:
            self.evaluate(Path(chosen))

    def stop(self) -> None:
        """Closing: end a running evaluation and wait for its thread."""
        self.task.stop()

    @property
    def busy(self) -> bool:
        return self.task.running

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        has_weights = self.session.weights_path() is not None
        self.evaluate_button.setEnabled(not running and has_weights)
        self.other_button.setEnabled(not running and has_weights)
        self.split_combo.setEnabled(not running)

    @Slot(object)
    def _on_succeeded(self, outcome: object) -> None:
        assert isinstance(outcome, Outcome)
        if outcome.context != self._context():
            self.status.setText(
                "The weights or the data changed while evaluating: press "
                "Evaluate again."
            )
            return
        if outcome.split is not None and outcome.split != self.split():
            return  # the split was changed meanwhile (it is locked while running)
        self._show_outcome(outcome)
        source = outcome.evaluation.source
        what = f"the {source} split" if outcome.split else Path(source).name
        self.status_message.emit(f"Evaluated {what}")

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        if isinstance(error, ValueError | OSError):  # ours: one clear sentence
            text = str(error)
        else:
            text = f"{type(error).__name__}: {error}"
        self.status.setText("")
        self._set_error(f"Could not evaluate: {text}")

    def _set_error(self, text: str) -> None:
        self.error_text = text
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- showing -----------------------------------------------------------------------
    def _clear_result(self) -> None:
        self.outcome = None
        self.evaluate_button.setText("Evaluate")

    def _show_outcome(self, outcome: Outcome) -> None:
        self.outcome = outcome
        evaluation = outcome.evaluation
        self.evaluate_button.setText("Re-evaluate" if outcome.split else "Evaluate")
        self.status.setText(_status_line(outcome))
        if evaluation.classification is not None:
            self.classification_page.show_outcome(outcome)
            self.pages.setCurrentWidget(self.classification_page)
        else:
            self.regression_page.show_evaluation(evaluation)
            self.pages.setCurrentWidget(self.regression_page)
        self.evaluation_shown.emit()

    @Slot(int)
    def _on_split_chosen(self, _index: int) -> None:
        self._set_error("")
        self.refresh(keep_other=False)

    def show_cell(self, true: int, predicted: int) -> None:
        """List the samples of one confusion cell, most confident first."""
        self.classification_page.show_cell(true, predicted)


def _describe_checkpoint(path: Path) -> str:
    """ "best-epoch=012….ckpt — best, epoch 12", from the folder's listing."""
    from guinet.core.training.checkpoint_files import CheckpointError, list_checkpoints

    try:
        found = {info.path.name: info for info in list_checkpoints(path.parent)}
    except (OSError, CheckpointError):
        found = {}
    info = found.get(path.name)
    if info is None:
        return path.name
    return f"{path.name} — {info.kind}, epoch {info.epoch}"


def _status_line(outcome: Outcome) -> str:
    evaluation = outcome.evaluation
    when = outcome.evaluated_at.astimezone().strftime("%d %b %Y, %H:%M")
    source = (
        f"the {outcome.split} split" if outcome.split else Path(evaluation.source).name
    )
    line = f"Evaluated on {when}: {source}, {evaluation.n_samples:,} samples."
    if outcome.stored:
        line += " Kept with the run; press Re-evaluate to score it again."
    elif outcome.saved is not None:
        line += f" Kept beside the checkpoint ({outcome.saved.name})."
    if outcome.note:
        line += f" Note: {outcome.note}."
    return line
