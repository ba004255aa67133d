"""The list of settings a search can change, as the Search page offers it."""

from __future__ import annotations

import pytest

from guinet._resources import example_projects
from guinet.core.project import Project
from guinet.core.search_space import SearchSpec, candidates, resolve_space


@pytest.mark.parametrize("path", example_projects(), ids=lambda p: p.stem)
def test_every_candidate_of_every_example_is_a_valid_entry(path):
    project = Project.load(path)
    found = candidates(project)
    assert found
    names = [c.name for c in found]
    assert len(names) == len(set(names))
    assert {"training.batch_size", "training.optimizer.type"} <= set(names)
    for candidate in found:
        spec = SearchSpec({"space": [candidate.entry]})
        (dim,) = resolve_space(project, spec)
        assert dim.name == candidate.name


def test_moons_offers_hidden_units_blocks_and_the_learning_rate_on_a_log_scale():
    project = Project.load(next(p for p in example_projects() if p.stem == "moons_mlp"))
    by_name = {c.name: c for c in candidates(project)}
    assert by_name["model.layers.0.out_features"].entry == {
        "param": "model.layers.0.out_features",
        "range": [8, 32],
    }
    assert "model.layers.4.out_features" not in by_name  # the output size
    assert "repeat.4-4" not in by_name  # the output layer is not repeated
    assert by_name["repeat.0-1"].label == "Repeat layers 1-2 (Linear, ReLU)"
    assert by_name["training.optimizer.lr"].entry == {
        "param": "training.optimizer.lr",
        "log": [0.001, 0.1],
    }
    assert by_name["training.batch_size"].entry["values"] == [16, 32, 64]
