"""The concept glossary: one sentence a concept, read by every tooltip."""

from __future__ import annotations

from guinet.core import concepts
from guinet.core.data.spec import DATA_PARAMS, SPLIT_PARAMS
from guinet.core.training.config import COMPONENTS, SETTINGS, TrainingSpec
from guinet.core.training.optimizers import OPTIMIZERS


def test_every_named_concept_is_explained_once_in_a_short_sentence() -> None:
    assert set(concepts.PARAMETER_CONCEPTS.values()) <= set(concepts.CONCEPTS)
    for concept in concepts.CONCEPTS.values():
        assert concept.sentence.endswith(".") and len(concept.sentence) < 220
    sentences = [c.sentence for c in concepts.CONCEPTS.values()]
    assert len(set(sentences)) == len(sentences)


def test_the_settings_a_beginner_meets_each_teach_their_concept() -> None:
    declared = {p.name for p in (*DATA_PARAMS, *SPLIT_PARAMS, *SETTINGS)}
    declared |= {slot.name for slot in COMPONENTS}
    declared |= {p.name for p in OPTIMIZERS["SGD"].params}
    for section in TrainingSpec.sections.values():
        declared |= {p.name for p in section.params}
    for name in (
        "epochs", "batch_size", "lr", "momentum", "weight_decay", "patience",
        "min_delta", "validation", "scaling", "loss", "optimizer", "scheduler",
    ):  # fmt: skip
        assert name in declared
        assert concepts.concept_for(name) is not None, name


def test_a_tooltip_is_the_help_line_then_the_concept() -> None:
    tip = concepts.tooltip("lr", "Step size.")
    assert tip == f"Step size.\n\n{concepts.CONCEPTS['learning rate'].sentence}"
    assert concepts.tooltip("out_channels", "Filters.") == "Filters."


def test_search_keeps_the_concepts_holding_every_word() -> None:
    assert [c.term for c in concepts.search("  ")] == list(concepts.CONCEPTS)
    assert [c.term for c in concepts.search("Dead RELU")] == ["ReLU"]
    assert concepts.search("no such words") == []
