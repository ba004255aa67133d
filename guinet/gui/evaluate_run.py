"""One evaluation for the Evaluate page, as it runs on a worker thread.

The page hands over a *snapshot*: a private :class:`~guinet.core.session.Session`
on a copy of the project, holding the prepared data the window already has.
Nothing the worker does can then reach the window's session (whose signals
must only fire on the GUI thread), and editing the project meanwhile cannot
change what is evaluated. What comes back is an :class:`Outcome`: the
evaluation, the inputs that were scored (for the cell samples), and where it
was kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guinet.gui.evaluate_views import SampleInputs

if TYPE_CHECKING:
    from guinet.core.data import PreparedData
    from guinet.core.evaluation import Evaluation
    from guinet.core.session import Session


@dataclass
class Outcome:
    """An evaluation on the page: fresh from the worker, or read back.

    ``context`` is what it was made from (see the page's ``_context``);
    ``split`` the split's name, or ``None`` for another file; ``saved`` the
    file it was kept in and ``note`` why it was not.
    """

    evaluation: Evaluation
    inputs: SampleInputs | None
    evaluated_at: datetime
    context: tuple[Any, ...]
    split: str | None
    stored: bool = False
    saved: Path | None = None
    note: str | None = None


def sample_inputs(prepared: PreparedData, split: str) -> SampleInputs:
    """The scored inputs of ``split``, with what undoes their scaling."""
    x, _y = prepared.split(split)
    images = x.ndim == 4
    return SampleInputs(
        x=x,
        feature_names=list(prepared.feature_names),
        offset=None if images else prepared.scaler.offset,
        scale=None if images else prepared.scaler.scale,
    )


def run_evaluation(
    snapshot: Session,
    weights: Path,
    split: str,
    data: Path | None,
    context: tuple[Any, ...],
) -> Outcome:
    """Load ``weights`` into the snapshot's model and score ``split`` (or the
    file ``data``); a split's evaluation is kept beside the checkpoint.
    Raises what loading, preparing and evaluating raise."""
    from guinet.core.evaluation import evaluate, prepare_other
    from guinet.core.evaluation_store import save_evaluation
    from guinet.core.trained import TrainedModel, load_trained

    trained = load_trained(snapshot, weights)
    if data is None:
        evaluation = evaluate(trained, split)
        inputs = sample_inputs(trained.prepared, evaluation.source)
        saved, note = save_evaluation(
            evaluation, trained.checkpoint.path, evaluation.source, snapshot.project
        )
        return Outcome(
            evaluation,
            inputs,
            datetime.now(timezone.utc),
            context,
            evaluation.source,
            saved=saved,
            note=note,
        )
    # another file: prepared once, with the training rows' fit, as its test split
    other = prepare_other(trained, data)
    scored = TrainedModel(
        trained.model, trained.checkpoint, other, trained.device, snapshot
    )
    evaluation = evaluate(scored, "test")
    evaluation.source = str(data)
    return Outcome(
        evaluation,
        sample_inputs(other, "test"),
        datetime.now(timezone.utc),
        context,
        None,
        note="evaluations of other files are not kept",
    )
