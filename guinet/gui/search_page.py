"""The Search page: a hyperparameter search, set up and watched in one place.

A page of its own after Runs (Ctrl+7), as MATLAB's Experiment Manager keeps
an experiment's setup and its trials together, apart from the single run of
the Train page: a search is a different job (many runs, a table of trials,
plots across them), and its trials land on the Runs page like any run.

Left, the setup: the project's ``search`` section
(:mod:`guinet.core.search_space`) as a table of entries — the parameter, its
kind (values, range or log range) and its values, edited in place — with a
list of what can be searched (built from the project:
:func:`~guinet.core.search_space.candidates`) to add from, and the study
settings (metric, direction, sampler, pruner, trials, timeout, seed). Every
edit is one undoable step (:class:`~guinet.gui.commands.SetSearch`). A space
that does not fit the project says why under the table, and Start stays off
with that reason.

Right, the search: Start runs :class:`~guinet.core.search.Search` on a
snapshot of the project in a background thread
(:mod:`guinet.gui.search_worker`); a live table of trials (the best one
highlighted), their curves overlaid, parallel coordinates and a
parameter-against-metric scatter (:mod:`guinet.gui.search_plots`). Stop ends
the running trial after its batch. "Open Best as Project" puts the best
trial's settings into the editor as one undoable step. Every trial is a run
in the project's history (:attr:`SearchPage.runs_changed` tells the Runs
page).
"""

from __future__ import annotations

import copy
import math
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from guinet.core.search_space import (
    DOMAINS,
    METRICS,
    SAMPLERS,
    SearchError,
    SearchSpec,
    candidates,
    default_metric,
    resolve_space,
)
from guinet.gui.search_plots import (
    ParallelCoordinates,
    ParamScatter,
    TrialCurves,
    TrialRow,
    short_name,
)
from guinet.gui.search_worker import SearchRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from guinet.core.project import Project
    from guinet.core.search import Search, TrialResult
    from guinet.core.session import Session

#: The trial table is redrawn at most this often while a search runs (ms).
REDRAW_MS = 150
#: What the trial table's state column says for each state.
STATE_TEXT = {
    "running": "running",
    "complete": "complete",
    "pruned": "pruned",
    "fail": "failed",
    "waiting": "waiting",
    "stopped": "stopped",
}
EMPTY_SPACE = (
    "Add a parameter to search: pick one in the list under the table and press Add."
)
TRAINING_RUNS = (
    "Training is running on the Train page: a search can start when it ends."
)
SEARCH_RUNS = (
    "A search is running on the Search page: Train is available again when "
    "it ends (or press Stop there)."
)
KIND_TIPS = {
    "values": "values: a list to try, e.g. 16, 32, 64 or Adam, SGD",
    "range": "range: low, high (or low, high, step), both ends included",
    "log": "log: low, high, drawn evenly on a log scale (both above zero)",
}


# -- entries as text -------------------------------------------------------------------
def entry_name(entry: Any) -> str:
    """The name a trial gives ``entry``'s parameter."""
    if isinstance(entry, dict):
        if "repeat" in entry and isinstance(entry["repeat"], list):
            pair = entry["repeat"]
            if len(pair) == 2:
                return f"repeat.{pair[0]}-{pair[1]}"
        if isinstance(entry.get("param"), str):
            return str(entry["param"])
    return "?"


def entry_kind(entry: Any) -> str:
    if isinstance(entry, dict):
        for kind in DOMAINS:
            if kind in entry:
                return kind
    return "values"


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def entry_text(entry: Any) -> str:
    """An entry's values as the Values cell shows them: ``16, 32, 64``."""
    raw = entry.get(entry_kind(entry)) if isinstance(entry, dict) else None
    if isinstance(raw, list):
        return ", ".join(format_value(v) for v in raw)
    return "" if raw is None else format_value(raw)


_INT = re.compile(r"^[+-]?\d+$")


def parse_value(text: str) -> Any:
    """A typed value: a whole number, a number, true/false, null or text."""
    token = text.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    lower = token.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower in ("null", "none"):
        return None
    if _INT.match(token):
        return int(token)
    try:
        number = float(token)
    except ValueError:
        return token
    return number if math.isfinite(number) else token


def parse_values(text: str) -> list[Any]:
    """``"16, 32, 64"`` → ``[16, 32, 64]`` (empty pieces left out)."""
    return [parse_value(piece) for piece in text.split(",") if piece.strip()]


def converted(entry: dict[str, Any], kind: str) -> dict[str, Any]:
    """``entry`` with its domain as ``kind``, keeping what numbers it has."""
    old = entry_kind(entry)
    raw = entry.get(old)
    values = list(raw) if isinstance(raw, list) else []
    numbers = [
        v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    new = {k: v for k, v in entry.items() if k not in DOMAINS}
    if kind == "values":
        if old == "values":
            new["values"] = values
        elif old == "range" and len(numbers) == 3 and numbers[2] > 0:
            low, high, step = numbers
            count = min(int((high - low) / step) + 1, 20)
            new["values"] = [_tidy(low + i * step) for i in range(count)]
        else:
            new["values"] = numbers[:2] or values
    elif old == "values":
        new[kind] = [min(numbers), max(numbers)] if len(numbers) >= 2 else numbers
    else:
        new[kind] = numbers[:2]
    return new


def _tidy(value: float) -> float | int:
    value = float(f"{value:.12g}")
    return int(value) if value.is_integer() else value


def _item(text: str, tip: str = "", editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    item.setFlags(flags)
    if tip:
        item.setToolTip(tip)
    return item


class SearchPage(QWidget):
    """Set up a search of the project's hyperparameters, run it, watch it."""

    status_message = Signal(str)
    #: a search started (True) or ended (False)
    running_changed = Signal(bool)
    #: trials were recorded in the run history (the Runs page reads it again)
    runs_changed = Signal()

    COLUMNS = ("Parameter", "Kind", "Values")

    def __init__(
        self, session: Session, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("searchPage")
        self.session = session
        self.undo_stack = undo_stack
        self.project: Project | None = None
        #: why the search cannot start now ("" when it can)
        self.problem = ""
        self._blocked = ""
        self._filling = False
        #: the trials of the last search started, by number
        self.rows: dict[int, TrialRow] = {}
        self.search: Search | None = None
        self._param_names: list[str] = []
        self._logs: set[str] = set()
        self.runner = SearchRunner(self)
        self.runner.trial_started.connect(self._on_trial_started)
        self.runner.epochs.connect(self._on_epochs)
        self.runner.trial_ended.connect(self._on_trial_ended)
        self.runner.search_ended.connect(self._on_search_ended)
        self.runner.running_changed.connect(self._on_running_changed)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self._build()
        session.project_changed.connect(self._on_project_bound)
        self._on_project_bound()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        setup = QWidget()
        setup.setObjectName("searchSetup")
        setup.setMinimumWidth(250)
        title = QLabel("<b>Search space</b>")
        self.space_table = QTableWidget(0, len(self.COLUMNS))
        self.space_table.setObjectName("searchSpace")
        self.space_table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.space_table.verticalHeader().hide()
        self.space_table.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.space_table.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
        )
        self.space_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.space_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.space_table.setColumnWidth(0, 130)
        self.space_table.setMinimumHeight(80)
        self.space_table.itemChanged.connect(self._on_item_changed)
        self.space_table.itemSelectionChanged.connect(self._update_buttons)

        self.add_combo = QComboBox()
        self.add_combo.setObjectName("searchAddParam")
        self.add_combo.setToolTip("A setting of this project the search can change")
        self.add_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.add_combo.setMinimumContentsLength(10)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("searchAdd")
        self.add_button.setToolTip("Add the setting picked on the left to the search")
        self.add_button.clicked.connect(self.add_chosen)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("searchRemove")
        self.remove_button.setToolTip("Remove the selected entry from the search")
        self.remove_button.clicked.connect(self.remove_selected)
        add_row = QHBoxLayout()
        add_row.setSpacing(4)
        add_row.addWidget(self.add_combo, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)

        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("searchMetric")
        self.metric_combo.setToolTip(SearchSpec.declared("metric").help)
        self.metric_combo.addItem("monitor", None)
        for metric in METRICS:
            self.metric_combo.addItem(metric, metric)
        self.direction_combo = QComboBox()
        self.direction_combo.setObjectName("searchDirection")
        self.direction_combo.setToolTip(SearchSpec.declared("direction").help)
        for direction in ("auto", "minimize", "maximize"):
            self.direction_combo.addItem(direction, direction)
        self.sampler_combo = QComboBox()
        self.sampler_combo.setObjectName("searchSampler")
        self.sampler_combo.setToolTip(SearchSpec.declared("sampler").help)
        for sampler in SAMPLERS:
            self.sampler_combo.addItem(sampler, sampler)
        self.trials_spin = QSpinBox()
        self.trials_spin.setObjectName("searchTrials")
        self.trials_spin.setToolTip(SearchSpec.declared("trials").help)
        self.trials_spin.setRange(1, 100_000)
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setObjectName("searchTimeout")
        self.timeout_spin.setToolTip(SearchSpec.declared("timeout").help)
        self.timeout_spin.setRange(0, 10**7)
        self.timeout_spin.setDecimals(0)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setSpecialValueText("no limit")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("searchSeed")
        self.seed_spin.setToolTip(SearchSpec.declared("seed").help)
        self.seed_spin.setRange(-1, 2**31 - 1)
        self.seed_spin.setSpecialValueText("random")
        self.pruner_check = QCheckBox("Prune poor trials")
        self.pruner_check.setObjectName("searchPruner")
        self.pruner_check.setToolTip(SearchSpec.declared("pruner").help)
        for combo, key in (
            (self.metric_combo, "metric"),
            (self.direction_combo, "direction"),
            (self.sampler_combo, "sampler"),
        ):
            combo.activated.connect(
                lambda _i, c=combo, k=key: self._set_setting(k, c.currentData())
            )
        self.trials_spin.valueChanged.connect(
            lambda v: self._set_setting("trials", int(v))
        )
        self.timeout_spin.valueChanged.connect(
            lambda v: self._set_setting("timeout", float(v) if v > 0 else None)
        )
        self.seed_spin.valueChanged.connect(
            lambda v: self._set_setting("seed", int(v) if v >= 0 else None)
        )
        self.pruner_check.toggled.connect(
            lambda on: self._set_setting("pruner", bool(on))
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        for row, pairs in enumerate(
            (
                (("Metric", self.metric_combo), ("Goal", self.direction_combo)),
                (("Sampler", self.sampler_combo), ("Trials", self.trials_spin)),
                (("Timeout", self.timeout_spin), ("Seed", self.seed_spin)),
            )
        ):
            for col, (text, widget) in enumerate(pairs):
                grid.addWidget(QLabel(text), row, col * 2)
                grid.addWidget(widget, row, col * 2 + 1)
                widget.setMinimumWidth(60)
        grid.addWidget(self.pruner_check, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.message = QLabel()
        self.message.setObjectName("searchProblem")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum
        )
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("searchStart")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("searchStop")
        self.stop_button.setToolTip("Stop the search: the running trial ends now")
        self.stop_button.clicked.connect(self.request_stop)
        self.best_button = QPushButton("Open Best as Project")
        self.best_button.setObjectName("searchOpenBest")
        self.best_button.setToolTip(
            "Put the best trial's settings into the project (Ctrl+Z undoes it)"
        )
        self.best_button.clicked.connect(self.open_best)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.best_button, 1)
        self.status = QLabel("")
        self.status.setObjectName("searchStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum
        )

        left = QVBoxLayout(setup)
        left.setContentsMargins(8, 8, 4, 8)
        left.setSpacing(6)
        left.addWidget(title)
        left.addWidget(self.space_table, 1)
        self.space_table.setMaximumHeight(260)
        left.addLayout(add_row)
        left.addLayout(grid)
        left.addWidget(self.message)
        left.addLayout(buttons)
        left.addWidget(self.status)
        left.addStretch(1)  # below a full space table: room, not gaps

        self.trial_table = QTableWidget(0, 0)
        self.trial_table.setObjectName("searchTrials")
        self.trial_table.verticalHeader().hide()
        self.trial_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trial_table.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.trial_table.horizontalHeader().setStretchLastSection(True)
        self.trial_table.setMinimumHeight(70)
        self.curves = TrialCurves()
        self.parallel = ParallelCoordinates()
        self.scatter = ParamScatter()
        self.plots = QTabWidget()
        self.plots.setObjectName("searchPlots")
        self.plots.setDocumentMode(True)
        self.plots.addTab(self.curves, "Curves")
        self.plots.addTab(self.parallel, "Parallel coordinates")
        self.plots.addTab(self.scatter, "Parameter vs metric")
        results = QSplitter(Qt.Orientation.Vertical)
        results.setObjectName("searchResults")
        results.setChildrenCollapsible(False)
        results.addWidget(self.trial_table)
        results.addWidget(self.plots)
        results.setStretchFactor(0, 1)
        results.setStretchFactor(1, 1)
        results.setSizes([250, 300])  # room for 6 trials above the plots
        results_box = QWidget()
        right = QVBoxLayout(results_box)
        right.setContentsMargins(4, 8, 8, 8)
        right.addWidget(results)
        results_box.setMinimumWidth(300)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("searchSplitter")
        self.splitter.setChildrenCollapsible(False)
        # the setup scrolls rather than set the window's minimum height
        scroll = QScrollArea()
        scroll.setObjectName("searchSetupScroll")
        scroll.setWidget(setup)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(setup.minimumWidth() + 14)
        scroll.setMinimumHeight(120)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(results_box)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._show_trials()

    # -- the project -------------------------------------------------------------------
    @Slot()
    def _on_project_bound(self) -> None:
        if self.project is not None:
            self.project.changed.disconnect(self._on_project_changed)
            self.project.model.changed.disconnect(self._on_project_changed)
        self.project = self.session.project
        self.project.changed.connect(self._on_project_changed)
        self.project.model.changed.connect(self._on_project_changed)
        if self.runner.running:
            self.runner.stop(60_000)
        self.rows = {}
        self.search = None
        self._show_trials()
        self._on_project_changed()

    def _on_project_changed(self, *_args: Any) -> None:
        self._fill_candidates()
        self._fill_space()
        self._fill_settings()
        self._check()

    def section(self) -> dict[str, Any]:
        """A copy of the project's ``search`` section (``{}``: none yet)."""
        assert self.project is not None
        search = self.project.search
        raw = search.to_dict() if search is not None else {}
        return copy.deepcopy(raw) if isinstance(raw, dict) else {}

    def entries(self) -> list[Any]:
        space = self.section().get("space", [])
        return list(space) if isinstance(space, list) else []

    def _fill_candidates(self) -> None:
        assert self.project is not None
        combo = self.add_combo
        chosen = combo.currentData()
        combo.clear()
        try:
            found = candidates(self.project)
        except Exception:  # noqa: BLE001 - a model that cannot be read: no list
            found = []
        self._candidates = {c.name: c for c in found}
        for candidate in found:
            combo.addItem(candidate.label, candidate.name)
            combo.setItemData(
                combo.count() - 1, candidate.name, Qt.ItemDataRole.ToolTipRole
            )
        index = combo.findData(chosen)
        combo.setCurrentIndex(max(index, 0))

    def _label(self, name: str) -> str:
        candidate = self._candidates.get(name)
        return candidate.label if candidate is not None else name

    def _fill_space(self) -> None:
        table = self.space_table
        selected = table.currentRow()
        self._filling = True
        try:
            entries = self.entries()
            table.setRowCount(len(entries))
            for row, entry in enumerate(entries):
                name = entry_name(entry)
                table.setItem(row, 0, _item(self._label(name), name))
                kind = entry_kind(entry)
                combo = table.cellWidget(row, 1)
                if not isinstance(combo, QComboBox):
                    combo = QComboBox()
                    for domain in DOMAINS:
                        combo.addItem(domain, domain)
                        combo.setItemData(
                            combo.count() - 1,
                            KIND_TIPS[domain],
                            Qt.ItemDataRole.ToolTipRole,
                        )
                    combo.activated.connect(lambda _i, c=combo: self._on_kind_chosen(c))
                    table.setCellWidget(row, 1, combo)
                combo.setCurrentIndex(max(combo.findData(kind), 0))
                combo.setToolTip(KIND_TIPS[kind])
                table.setItem(
                    row, 2, _item(entry_text(entry), KIND_TIPS[kind], editable=True)
                )
            if 0 <= selected < len(entries):
                table.selectRow(selected)
        finally:
            self._filling = False
        self._update_buttons()

    def _fill_settings(self) -> None:
        assert self.project is not None
        spec = self.project.search or SearchSpec({})
        widgets = (
            self.metric_combo,
            self.direction_combo,
            self.sampler_combo,
            self.trials_spin,
            self.timeout_spin,
            self.seed_spin,
            self.pruner_check,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.metric_combo.setItemText(
                0, f"monitor ({default_metric(self.project)})"
            )
            self.metric_combo.setCurrentIndex(
                max(self.metric_combo.findData(spec.metric), 0)
            )
            self.direction_combo.setCurrentIndex(
                max(self.direction_combo.findData(spec.direction), 0)
            )
            self.sampler_combo.setCurrentIndex(
                max(self.sampler_combo.findData(spec.sampler), 0)
            )
            self.trials_spin.setValue(int(spec.trials))
            self.timeout_spin.setValue(float(spec.timeout or 0))
            self.seed_spin.setValue(-1 if spec.seed is None else int(spec.seed))
            self.pruner_check.setChecked(bool(spec.pruner))
        finally:
            for widget in widgets:
                widget.blockSignals(False)

    # -- edits: each one undoable step -------------------------------------------------
    def _push(self, section: dict[str, Any], text: str, key: str = "") -> None:
        from guinet.gui.commands import SetSearch

        assert self.project is not None
        self.undo_stack.push(SetSearch(self.project, section, text, key))

    def _set_space(self, entries: list[Any], text: str) -> None:
        section = self.section()
        section["space"] = entries
        self._push(section, text)

    def _set_setting(self, key: str, value: Any) -> None:
        assert self.project is not None
        if self._filling:
            return
        spec = self.project.search or SearchSpec({})
        if getattr(spec, key, _MISSING) == value:
            return
        section = self.section()
        section[key] = value
        section.setdefault("space", [])
        self._push(section, f"Change the search's {key}", key)

    @Slot()
    def add_chosen(self) -> None:
        """Add the setting picked in the list (one undoable step)."""
        name = self.add_combo.currentData()
        candidate = self._candidates.get(str(name)) if name else None
        if candidate is None:
            return
        entries = self.entries()
        if any(entry_name(e) == candidate.name for e in entries):
            self._say_status(f"{candidate.label} is in the search already")
            return
        entries.append(copy.deepcopy(candidate.entry))
        self._set_space(entries, f"Add {candidate.label} to the search")
        self.space_table.selectRow(len(entries) - 1)

    @Slot()
    def remove_selected(self) -> None:
        row = self.space_table.currentRow()
        entries = self.entries()
        if not 0 <= row < len(entries):
            return
        label = self._label(entry_name(entries[row]))
        del entries[row]
        self._set_space(entries, f"Remove {label} from the search")

    def set_entry_text(self, row: int, text: str) -> None:
        """Give entry ``row`` the values typed as ``text`` (one undo step)."""
        entries = self.entries()
        if not 0 <= row < len(entries) or not isinstance(entries[row], dict):
            return
        entry = dict(entries[row])
        if entry_text(entry) == text.strip():
            return
        entry[entry_kind(entry)] = parse_values(text)
        entries[row] = entry
        self._set_space(entries, f"Change {self._label(entry_name(entry))} values")

    def set_entry_kind(self, row: int, kind: str) -> None:
        entries = self.entries()
        if not 0 <= row < len(entries) or not isinstance(entries[row], dict):
            return
        if entry_kind(entries[row]) == kind:
            return
        entries[row] = converted(entries[row], kind)
        label = self._label(entry_name(entries[row]))
        self._set_space(entries, f"Search {label} as {kind}")

    @Slot(QTableWidgetItem)
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 2:
            return
        row, text = item.row(), item.text()
        # the command rebuilds the table: not while the item is still in use
        QTimer.singleShot(0, lambda: self.set_entry_text(row, text))

    def _on_kind_chosen(self, combo: QComboBox) -> None:
        for row in range(self.space_table.rowCount()):
            if self.space_table.cellWidget(row, 1) is combo:
                self.set_entry_kind(row, str(combo.currentData()))
                return

    # -- can it start? -----------------------------------------------------------------
    def _check(self) -> None:
        assert self.project is not None
        problem = ""
        if not self.entries():
            problem = EMPTY_SPACE
        else:
            try:
                resolve_space(self.project)
            except SearchError as exc:
                problem = str(exc)
            except Exception as exc:  # noqa: BLE001 - never a crash while editing
                problem = f"the search space cannot be used: {exc}"
        self.problem = problem
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self._update_buttons()

    def set_training_running(self, running: bool) -> None:
        """The Train page started (or ended) a run: no search meanwhile."""
        self._blocked = TRAINING_RUNS if running else ""
        self._update_buttons()

    @property
    def is_searching(self) -> bool:
        return self.runner.running

    def _update_buttons(self) -> None:
        running = self.runner.running
        reason = self._blocked or self.problem
        if running:
            reason = "A search is running"
        self.start_button.setEnabled(not reason)
        self.start_button.setToolTip(reason or "Start the search")
        self.stop_button.setEnabled(running and not self.runner.stopping)
        self.best_button.setEnabled(self.best_row() is not None)
        self.remove_button.setEnabled(self.space_table.currentRow() >= 0)
        self.add_button.setEnabled(self.add_combo.count() > 0)
        if self._blocked and not running:
            self._say_status(self._blocked)

    def _say_status(self, text: str) -> None:
        self.status.setText(text)

    # -- running -----------------------------------------------------------------------
    @Slot()
    def start(self) -> bool:
        """Run the search on a snapshot of the project, in the background."""
        from guinet.core.search import Search, apply_params, new_study_name

        if self.runner.running or self._blocked or self.problem:
            return False
        assert self.project is not None
        snapshot = apply_params(self.project, {})  # a copy: edits go on meanwhile
        try:
            search = Search(snapshot, study=new_study_name(snapshot))
        except SearchError as exc:
            self.problem = str(exc)
            self.message.setText(self.problem)
            self.message.setVisible(True)
            self._update_buttons()
            return False
        self.search = search
        self.rows = {}
        self._param_names = search.param_names
        self._logs = {d.name for d in search.dimensions if d.kind == "log"}
        self._show_trials()
        self.runner.start(search)
        count = search.spec.trials
        self._say_status(
            f"Searching: {count} trials, {search.spec.sampler} sampler, "
            f"{search.direction} {search.metric}…"
        )
        return True

    @Slot()
    def request_stop(self) -> None:
        if self.runner.running:
            self.runner.request_stop()
            self._say_status("Stopping: the running trial ends after its batch…")
            self._update_buttons()

    def stop(self, timeout_ms: int = 60_000) -> bool:
        """Stop a search and wait for its thread (closing the window)."""
        self._redraw_timer.stop()
        return self.runner.stop(timeout_ms)

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self._update_buttons()
        self.running_changed.emit(running)

    @Slot(int, object)
    def _on_trial_started(self, number: int, params: object) -> None:
        self.rows[number] = TrialRow(number, params=dict(params))  # type: ignore[call-overload]
        self._schedule_redraw()

    @Slot(object)
    def _on_epochs(self, epochs: object) -> None:
        for number, epoch, value, _logs in epochs:  # type: ignore[attr-defined]
            row = self.rows.get(number)
            if row is None:
                row = self.rows[number] = TrialRow(number)
            while len(row.curve) < epoch - 1:
                row.curve.append(math.nan)
            point = math.nan if value is None or not math.isfinite(value) else value
            row.curve[epoch - 1 : epoch] = [point]
            row.epochs = max(row.epochs, epoch)
        self._schedule_redraw()

    @Slot(object)
    def _on_trial_ended(self, result: TrialResult) -> None:
        row = self.rows.get(result.number) or TrialRow(result.number)
        self.rows[result.number] = row
        row.state = result.state
        if result.state == "fail" and result.reason == "stopped":
            row.state = "stopped"
        row.params = dict(result.params) or row.params
        row.value = result.value
        row.epochs = result.epochs_run or row.epochs
        row.duration = result.duration
        row.reason = result.reason
        self._schedule_redraw()
        self.runs_changed.emit()

    @Slot(object, str)
    def _on_search_ended(self, trials: object, error: str) -> None:
        for row in self.rows.values():
            if row.state == "running":  # abandoned (the window closes)
                row.state = "stopped"
        self.redraw()
        done = sum(1 for r in self.rows.values() if r.finished)
        best = self.best_row()
        if error:
            self._say_status(f"The search failed: {error}")
        else:
            stopped = self.search is not None and self.search.stopping
            verb = "Stopped" if stopped else "Finished"
            text = f"{verb}: {len(self.rows)} trials, {done} complete."
            if best is not None:
                text += f" Best: trial {best.number}, {self._metric} {best.value:.4g}."
            self._say_status(text)
        self.status_message.emit(self.status.text())
        self.runs_changed.emit()
        self._update_buttons()

    # -- the trials --------------------------------------------------------------------
    @property
    def _metric(self) -> str:
        return self.search.metric if self.search is not None else "value"

    @property
    def _higher_better(self) -> bool:
        return self.search is not None and self.search.direction == "maximize"

    def best_row(self) -> TrialRow | None:
        done = [row for row in self.rows.values() if row.finished]
        if not done:
            return None
        pick = max if self._higher_better else min
        return pick(done, key=lambda r: float(r.value or 0.0))

    def _schedule_redraw(self) -> None:
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    @Slot()
    def redraw(self) -> None:
        self._redraw_timer.stop()
        self._show_trials()
        self._update_buttons()

    def _show_trials(self) -> None:
        rows = [self.rows[n] for n in sorted(self.rows)]
        names = self._param_names
        best = self.best_row()
        table = self.trial_table
        headers = ["#", "State", self._metric, *[short_name(n) for n in names]]
        headers += ["Epochs", "Time"]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        for column, name in enumerate(names, start=3):
            header = table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(name)
        table.setRowCount(len(rows))
        bold = QFont(table.font())
        bold.setBold(True)
        from guinet.gui import theme

        highlight = QBrush(QColor(theme.current["selection"]))
        for index, row in enumerate(rows):
            value = "" if row.value is None else f"{row.value:.4g}"
            cells = [
                str(row.number),
                STATE_TEXT.get(row.state, row.state),
                value,
                *[_param_text(row.params.get(n)) for n in names],
                str(row.epochs) if row.epochs else "",
                "" if row.duration is None else f"{row.duration:.1f} s",
            ]
            is_best = best is not None and row.number == best.number
            for column, text in enumerate(cells):
                item = _item(text, row.reason if column == 1 else "")
                if is_best:
                    item.setFont(bold)
                    item.setBackground(highlight)
                    item.setData(Qt.ItemDataRole.UserRole, "best")
                table.setItem(index, column, item)
        table.resizeColumnsToContents()
        number = None if best is None else best.number
        self.curves.show_trials(rows, self._metric, number)
        self.parallel.show_trials(
            rows, names, self._logs, self._metric, self._higher_better
        )
        self.scatter.show_trials(
            rows, names, self._logs, self._metric, self._higher_better
        )

    def best_table_row(self) -> int | None:
        """The trial table's row highlighted as the best (``None``: none)."""
        for row in range(self.trial_table.rowCount()):
            item = self.trial_table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == "best":
                return row
        return None

    # -- the best trial ----------------------------------------------------------------
    @Slot()
    def open_best(self) -> bool:
        """Put the best trial's settings into the project (one undo step)."""
        from guinet.core.search import apply_params
        from guinet.gui.commands import RestoreSettings

        best = self.best_row()
        if best is None or self.search is None or self.project is None:
            return False
        try:
            twin = apply_params(self.search.project, best.params)
        except SearchError as exc:
            self._say_status(f"Trial {best.number} cannot be opened: {exc}")
            return False
        sections = {
            "model": twin.model.to_dict(),
            "data": twin.data.to_dict() if twin.data is not None else None,
            "training": twin.training.to_dict(),
        }
        self.undo_stack.push(
            RestoreSettings(
                self.project, sections, f"Open trial {best.number} (the best)"
            )
        )
        text = (
            f"The project has trial {best.number}'s settings (Ctrl+Z brings back "
            "the previous ones)"
        )
        self._say_status(text)
        self.status_message.emit(text)
        return True


_MISSING = object()


def _param_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else format_value(value)
