"""A project whose model cannot fit in memory (issue 9, item 22): the Model
page opens it without hanging (its thousands of huge layers are analysed on
the meta device), says why it cannot train, and Train starts nothing."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from guinet.core.model import ModelSpec
from tests.gui.helpers import settle

LEFT = Qt.MouseButton.LeftButton


def test_a_model_too_big_for_the_machine_is_refused_where_the_person_looks(
    window, qtbot, tmp_path, monkeypatch
):
    built = []

    def build(spec, device="cpu", *args, **kwargs):
        # the meta device allocates nothing (the checkpoint list's shape check)
        if str(kwargs.get("device", device)) != "meta":
            built.append(device)

    monkeypatch.setattr(ModelSpec, "build", build)
    path = tmp_path / "huge.guinet"
    path.write_text(
        json.dumps(
            {
                "guinet": 1,
                "data": {"source": {"kind": "builtin", "name": "moons"}},
                "model": {"layers": [{"type": "Linear", "out_features": 10**6}] * 4000},
                "training": {"loss": {"type": "MSELoss"}},
            }
        )
    )
    assert window.open_path(path, ask=False)
    settle(qtbot, window)
    designer = window.designer
    assert designer.view.model().rowCount() == 4000
    assert "parameters" in designer.totals.text()  # the totals were counted
    qtbot.waitUntil(
        lambda: "for its parameters and training state" in designer.totals.text(),
        timeout=10_000,
    )
    assert "more than this machine's" in designer.totals.text()

    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(
        lambda: "for its parameters and training state" in panel.problems.text(),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: not panel.is_training, timeout=10_000)
    assert not built  # refused before building (allocating) anything
