"""``guinet --self-test``: the window trains an example and says how it went.

tests/test_bundle.py runs it through the built bundle; here it runs in the
test's own window, and its hidden option is checked on the command line.
"""

from __future__ import annotations

import pytest

from guinet import cli
from guinet._resources import resource
from guinet.gui import torch_loader
from guinet.gui.self_test import PASSED, RUN_FAILED, SelfTest


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GUINET_DATA_DIR", str(tmp_path / "data"))  # the run history


def test_self_test_trains_one_epoch_from_the_train_page(window, qtbot, capsys):
    torch_loader.load_now()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    test = SelfTest(window, epochs=1, timeout_s=60)
    with qtbot.waitSignal(test.finished, timeout=60_000) as ended:
        test.start()
    assert ended.args == [PASSED]
    assert window.training_panel.last_summary["epochs_run"] == 1
    assert window.tabs.currentWidget() is window.training_panel
    assert not window.training_panel.is_training
    out = capsys.readouterr().out
    assert "self-test: 'Two moons" in out and "1 epoch(s)" in out


def test_self_test_fails_when_the_run_does_not_complete(window, qtbot, capsys):
    torch_loader.load_now()
    window.open_example(resource("examples", "moons_mlp.guinet"))
    test = SelfTest(window, epochs=1, timeout_s=60)
    # a run that ends early (stopped after its first batch) is not a pass
    window.training_panel.run.running_changed.connect(
        lambda running: running and window.training_panel.request_stop()
    )
    with qtbot.waitSignal(test.finished, timeout=60_000) as ended:
        test.start()
    assert ended.args == [RUN_FAILED]
    assert "self-test:" in capsys.readouterr().err


def test_self_test_option_is_hidden(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "self-test" not in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a project that does not exist
        cli.main(["--self-test", "no-such-project"])
    assert "neither a subcommand" in capsys.readouterr().err


def test_an_uncaught_exception_ends_the_self_test_at_once(window, qtbot, capsys):
    """A module the bundle lacks raises in a slot: Qt would print it and go
    on; the self-test fails at once instead of waiting for its timeout."""
    test = SelfTest(window, epochs=1, timeout_s=60)
    try:
        raise ModuleNotFoundError("No module named 'torch.testing._internal'")
    except ModuleNotFoundError as exc:
        with qtbot.waitSignal(test.finished, timeout=5_000) as ended:
            test.on_exception(type(exc), exc, exc.__traceback__)
    assert ended.args == [RUN_FAILED]
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "self-test: ModuleNotFoundError: No module named" in err
