"""Teaching hints: a model linter in plain words.

A hint is a :class:`~guinet.core.session.Finding` (severity ``note``) that
also names the concept it teaches (a term of :mod:`guinet.core.concepts`).
Its message says what was seen, with the numbers, and why it matters; its
:class:`~guinet.core.session.Fix`, when one can be applied, is the change a
tutorial would make. Hints never stop a run. Each has a stable ``key``
(``hint.<kind>``, plus the layer for a layer's hint) so a person can dismiss
it: :func:`dismissed` / :func:`dismiss_fix` keep the dismissed keys in the
project file's ``hints.dismissed`` list (an additive key; files without it
read as "none dismissed").

Three sources, by when they can be known:

* :func:`model_hints` — from the project and its prepared data, before a run
  (layers that collapse, unscaled features, a model far larger than its data);
* :class:`CurveWatch` — from the epoch logs of a run, live, each at most once
  a run (a learning rate too high or too low, overfitting, a plateau);
* :mod:`guinet.core.weight_hints` — from weights, computed
  off the GUI thread (units that never fire; what a NaN came from).

Nothing here imports Qt; torch is imported only by the functions that need it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guinet.core.session import Edit, Finding, Fix

if TYPE_CHECKING:
    from guinet.core.model import ModelSpec
    from guinet.core.project import Project
    from guinet.core.session import Session

#: The project file's list of dismissed hint keys (``{"hints": {"dismissed": []}}``).
DISMISSED_PATH = "hints.dismissed"
#: Layers that keep a stack linear (they rescale or reshape, never bend).
_LINEAR_PASS = ("Dropout", "Identity", "Flatten", "BatchNorm1d", "LayerNorm")
_ACTIVATIONS = ("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Tanh", "Sigmoid")

#: Feature ranges this many times apart call for scaling.
RANGE_RATIO = 100.0
#: Weights per training sample above which a model is "far larger than the data".
PARAMS_PER_SAMPLE = 10.0
#: Smallest model the size hint speaks about (a tiny model on tiny data is fine).
MIN_PARAMS = 1_000


@dataclass(frozen=True)
class Hint(Finding):
    """A :class:`Finding` that teaches: ``concept`` is its glossary term."""

    concept: str = ""


def new_hint(
    kind: str,
    concept: str,
    message: str,
    fix: Fix | None = None,
    *,
    area: str = "training",
    layer: int | None = None,
) -> Hint:
    key = f"hint.{kind}" if layer is None else f"hint.{kind}.{layer}"
    return Hint(area, "note", message, fix, layer=layer, key=key, concept=concept)


# -- dismissing ----------
def dismissed(project: Project) -> set[str]:
    """The hint keys this project's person has dismissed."""
    from guinet.core.sections import UNSET

    value = project.value(DISMISSED_PATH)
    if value is UNSET or not isinstance(value, list):
        return set()
    return {str(key) for key in value}


def dismiss_fix(project: Project, hint: Finding) -> Fix:
    """Dismissing ``hint`` as a fix: one edit of the project's dismissed list,
    so the window makes it one undoable step and the file remembers it."""
    keys = sorted(dismissed(project) | {hint.key})
    return Fix("Dismiss this hint", (Edit("set_value", DISMISSED_PATH, keys),))


def shown(project: Project, hints: Sequence[Hint]) -> list[Hint]:
    """``hints`` less those the project has dismissed."""
    gone = dismissed(project)
    return [h for h in hints if h.key not in gone]


# -- before a run: the model and the data ----------
def model_hints(session: Session) -> list[Hint]:
    """What the model and the prepared data show before a run (none while
    the model has a problem of its own, or the data is not prepared)."""
    model = session.model_for_data()
    found = list(linear_collapse_hints(model))
    prepared = session.prepared
    if prepared is None:
        return found
    data = session.project.data
    if data is not None and data.scaling == "none":
        found.extend(scaling_hints(prepared.x_train, prepared.feature_names))
    analysis = model.analyze()
    if analysis.ok and analysis.input_shape is not None:
        found.extend(
            size_hints(
                analysis.total_params,
                len(prepared.x_train),
                session.project.training.early_stopping.enabled,
            )
        )
    return found


def linear_collapse_hints(model: ModelSpec) -> list[Hint]:
    """Two Linear layers with no activation between them are one Linear layer."""
    found = []
    layers = list(model.layers)
    for i, layer in enumerate(layers):
        if layer.type != "Linear":
            continue
        for j in range(i + 1, len(layers)):
            kind = layers[j].type
            if kind in _LINEAR_PASS:
                continue
            if kind == "Linear":
                width = layer.params.get("out_features", "?")
                after = layers[j].params.get("out_features", "?")
                found.append(
                    new_hint(
                        "linear_collapse",
                        "activation",
                        f"Layers {i + 1} and {j + 1} (Linear {width} then Linear "
                        f"{after}) have no activation between them. Two linear "
                        "maps in a row are one linear map (W₂(W₁x + b₁) + b₂ = "
                        "Wx + b), so layer {j1} adds weights but no power to bend "
                        "the boundary. Put an activation such as ReLU between "
                        "them.".replace("{j1}", str(j + 1)),
                        Fix(
                            f"Insert a ReLU after layer {i + 1}",
                            (
                                Edit(
                                    "insert_layer", index=i + 1, layer={"type": "ReLU"}
                                ),
                            ),
                        ),
                        area="model",
                        layer=i,
                    )
                )
            break
    return found


def scaling_hints(x: Any, names: Sequence[str]) -> list[Hint]:
    """Unscaled features whose ranges are :data:`RANGE_RATIO` times apart."""
    import numpy as np

    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] < 2 or len(x) < 2:
        return []
    low = np.nanmin(x, axis=0).astype(np.float64)
    high = np.nanmax(x, axis=0).astype(np.float64)
    spans = high - low
    live = np.flatnonzero(spans > 0)
    if len(live) < 2:
        return []
    wide = int(live[np.argmax(spans[live])])
    narrow = int(live[np.argmin(spans[live])])
    ratio = spans[wide] / spans[narrow]
    if ratio < RANGE_RATIO:
        return []

    def name(i: int) -> str:
        return repr(str(names[i])) if i < len(names) else f"column {i + 1}"

    return [
        new_hint(
            "scaling",
            "scaling",
            f"The inputs are not scaled and their ranges differ {ratio:,.0f}×: "
            f"{name(wide)} spans {low[wide]:g} to {high[wide]:g}, {name(narrow)} "
            f"only {low[narrow]:g} to {high[narrow]:g}. The wide feature dominates "
            "the first layer's sums and one learning rate cannot suit both. "
            "Standardize the inputs.",
            Fix(
                "Standardize the inputs",
                (Edit("set_value", "data.scaling", "standard"),),
            ),
            area="data",
        )
    ]


def size_hints(params: int, samples: int, early_stopping: bool) -> list[Hint]:
    """A model with far more weights than training rows can memorise them."""
    if params < MIN_PARAMS or params <= PARAMS_PER_SAMPLE * max(samples, 1):
        return []
    fix = None
    if not early_stopping:
        fix = Fix(
            "Turn on early stopping",
            (Edit("set_value", "training.early_stopping.enabled", True),),
        )
    return [
        new_hint(
            "model_size",
            "overfitting",
            f"The model has {params:,} weights for {samples:,} training rows "
            f"({params / max(samples, 1):,.0f} a row): it can learn the rows by "
            "heart instead of the pattern. Watch the validation loss; use fewer or "
            "narrower layers, Dropout, early stopping or more data.",
            fix,
            area="model",
        )
    ]


# -- during a run: the curves ----------
@dataclass
class CurveWatch:
    """Reads each epoch's logs and says, once a run, what the curves show.

    ``project`` (the live one) supplies the fixes' starting points: the
    learning rate, whether early stopping or a scheduler is on.
    """

    project: Project
    #: the learning-rate-too-high check looks at this many first epochs
    early_epochs: int = 5
    #: a loss this many times its first value has exploded
    explode: float = 3.0
    #: "nothing moves": the loss changed less than this fraction over ``window`` epochs
    still: float = 0.01
    window: int = 5
    #: overfitting: validation loss this fraction above its best, ``window`` epochs on
    rise: float = 0.1
    #: a plateau: no ``still`` improvement in this many epochs (Keras's
    #: ReduceLROnPlateau waits 10)
    plateau: int = 10

    def __post_init__(self) -> None:
        self.loss: list[float] = []
        self.val_loss: list[float] = []
        self.fired: set[str] = set()

    def reset(self) -> None:
        self.loss.clear()
        self.val_loss.clear()
        self.fired.clear()

    def update(self, logs: dict[str, Any]) -> list[Hint]:
        """The hints this epoch's ``logs`` make true for the first time this run."""
        loss = logs.get("loss")
        if not isinstance(loss, (int, float)) or not math.isfinite(loss):
            return []
        self.loss.append(float(loss))
        val = logs.get("val_loss")
        if isinstance(val, (int, float)) and math.isfinite(val):
            self.val_loss.append(float(val))
        found = [
            hint
            for hint in (
                self._too_high(),
                self._too_low(),
                self._overfitting(),
                self._plateau(),
            )
            if hint is not None and hint.key not in self.fired
        ]
        self.fired.update(h.key for h in found)
        return found

    # the checks -----------------------------------------------------------------
    def _lr_fix(self, factor: float) -> tuple[float, Fix]:
        lr = self.project.training.lr
        new = float(f"{lr * factor:.3g}")
        verb = "Lower" if factor < 1 else "Raise"
        return lr, Fix(
            f"{verb} the learning rate to {new:g}",
            (Edit("set_value", "training.optimizer.lr", new),),
        )

    def _too_high(self) -> Hint | None:
        loss = self.loss
        n = len(loss)
        if n < 2 or n > self.early_epochs:
            return None
        rising = n >= 3 and loss[-1] > loss[-2] > loss[-3] and loss[-1] > loss[0]
        if not (rising or loss[-1] > self.explode * loss[0]):
            return None
        lr, fix = self._lr_fix(0.1)
        return new_hint(
            "lr_high",
            "learning rate",
            f"The loss is growing in the first epochs ({loss[0]:.4g} after epoch 1, "
            f"{loss[-1]:.4g} after epoch {n}): each step overshoots the minimum and "
            f"lands higher up. The learning rate ({lr:g}) is too high; try ten times "
            "lower.",
            fix,
        )

    def _too_low(self) -> Hint | None:
        loss = self.loss
        if len(loss) != self.window + 1 or loss[0] <= 1e-6:
            return None
        change = abs(loss[0] - loss[-1]) / loss[0]
        if change >= self.still:
            return None
        lr, fix = self._lr_fix(10.0)
        return new_hint(
            "lr_low",
            "learning rate",
            f"The loss has hardly moved in {self.window} epochs ({loss[0]:.4g} → "
            f"{loss[-1]:.4g}, {change:.2%}): the steps are too small to get "
            f"anywhere. The learning rate ({lr:g}) may be too low; try ten times "
            "higher.",
            fix,
        )

    def _overfitting(self) -> Hint | None:
        val, loss = self.val_loss, self.loss
        if len(val) != len(loss) or len(val) < self.window + 1:
            return None
        # a few validation rows make a noisy curve: judge its moving average
        k = self.window
        smooth = [sum(val[i - k + 1 : i + 1]) / k for i in range(k - 1, len(val))]
        low = min(range(len(smooth)), key=smooth.__getitem__)
        if len(smooth) - 1 - low < k or smooth[-1] < smooth[low] * (1 + self.rise):
            return None
        best = min(range(len(val)), key=val.__getitem__)
        if loss[-1] >= loss[best] or val[-1] <= loss[-1]:
            return None  # both rising, or still no worse on new rows than on seen
        training = self.project.training
        fix = None
        if not training.early_stopping.enabled:
            fix = Fix(
                "Turn on early stopping",
                (Edit("set_value", "training.early_stopping.enabled", True),),
            )
        else:
            fix = _dropout_fix(self.project.model)
        return new_hint(
            "overfitting",
            "overfitting",
            f"Overfitting: the validation loss was lowest at epoch {best + 1} "
            f"({val[best]:.4g}) and has risen to {val[-1]:.4g} while the training "
            f"loss kept falling ({loss[best]:.4g} → {loss[-1]:.4g}). The model is "
            "learning the training rows, not the pattern: use Dropout, early "
            "stopping, a smaller model or more data.",
            fix,
        )

    def _plateau(self) -> Hint | None:
        loss = self.loss
        k = self.plateau
        n = len(loss)
        if n < 2 * k + 1 or "hint.lr_low" in self.fired:
            return None
        if self.project.training.scheduler is not None:
            return None
        before = min(loss[: n - k])
        recent = min(loss[n - k :])
        if loss[0] - before < 0.1 * loss[0]:
            return None  # it never learnt much: that is the low-lr hint's case
        if before - recent > self.still * before:
            return None
        return new_hint(
            "plateau",
            "scheduler",
            f"The loss has stopped improving: its best in the last {k} epochs "
            f"({recent:.4g}) is no better than before ({before:.4g}). A scheduler "
            "that lowers the learning rate when progress stalls often lets it "
            "settle further.",
            Fix(
                "Add a ReduceLROnPlateau scheduler",
                (
                    Edit(
                        "set_value",
                        "training.scheduler",
                        {"type": "ReduceLROnPlateau", "patience": 3},
                    ),
                ),
            ),
        )


def _dropout_fix(model: ModelSpec) -> Fix | None:
    """Dropout after the last hidden activation (none there yet)."""
    layers = list(model.layers)
    for i in range(len(layers) - 1, -1, -1):
        if layers[i].type in _ACTIVATIONS and i < len(layers) - 1:
            if layers[i + 1].type == "Dropout":
                return None
            return Fix(
                f"Add Dropout(p=0.3) after layer {i + 1}",
                (
                    Edit(
                        "insert_layer",
                        index=i + 1,
                        layer={"type": "Dropout", "p": 0.3},
                    ),
                ),
            )
    return None
