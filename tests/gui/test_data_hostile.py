"""Files the Data page cannot read say so on the page (no traceback, no hang)."""

from __future__ import annotations

import os

import pytest


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_a_message_on_the_data_page(window, qtbot, tmp_path):
    panel = window.data_panel
    window.tabs.setCurrentWidget(panel)
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    panel.open_file(pipe)
    qtbot.waitUntil(
        lambda: not panel.busy and panel.session.data_error is not None,
        timeout=20_000,
    )
    assert panel.message.isVisibleTo(panel)
    assert "named pipe" in panel.error_text
    assert "Traceback" not in panel.error_text
    assert panel.prepared is None
