"""The classroom views on the Train page: the curves and what the model learns,
side by side, live during a run and replayable after it.

:class:`ClassroomViews` puts the training curves and every registered view
(the decision boundary, the network, ...) in one horizontal splitter, so a
class sees them all at once at 1280×720, with a :class:`ReplayBar` under
them. A view joins with one line, :meth:`ClassroomViews.add_view`; the
container then feeds it:

* ``clear()`` when a run starts or the project changes, then
  ``set_data(model_spec, prepared)`` if it has one (the run's model and data);
* ``show_state(state, epoch, batch)`` with every weight copy the run makes
  (:attr:`~guinet.gui.training_worker.TrainingRunner.weights_copied`), and on
  replay with the kept copy of the epoch chosen (batch ``None``);
* ``stop()``, if it has one, when the window closes.

Replay: once a run that kept copies has ended, the bar's slider runs over the
epochs kept (``runner.job.snapshots.epochs``; thinned on long runs, so only
the epochs that exist), each view shows that epoch's weights and the curves
mark it with a vertical line. Play steps through them. A new run hides the
bar and the views follow the live weights again.

Narrow: where the panes side by side would be under :data:`PANE_WIDTH`
pixels each (a laptop with the settings and a lesson open), they become tabs
(Curves, Decision boundary, Network), one readable pane at a time; widen the
page (close the settings, F11) and they are side by side again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from guinet.core.training.snapshots import Snapshot
    from guinet.gui.curves import TrainingCurves
    from guinet.gui.training_worker import TrainingRunner

#: Below this many pixels a pane is unreadable: narrower, the panes become tabs.
PANE_WIDTH = 260
#: Tabs turn back into panes side by side only this much wider (no flicker).
HYSTERESIS = 40
#: One replayed epoch per this many milliseconds when playing.
PLAY_MS = 300
REPLAY_COLOUR = "#7c3aed"


class ReplayBar(QWidget):
    """Play and a slider over the epochs a finished run kept."""

    epoch_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.epochs: list[int] = []
        self.play_button = QPushButton("▶ Replay")
        self.play_button.setObjectName("replayPlay")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the run again, epoch by epoch")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("replaySlider")
        self.slider.setToolTip(
            "Drag (or use the arrow keys) to see the model as it was at that epoch"
        )
        self.slider.setPageStep(1)
        self.label = QLabel()
        self.label.setObjectName("replayLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_MS)
        self._timer.timeout.connect(self._step)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.set_epochs([])

    @property
    def epoch(self) -> int | None:
        """The epoch the slider is on (``None``: nothing to replay)."""
        return self.epochs[self.slider.value()] if self.epochs else None

    def set_epochs(self, epochs: list[int], rest_on: int | None = None) -> None:
        """Offer these epochs (sorted); the slider rests on ``rest_on`` if
        offered, else on the last, quietly."""
        self.play_button.setChecked(False)
        self.epochs = sorted(epochs)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.epochs) - 1))
        resting = (
            self.epochs.index(rest_on)
            if rest_on in self.epochs
            else self.slider.maximum()
        )
        self.slider.setValue(resting)
        self.slider.blockSignals(False)
        self.setVisible(len(self.epochs) > 1)
        self._label()

    def _label(self) -> None:
        if self.epochs:
            self.label.setText(f"epoch {self.epoch} of {self.epochs[-1]}")

    @Slot(int)
    def _on_slider_moved(self, _index: int) -> None:
        self._label()
        if self.epoch is not None:
            self.epoch_chosen.emit(self.epoch)

    @Slot(bool)
    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Replay")
        if playing:
            if self.slider.value() == self.slider.maximum():
                self.slider.setValue(0)
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _step(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)


class ClassroomViews(QWidget):
    """The curves beside the registered views, and the replay bar (module doc)."""

    def __init__(
        self, curves_box: QWidget, curves: TrainingCurves, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.curves = curves
        self.views: dict[str, QWidget] = {}
        self.runner: TrainingRunner | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("classroomSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(self._remember_sizes)  # a drag
        self.splitter.addWidget(curves_box)
        self.splitter.setStretchFactor(0, 3)
        #: (title, pane) in order, side by side in the splitter; narrow, the
        #: tab bar shows one at a time. A pane never leaves the splitter: a
        #: splitter deletes the handle of a pane it loses, and the switch
        #: happens in resize events that come from loops over every widget
        #: (a new style sheet or font), which would then reach the handle.
        self.panes: list[tuple[str, QWidget]] = [("Curves", curves_box)]
        self.tab_bar = QTabBar()
        self.tab_bar.setObjectName("classroomTabs")
        self.tab_bar.setDocumentMode(True)
        self.tab_bar.setExpanding(False)
        self.tab_bar.setDrawBase(True)
        self.tab_bar.addTab("Curves")
        self.tab_bar.currentChanged.connect(self._show_current)
        self.tab_bar.hide()
        #: the panes' sizes when last side by side with the room for it:
        #: the shares they get back when the tabs go
        self._sizes: list[int] = []
        self.replay = ReplayBar()
        self.replay.epoch_chosen.connect(self.show_epoch)
        self.markers = [
            pg.InfiniteLine(angle=90, pen=pg.mkPen(REPLAY_COLOUR, width=1.5))
            for _ in (curves.loss_plot, curves.metric_plot)
        ]
        for plot, line in zip(
            (curves.loss_plot, curves.metric_plot), self.markers, strict=True
        ):
            line.setZValue(20)
            line.hide()
            plot.addItem(line, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tab_bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.replay)

    def add_view(self, title: str, widget: QWidget) -> QWidget:
        """Show ``widget`` beside the curves under ``title``; returns its pane."""
        pane = QWidget()
        pane.setObjectName("classroomPane")
        pane.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        heading = QLabel(title)
        heading.setObjectName("classroomTitle")
        # a narrow pane clips its title rather than widening the window
        heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        box = QVBoxLayout(pane)
        box.setContentsMargins(6, 4, 6, 6)
        box.setSpacing(2)
        box.addWidget(heading)
        box.addWidget(widget, 1)
        self.panes.append((title, pane))
        self.tab_bar.addTab(title)
        self.views[title] = widget
        self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(self.splitter.count() - 1, 3)
        # curves : each view = 4 : 3 until the person drags (then remembered)
        # in proportion, whatever the width (Qt shares out what does not fit
        # from the last pane, which would leave the newest view a sliver)
        self.splitter.setSizes([4000] + [3000] * (self.splitter.count() - 1))
        if self.tabbed:
            heading.hide()
            self._show_current()
        return pane

    # -- side by side, or tabs when narrow --------------------------------------------
    @property
    def tabbed(self) -> bool:
        """Whether the panes are tabs (the page is too narrow for them side by side)."""
        return not self.tab_bar.isHidden()

    def set_tabbed(self, on: bool) -> None:
        """One pane at a time under tabs (``on``), or all side by side."""
        if on == self.tabbed:
            return
        self.tab_bar.setVisible(on)
        for _title, pane in self.panes:
            heading = pane.findChild(QLabel, "classroomTitle")
            if heading is not None:
                heading.setVisible(not on)  # a tab names the pane already
        if on:
            self._show_current()
            return
        for _title, pane in self.panes:
            pane.show()
        shares = self._sizes
        if len(shares) != self.splitter.count():
            shares = [4] + [3] * (self.splitter.count() - 1)
        # the same shares of whatever width the page has now (Qt shrinks
        # sizes too large for it in proportion)
        self.splitter.setSizes([share * 1000 for share in shares])

    @Slot()
    def _show_current(self) -> None:
        """Tabbed: only the chosen tab's pane (the splitter gives it the room)."""
        if not self.tabbed:
            return
        chosen = self.tab_bar.currentIndex()
        for i, (_title, pane) in enumerate(self.panes):
            pane.setVisible(i == chosen)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        wanted = len(self.panes) * PANE_WIDTH
        width = event.size().width()
        if self.tabbed:
            if width >= wanted + HYSTERESIS:
                self.set_tabbed(False)
        elif width < wanted:
            self.set_tabbed(True)
        else:
            self._remember_sizes()
        # as narrow as the tabs allow, even side by side (narrower, they
        # become tabs): a widened window can always be made narrow again
        widest = max(pane.minimumSizeHint().width() for _title, pane in self.panes)
        self.setMinimumWidth(widest + 8)

    @Slot()
    def _remember_sizes(self) -> None:
        """The panes side by side with room: the shares to come back to
        (not those of a page too narrow, squeezed to the panes' minimums)."""
        if not self.tabbed and self.splitter.width() >= len(self.panes) * PANE_WIDTH:
            self._sizes = self.splitter.sizes()

    # -- the run -----------------------------------------------------------------------
    def bind(self, runner: TrainingRunner) -> None:
        """Follow ``runner``'s runs: live weights, and replay once one ends."""
        self.runner = runner
        runner.run_started.connect(self._on_run_started)
        runner.weights_copied.connect(self._on_weights_copied)
        runner.run_ended.connect(self._on_run_ended)

    def clear(self) -> None:
        """Another project: no run to show."""
        self._end_replay()
        for view in self.views.values():
            _call(view, "clear")

    def stop(self) -> None:
        """The window closes: views end what they compute."""
        self.replay.play_button.setChecked(False)
        for view in self.views.values():
            _call(view, "stop")

    @Slot(dict)
    def _on_run_started(self, _info: dict) -> None:
        self._end_replay()
        job = self.runner.job if self.runner is not None else None
        for view in self.views.values():
            _call(view, "clear")
            if (
                job is not None
                and job.model_spec is not None
                and job.prepared is not None
            ):
                _call(view, "set_data", job.model_spec, job.prepared)

    @Slot(object)
    def _on_weights_copied(self, snapshot: Snapshot) -> None:
        for view in self.views.values():
            _call(view, "show_state", snapshot.state, snapshot.epoch, snapshot.batch)

    @Slot()
    def _on_run_ended(self) -> None:
        snapshots = self.kept()
        job = self.runner.job if self.runner is not None else None
        result = job.result if job is not None else None
        restored = result.restored_epoch if result is not None else None
        self.replay.set_epochs(list(snapshots), rest_on=restored)
        if (
            restored is not None
            and restored in snapshots
            and restored != max(snapshots)
        ):
            # early stopping put the best epoch's weights back: the views
            # show what the model now holds, not the last epoch's
            self.show_epoch(restored)

    def kept(self) -> dict[int, dict[str, Any]]:
        """The last run's kept weights, epoch → state (empty: nothing kept)."""
        job = self.runner.job if self.runner is not None else None
        snapshots = job.snapshots if job is not None else None
        if snapshots is None or not snapshots.active:
            return {}
        return snapshots.epochs

    # -- replay ------------------------------------------------------------------------
    @Slot(int)
    def show_epoch(self, epoch: int) -> None:
        """Show the weights kept at ``epoch`` in every view; mark it on the curves."""
        state = self.kept().get(epoch)
        if state is None:
            return
        for line in self.markers:
            line.setValue(epoch)
            line.show()
        for view in self.views.values():
            _call(view, "show_state", state, epoch, None)

    def _end_replay(self) -> None:
        self.replay.set_epochs([])
        for line in self.markers:
            line.hide()


def _call(view: QWidget, name: str, *args: Any) -> None:
    method = getattr(view, name, None)
    if callable(method):
        method(*args)
