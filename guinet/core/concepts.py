"""The concepts a beginner meets in guinet, each explained once.

One glossary, read by every control's tooltip (:func:`tooltip`, beside the
parameter's own help line), by the teaching hints (a hint names its
``concept``) and by the window's Help ▸ Concepts page. A sentence lives
here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """A term and the sentence that explains it to someone new to it."""

    term: str
    sentence: str


def _glossary(*entries: tuple[str, str]) -> dict[str, Concept]:
    glossary: dict[str, Concept] = {}
    for term, sentence in entries:
        if term in glossary:
            raise ValueError(f"concept {term!r} explained twice")
        glossary[term] = Concept(term, sentence)
    return glossary


#: term → concept, in the order the Concepts page lists them (roughly the
#: order a first lesson meets them).
CONCEPTS: dict[str, Concept] = _glossary(
    (
        "features",
        "Features are the input columns the model reads to make its prediction.",
    ),
    (
        "target",
        "The target is the column the model learns to predict from the features.",
    ),
    (
        "task",
        "The task is what the target holds: two classes (binary), several "
        "classes (multiclass) or numbers (regression).",
    ),
    (
        "missing values",
        "Missing values are empty cells; a network needs a number everywhere, "
        "so they are filled in or their rows dropped.",
    ),
    (
        "scaling",
        "Scaling puts every input feature on a similar range (for example mean "
        "0 and spread 1), so no feature dominates just because its numbers are "
        "bigger.",
    ),
    (
        "validation split",
        "The validation rows are held out from training and scored after every "
        "epoch: if the model keeps improving on training rows but gets worse "
        "here, it is overfitting.",
    ),
    (
        "test split",
        "The test rows are never used while training; they are scored once at "
        "the end to estimate how the model does on new data.",
    ),
    (
        "stratify",
        "Stratifying keeps the share of each class the same in the training, "
        "validation and test rows.",
    ),
    (
        "weights",
        "Weights (parameters) are the numbers a network learns; training nudges "
        "them, batch after batch, to make the loss smaller.",
    ),
    (
        "Linear",
        "A Linear layer (fully connected; Dense in Keras) gives each output a "
        "weighted sum of all its inputs plus a bias.",
    ),
    (
        "activation",
        "An activation function (ReLU, Tanh, Sigmoid) bends a layer's output; "
        "without one between them, stacked Linear layers are just one Linear "
        "layer.",
    ),
    (
        "ReLU",
        "ReLU keeps positive values and turns negatives into 0; a unit whose "
        "input is always negative outputs 0 forever and stops learning (a "
        "'dead' ReLU).",
    ),
    (
        "dropout",
        "Dropout switches off a random share of units at each training step, so "
        "the network cannot lean on any single one; it is off when predicting.",
    ),
    (
        "loss",
        "The loss is one number that says how wrong the predictions are; "
        "training changes the weights to make it smaller.",
    ),
    (
        "gradient",
        "The gradient says, for every weight, which way and how fast the loss "
        "changes; the optimizer steps against it.",
    ),
    (
        "optimizer",
        "The optimizer is the rule that turns the gradients into weight changes "
        "after each batch (SGD, Adam, ...).",
    ),
    (
        "learning rate",
        "The learning rate is how big a step the optimizer takes after each "
        "batch: too big and the loss jumps around or explodes, too small and it "
        "barely moves.",
    ),
    (
        "momentum",
        "Momentum lets each step keep part of the previous step's direction, "
        "like a ball rolling downhill, so training speeds through flat stretches "
        "and zig-zags less.",
    ),
    (
        "weight decay",
        "Weight decay pulls every weight a little towards zero at each step, so "
        "the model avoids relying on a few huge weights; it helps against "
        "overfitting.",
    ),
    (
        "epoch",
        "One epoch is one pass through all the training rows; training repeats "
        "epochs so the weights keep improving.",
    ),
    (
        "batch",
        "A batch is the group of rows the model sees before each weight update; "
        "small batches update often but noisily, large ones smoothly but less "
        "often.",
    ),
    (
        "scheduler",
        "A learning-rate scheduler changes the learning rate while training, "
        "usually lowering it so the model can settle into a minimum.",
    ),
    (
        "overfitting",
        "Overfitting is learning the training rows by heart, noise included: the "
        "training loss keeps falling while the validation loss rises.",
    ),
    (
        "early stopping",
        "Early stopping ends training once the watched value (usually the "
        "validation loss) has stopped improving for a while, and can put back "
        "the best weights.",
    ),
    (
        "monitor",
        "The monitored value is the number that early stopping and checkpoints "
        "watch to decide which epoch was best (usually the validation loss).",
    ),
    (
        "patience",
        "Patience is how many epochs early stopping waits for an improvement "
        "before it ends the run.",
    ),
    (
        "min delta",
        "Min delta is the smallest change that counts as an improvement; smaller "
        "wobbles of the watched value are ignored.",
    ),
    (
        "checkpoint",
        "A checkpoint is a copy of the weights (and where training was) saved "
        "on disk, to go back to or to continue from later.",
    ),
    (
        "seed",
        "The seed fixes the random choices (the first weights, the batch "
        "order), so the same settings give the same run again.",
    ),
    (
        "device",
        "The device is where the maths runs: the processor (CPU), or a graphics "
        "card (CUDA, Apple MPS) that is much faster for big models.",
    ),
)

#: The concept a setting teaches, by its parameter (or catalogue slot) name.
PARAMETER_CONCEPTS: dict[str, str] = {
    "target": "target",
    "features": "features",
    "task": "task",
    "missing": "missing values",
    "missing_values": "missing values",
    "scaling": "scaling",
    "validation": "validation split",
    "test": "test split",
    "stratify": "stratify",
    "out_features": "Linear",
    "p": "dropout",
    "loss": "loss",
    "optimizer": "optimizer",
    "lr": "learning rate",
    "momentum": "momentum",
    "weight_decay": "weight decay",
    "epochs": "epoch",
    "batch_size": "batch",
    "scheduler": "scheduler",
    "monitor": "monitor",
    "patience": "patience",
    "min_delta": "min delta",
    "seed": "seed",
    "device": "device",
}


def concept_for(name: str) -> Concept | None:
    """The concept behind the setting called ``name``, if it teaches one."""
    term = PARAMETER_CONCEPTS.get(name)
    return CONCEPTS[term] if term is not None else None


def tooltip(name: str, help_text: str = "") -> str:
    """A control's tooltip: its own help line, then the concept it teaches."""
    concept = concept_for(name)
    parts = [text for text in (help_text, concept.sentence if concept else "") if text]
    return "\n\n".join(parts)


def search(text: str) -> list[Concept]:
    """The concepts whose term or sentence holds every word of ``text``."""
    words = text.lower().split()
    return [
        concept
        for concept in CONCEPTS.values()
        if all(w in f"{concept.term} {concept.sentence}".lower() for w in words)
    ]
