"""The reference of the ``.guinet`` project file, generated from the declarations.

``docs/project-file.md`` is this module's output: the hand-written contract
(:func:`intro_part`) followed by one table per typed section and the lists of
every catalogue, all read from the same :class:`~guinet.core.params.Param`
and :class:`~guinet.core.sections.ComponentSlot` declarations the app uses.
Regenerate it after changing a declaration::

    python -m guinet.core.docs --write

Each part of the page is one function returning markdown; :data:`PARTS` lists
them in order, so a new part (a table per data source kind, say) is one more
function in that list. Nothing here imports torch or Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from guinet.core.data.builtin import BUILTIN_DATASETS
from guinet.core.data.spec import DataSpec, SplitSpec
from guinet.core.layers import CATEGORIES, LAYERS
from guinet.core.lessons import CONTROLS, LessonSpec
from guinet.core.model import MAX_LAYERS
from guinet.core.params import Param
from guinet.core.project import FORMAT_VERSION, MAX_DEPTH, MAX_FILE_BYTES
from guinet.core.sections import ComponentSlot, Section
from guinet.core.training.checkpoints import CheckpointSettings
from guinet.core.training.config import AUTO_LOSSES, TrainingSpec
from guinet.core.training.early_stopping import EarlyStoppingSettings
from guinet.core.training.losses import LOSSES
from guinet.core.training.optimizers import OPTIMIZERS
from guinet.core.training.schedulers import SCHEDULERS

#: Where the generated page lives, relative to the repository root.
DOC_PATH = Path("docs") / "project-file.md"
#: The command that regenerates :data:`DOC_PATH` (said by the staleness test).
REGENERATE = "python -m guinet.core.docs --write"


# -- formatting helpers ------------------------------------------------------------
def _cell(text: str) -> str:
    """``text`` safe inside a table cell (no pipes, no line breaks)."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: Any) -> str:
    """A value as the file writes it (JSON), in backticks."""
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _name(text: str) -> str:
    return f"`{text}`"


def default_text(param: Param) -> str:
    """The default as the file writes it; *required* where there is none."""
    if param.default is None and not param.optional:
        return "*required*"
    return _code(param.default)


def values_text(param: Param) -> str:
    """What values ``param`` takes, in words (kind, range or choices)."""
    kind = param.kind
    if kind == "choice":
        text = ", ".join(_code(c) for c in param.choices)
    elif kind == "bool":
        text = "`true`, `false`"
    elif kind in ("int", "float"):
        noun = "whole number" if kind == "int" else "number"
        bounds = param.range_text()
        text = noun if bounds == "any value" else f"{noun} {bounds}"
    elif kind == "str":
        text = "text"
    elif kind == "texts":
        text = "a list of texts"
    elif kind == "column":
        text = "a column name, or its number (0-based, negative from the end)"
    elif kind == "columns":
        text = "a list of column names or numbers"
    elif kind in ("ints", "shape"):
        bounds = param.range_text()
        each = "" if bounds == "any value" else f" {bounds}"
        if kind == "ints":
            text = f"whole number{each}, or a list of them (one per dimension)"
            if param.choices:
                text += ", or " + ", ".join(_code(c) for c in param.choices)
        else:
            text = "a list of whole numbers" + (f", each{each}" if each else "")
    if param.optional:
        text += f", or `null` ({param.none_label})"
    return text


def _param_row(param: Param) -> str:
    key = _name(param.name) + (" (advanced)" if param.advanced else "")
    return (
        f"| {key} | {default_text(param)} | {_cell(values_text(param))} "
        f"| {_cell(param.help)} |"
    )


def _table(rows: Iterable[str]) -> str:
    header = ["| key | default | values | meaning |", "| --- | --- | --- | --- |"]
    return "\n".join([*header, *rows])


def params_table(params: Iterable[Param]) -> str:
    """The key | default | values | meaning table of ``params``."""
    return _table(_param_row(p) for p in params)


def _slot_default(slot: ComponentSlot) -> str:
    if slot.default is not None:
        return _code({"type": slot.default})
    if slot.auto_label:
        return f"*{slot.auto_label}* (key left out)"
    label = slot.none_label
    return f"`null`: {label[:1].lower()}{label[1:]}"


def _slot_row(slot: ComponentSlot) -> str:
    values = f'`{{"type": <{slot.registry.what}>, <argument>: value, …}}`'
    if slot.optional:
        values += ", or `null`" if not slot.auto_label else ", or left out"
    return (
        f"| {_name(slot.name)} | {_cell(_slot_default(slot))} | {values} "
        f"| {_cell(slot.help)} |"
    )


def components_table(slots: Iterable[ComponentSlot]) -> str:
    """The table of a section's catalogue picks (loss, optimizer, scheduler)."""
    return _table(_slot_row(s) for s in slots)


def section_part(
    section: type[Section], heading: str, intro: str = "", level: int = 2
) -> str:
    """One section: its heading, ``intro``, its catalogue picks and its keys.

    Nested sections get their own part (see :data:`PARTS`); here they are
    named in a line only.
    """
    out = [f"{'#' * level} {heading}"]
    if intro:
        out.append(intro)
    if section.components:
        out.append(components_table(section.components))
    if section.params:
        out.append(params_table(section.params))
    if section.sections:
        nested = ", ".join(
            f"`{key}` ({_name(section_type.where)})"
            for key, section_type in section.sections.items()
        )
        out.append(f"Nested sections: {nested}, below.")
    return "\n\n".join(out)


def _argument(param: Param) -> str:
    line = f"`{param.name}` = {default_text(param)} ({values_text(param)})"
    if param.advanced:
        line += " (advanced)"
    if param.help:
        line += f" — {' '.join(param.help.split())}"
    return line


def _arguments(params: tuple[Param, ...], indent: str = "  ") -> list[str]:
    if not params:
        return [f"{indent}- no arguments"]
    return [f"{indent}- {_argument(p)}" for p in params]


def _title(key: str, label: str) -> str:
    """``label`` without a leading repeat of ``key`` (``"Adam — adaptive …"``)."""
    rest = label[len(key) :].lstrip(" —-") if label.startswith(key) else label
    return f"**`{key}`**" + (f" — {rest}" if rest and rest != key else "")


# -- the parts of the page ---------------------------------------------------------
def _top_level() -> tuple[tuple[str, str], ...]:
    """The project's top-level keys and what they mean (hand-written)."""
    return (
        (
            "guinet",
            f"format number, `{FORMAT_VERSION}`. A newer number is refused with a "
            "message naming the file.",
        ),
        (
            "name",
            "the project's title; without one (or with the file's own name) "
            'it follows the file name: `my.guinet` is "my".',
        ),
        ("data", "where the data comes from and how it is prepared (below)."),
        (
            "model.input_shape",
            "one sample's shape without the batch, e.g. `[8]` or `[1, 28, 28]`; "
            "written from the data once data is loaded.",
        ),
        (
            "model.layers",
            'the stack: `{"type": <torch.nn class>, <constructor argument>: value, '
            "…}` (layer types below). Sizes that follow from the input "
            "(`in_features`, `in_channels`, `num_features`, `normalized_shape`) "
            "are never written.",
        ),
        (
            "training",
            "loss, optimizer, scheduler, batch size, epochs, device, seed, early "
            "stopping and checkpoints (below).",
        ),
        (
            "hints.dismissed",
            "the teaching hints dismissed in this project, by key (e.g. "
            '`"hint.linear_collapse.0"`, `"hint.overfitting"`); left out, every '
            "hint shows.",
        ),
        (
            "lesson",
            "*(added)* what a class reads and may touch: the explanation shown "
            "beside the project, the page it opens on, hidden and locked controls "
            "(below). A project without one is no lesson.",
        ),
        (
            "search",
            "*(added)* the hyperparameter search: the settings it may change "
            "and its study settings (below).",
        ),
    )


def _top_level_table() -> str:
    lines = ["| key | meaning |", "| --- | --- |"]
    lines += [f"| {_name(key)} | {meaning} |" for key, meaning in _top_level()]
    return "\n".join(lines)


def intro_part() -> str:
    """The contract and the facts that are not declarations."""
    return f"""\
# The `.guinet` project file (format {FORMAT_VERSION})

<!-- Generated by `{REGENERATE}` from the declarations in guinet/core;
     edit those (or guinet/core/docs.py), not this file. -->

A project is one JSON object. design.md fixes the keys below as a public
contract; guinet only ever *adds* keys, and keeps keys it does not know when
it saves (load-then-save gives back the same file). Paths are relative to the
project file; saving it to another folder rewrites them.

{_top_level_table()}

A key left out takes its default. Keys marked *(advanced)* are rarer settings:
forms show them behind "More options" and a new project's file leaves them
out. A value that cannot be used does not stop the project from opening: it
is reported (with where it is) and its default is used until it is fixed.

**Format versions.** The `guinet` number is raised only when a change could
not be read by an older guinet. A file of a newer format than this guinet
reads ({FORMAT_VERSION}) is refused, with a message saying to update guinet.
Older formats are brought up to date on load by the migration hook
(`guinet.core.project.MIGRATIONS`: format number → the function that turns a
file of that format into the next one), and saved in the current format.

**Limits.** A project file is refused, with a message naming it, when it is
larger than {MAX_FILE_BYTES // 2**20} MB, nests objects or lists more than \
{MAX_DEPTH} deep, holds an
integer too long for Python to read, or lists more than {MAX_LAYERS:,} layers.
A model that needs more memory than the machine (or the GPU it would train
on) has — weights, gradients, optimizer state and one batch's activations,
counted on the meta device — is a model error before anything is built.

**Checkpoint files** hold tensors and JSON only (model, optimizer, scheduler
and early-stopping state, epoch, random-number states, the curves, and the
project JSON they were trained from); guinet opens them with
`torch.load(weights_only=True)` and refuses any file that would run code."""


def data_part() -> str:
    return section_part(
        DataSpec,
        "`data`",
        "Where the data comes from and how it is prepared. `source` (and "
        "*(added)* `validation_source`, `test_source`) are described below; "
        "the other keys are:",
    )


def source_part() -> str:
    """``data.source`` and its kinds (hand-written until the kinds are declared)."""
    names = ", ".join(_name(k) for k in BUILTIN_DATASETS)
    return f"""\
### `data.source`

`{{"kind": "csv"|"tsv"|"parquet"|"xlsx"|"npz"|"npy"|"images"|"builtin", …}}`.
Files have `path` (and optionally `header`: `"auto"`/`true`/`false`,
`delimiter`, `encoding`, `sheet`); `npz` has `x` and `y` array names; `images`
has `size` `[h, w]` and `color` `"grayscale"`/`"rgb"`; `builtin` has `name`
(one of {names}) and the set's parameters (see *Built-in datasets* below).

`validation_source`, `test_source` *(added)*: separate files, same form as
`source`, used instead of a split."""


def split_part() -> str:
    return section_part(
        SplitSpec,
        "`data.split`",
        "How the rows of `source` are split; the validation and test fractions "
        "must leave rows for training.",
        level=3,
    )


def training_part() -> str:
    auto = ", ".join(f"{task}: `{loss}`" for task, loss in AUTO_LOSSES.items())
    return section_part(
        TrainingSpec,
        "`training`",
        "`loss`, `optimizer` and `scheduler` name catalogue entries (below) as "
        '`{"type": <torch class name>, <argument>: value, …}`; arguments left '
        "out take their defaults.\n\n"
        "With no `loss` key the loss is **auto**: it is picked from the data's "
        f"task and the model's last layer ({auto}; two outputs or a final "
        "`Softmax` on two classes train with `CrossEntropyLoss`, a final "
        "`LogSoftmax` with `NLLLoss`), and nothing is written until a loss is "
        "picked. With no `scheduler` (or `null`) the learning rate stays "
        "constant. `device` is `auto`, `cpu`, `cuda` (or `cuda:N`) or `mps`.",
    )


def early_stopping_part() -> str:
    return section_part(
        EarlyStoppingSettings,
        "`training.early_stopping`",
        "When to stop a run that has stopped improving. `null` switches it off.",
        level=3,
    )


def checkpoint_part() -> str:
    return section_part(
        CheckpointSettings,
        "`training.checkpoint`",
        "What is saved while training, and where. `null` switches it off.",
        level=3,
    )


def lesson_part() -> str:
    controls = "\n".join(f"- `{key}`: {words}" for key, words in CONTROLS.items())
    return (
        section_part(
            LessonSpec,
            "`lesson`",
            "A project saved as a lesson (File ▸ Save as Lesson…). `expected` "
            '(`{"metric": "accuracy", "at_least": 0.95}`, or `at_most` for a '
            "loss or an error) states `result` as numbers, for the test that "
            "trains every bundled example. `hidden` and `locked` name controls "
            "from this list; an id guinet does not know is kept and reported as "
            "a note, never an error:",
        )
        + "\n\n"
        + controls
    )


def search_part() -> str:
    from guinet.core.search_space import SearchSpec

    return section_part(
        SearchSpec,
        "`search`",
        "*(added)* What a hyperparameter search (`guinet tune`) may change, and "
        "how the study runs. A project without one saves without one. `space` "
        "is a list of entries; each names what it changes and one domain:\n\n"
        '- `{"param": "model.layers.<i>.<argument>", …}` — an argument that layer '
        "`i`'s type declares (0-based, as `model.layers` lists them), e.g. "
        "`model.layers.0.out_features`, `model.layers.3.p`, "
        "`model.layers.0.kernel_size`;\n"
        '- `{"param": "training.<setting>", …}` — `training.batch_size`, '
        "`training.epochs`, `training.early_stopping.patience`, …; "
        "`training.optimizer.type` (values only: the new optimizer keeps the "
        "learning rate and weight decay); `training.optimizer.<argument>` "
        "(`lr`, `weight_decay`, `momentum`, …), skipped in a trial whose "
        "optimizer does not take it;\n"
        '- `{"repeat": [first, last], …}` — layers `first` to `last` (both '
        "included) as a block that appears *count* times in a row (1: as the "
        "file has it). Blocks must not overlap; layer arguments name the layers "
        "as the file lists them, and a repeated block copies them.\n\n"
        "The domain is one of `values` (a non-empty list), `range` (`[low, "
        "high]` or `[low, high, step]`, both ends included; whole numbers for a "
        "whole-number setting) or `log` (`[low, high]`, both above zero, drawn "
        "evenly on a log scale). A grid search takes values or ranges with a "
        "step. A trial's parameters are named by these paths (`repeat.2-3` for "
        "a block). Example:\n\n"
        "```json\n"
        '"search": {\n'
        '  "sampler": "tpe", "trials": 20, "metric": null, "pruner": true,\n'
        '  "space": [\n'
        '    {"param": "training.optimizer.lr", "log": [0.0001, 0.1]},\n'
        '    {"param": "model.layers.0.out_features", "range": [4, 64, 4]},\n'
        '    {"param": "training.batch_size", "values": [16, 32, 64]},\n'
        '    {"repeat": [2, 3], "range": [1, 3]}\n'
        "  ]\n"
        "}\n"
        "```",
    )


def _catalogue(registry: Any, extra: Callable[[Any], str] | None = None) -> str:
    lines: list[str] = []
    for key, entry in registry.items():
        head = f"- {_title(key, entry.label)}"
        explanation = " ".join(getattr(entry, "explanation", "").split())
        if explanation:
            head += f". {explanation}"
        if extra is not None:
            head += extra(entry)
        lines.append(head)
        lines.extend(_arguments(entry.params))
    return "\n".join(lines)


def losses_part() -> str:
    def fits(entry: Any) -> str:
        return f" Fits: {', '.join(entry.tasks)}."

    return "### Losses (`training.loss`)\n\n" + _catalogue(LOSSES, fits)


def optimizers_part() -> str:
    return "### Optimizers (`training.optimizer`)\n\n" + _catalogue(OPTIMIZERS)


def schedulers_part() -> str:
    return "### Schedulers (`training.scheduler`)\n\n" + _catalogue(SCHEDULERS)


def datasets_part() -> str:
    lines = [
        "### Built-in datasets (`data.source`, kind `builtin`)",
        "",
        '`{"kind": "builtin", "name": <key>, <parameter>: value, …}`.',
        "",
    ]
    for key, entry in BUILTIN_DATASETS.items():
        description = " ".join(entry.description.split())
        task = "" if entry.task in entry.label else f" ({entry.task})"
        lines.append(f"- {_title(key, entry.label)}{task}. {description}")
        lines.extend(_arguments(entry.params))
    return "\n".join(lines)


def layers_part() -> str:
    lines = [
        "### Layer types (`model.layers`)",
        "",
        '`{"type": <key>, <argument>: value, …}`; *required* arguments have no '
        "default and must be written.",
    ]
    categories = list(CATEGORIES)
    categories += [e.category for e in LAYERS.values() if e.category not in categories]
    for category in dict.fromkeys(categories):
        entries = [e for e in LAYERS.values() if e.category == category]
        if not entries:
            continue
        lines += ["", f"**{category}**", ""]
        for entry in entries:
            head = f"- {_title(entry.key, entry.label)}"
            explanation = " ".join(entry.explanation.split())
            if explanation:
                head += f". {explanation}"
            lines.append(head)
            lines.extend(_arguments(entry.params))
    return "\n".join(lines)


def catalogues_part() -> str:
    return (
        "## Catalogues\n\n"
        "The names the file may use for components, datasets and layers, each "
        "with its arguments as `name` = default (values) — meaning."
    )


#: The page, part by part, in order.
PARTS: list[Callable[[], str]] = [
    intro_part,
    data_part,
    source_part,
    split_part,
    training_part,
    early_stopping_part,
    checkpoint_part,
    lesson_part,
    search_part,
    catalogues_part,
    losses_part,
    optimizers_part,
    schedulers_part,
    datasets_part,
    layers_part,
]


def project_file_markdown() -> str:
    """The whole of ``docs/project-file.md``."""
    return "\n\n".join(part().strip("\n") for part in PARTS) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guinet.core.docs",
        description=f"Print (or --write) the project-file reference, {DOC_PATH}.",
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=str(DOC_PATH),
        metavar="PATH",
        help=f"write the page to PATH (default: {DOC_PATH}) instead of printing it",
    )
    args = parser.parse_args(argv)
    text = project_file_markdown()
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {args.write}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
