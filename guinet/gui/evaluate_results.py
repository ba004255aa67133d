"""The two result pages of the Evaluate page: classes, and numbers.

:class:`ClassificationResults` shows the scores as big numbers, the confusion
matrix (with its normalisation) beside the per-class table and the samples
of the clicked cell; :class:`RegressionResults` shows MAE, RMSE and R² over
the predicted-against-true and residual plots. Each shows an
:class:`~guinet.gui.evaluate_run.Outcome` it is given and keeps no other
state; the page decides which one is current.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from guinet.gui.confusion_view import ConfusionMatrixView
from guinet.gui.evaluate_views import (
    CellSamples,
    ClassTable,
    RegressionPlots,
    ScoreTiles,
)

if TYPE_CHECKING:
    from guinet.core.evaluation import Evaluation
    from guinet.gui.evaluate_run import Outcome

NORMALISE_CHOICES = (
    ("Counts", "none"),
    ("% of each true class (recall)", "row"),
    ("% of each predicted class (precision)", "column"),
)
PICK_A_CELL = "Click a cell of the confusion matrix to see its samples."


class ClassificationResults(QWidget):
    """Scores, the confusion matrix, the per-class table and a cell's samples."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: Outcome | None = None
        self.tiles = ScoreTiles()
        self.normalise_combo = QComboBox()
        self.normalise_combo.setObjectName("normaliseChoice")
        for label, key in NORMALISE_CHOICES:
            self.normalise_combo.addItem(label, key)
        self.normalise_combo.activated.connect(self._on_normalise_chosen)
        self.confusion = ConfusionMatrixView()
        self.confusion.cell_clicked.connect(self.show_cell)
        matrix_box = QWidget()
        matrix_box.setObjectName("matrixBox")
        matrix_box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        top = QHBoxLayout()
        title = QLabel("Confusion matrix")
        title.setObjectName("barTitle")
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.normalise_combo)
        column = QVBoxLayout(matrix_box)
        column.setContentsMargins(8, 6, 8, 8)
        column.addLayout(top)
        column.addWidget(self.confusion, 1)
        self.table = ClassTable()
        self.samples = CellSamples()
        # named: the window remembers splitters by name where it can
        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("classesAndSamples")
        right.addWidget(self.table)
        right.addWidget(self.samples)
        right.setSizes([200, 300])
        right.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("matrixAndClasses")
        split.addWidget(matrix_box)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 640])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tiles)
        layout.addWidget(split, 1)

    def show_outcome(self, outcome: Outcome) -> None:
        self.outcome = outcome
        evaluation = outcome.evaluation
        scores = evaluation.classification
        assert scores is not None
        tiles = [
            ("Loss", f"{evaluation.loss:.4f}", f"{evaluation.loss_name}, per sample"),
            ("Accuracy", f"{scores.accuracy:.1%}", "share of samples predicted right"),
            (
                "Balanced accuracy",
                f"{scores.balanced_accuracy:.1%}",
                "the mean of the classes' recalls: fair when classes are unequal",
            ),
        ]
        if scores.roc_auc is not None:
            tiles.append(
                (
                    "ROC AUC",
                    f"{scores.roc_auc:.3f}",
                    "chance that a random positive scores above a random negative",
                )
            )
        tiles.append(("Samples", f"{evaluation.n_samples:,}", evaluation.source))
        self.tiles.show_scores(tiles)
        self.table.show_classes(
            [(s.name, s.precision, s.recall, s.f1, s.support) for s in scores.per_class]
        )
        self.confusion.set_matrix(scores.confusion, scores.class_names)
        self.confusion.set_normalisation(str(self.normalise_combo.currentData()))
        self.samples.clear(PICK_A_CELL)

    @Slot(int)
    def _on_normalise_chosen(self, _index: int) -> None:
        self.confusion.set_normalisation(str(self.normalise_combo.currentData()))

    @Slot(int, int)
    def show_cell(self, true: int, predicted: int) -> None:
        """List the samples of one confusion cell, most confident first."""
        outcome = self.outcome
        if outcome is None or outcome.evaluation.classification is None:
            return
        scores = outcome.evaluation.classification
        self.confusion.select(true, predicted)
        rows = scores.cell_samples(true, predicted)
        names = scores.class_names
        count = len(rows)
        title = (
            f"{count} sample{'s' * (count != 1)} of “{names[true]}” predicted as "
            f"“{names[predicted]}”" + (", most confident first" if count > 1 else "")
        )
        if outcome.inputs is None:
            title += " (load the data on the Data page to see their values)"
        self.samples.show_cell(
            title, rows, scores.confidence, names[predicted], outcome.inputs
        )


class RegressionResults(QWidget):
    """MAE, RMSE and R² over the two plots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = ScoreTiles()
        self.plots = RegressionPlots()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tiles)
        layout.addWidget(self.plots, 1)

    def show_evaluation(self, evaluation: Evaluation) -> None:
        numbers = evaluation.regression
        assert numbers is not None
        r2 = "n/a" if numbers.r2 is None else f"{numbers.r2:.3f}"
        self.tiles.show_scores(
            [
                ("Loss", f"{evaluation.loss:.4g}", evaluation.loss_name),
                ("MAE", f"{numbers.mae:.4g}", "mean absolute error"),
                ("RMSE", f"{numbers.rmse:.4g}", "root mean squared error"),
                ("R²", r2, "share of the target's variance explained (1 is perfect)"),
                ("Samples", f"{evaluation.n_samples:,}", evaluation.source),
            ]
        )
        self.plots.show_values(numbers.truth, numbers.predicted, numbers.residuals)
