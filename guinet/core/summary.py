"""A Keras-style text summary of a model: layer, output shape, parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guinet.core.model import ModelSpec, format_shape

if TYPE_CHECKING:
    from guinet.core.model import ModelAnalysis


def human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def params_size(analysis: ModelAnalysis) -> str:
    """The parameters' size: what ``guinet summary`` calls "Total params" and
    the Model page shows beside the count (the one place both take it from)."""
    return human_bytes(analysis.param_bytes)


def buffers_size(analysis: ModelAnalysis) -> str | None:
    """The size of the buffers (BatchNorm's running statistics), if any: kept
    apart from the parameters, which are what an optimizer trains."""
    buffers = analysis.size_bytes - analysis.param_bytes
    return human_bytes(buffers) if buffers else None


def summary_table(model: ModelSpec, title: str = "") -> str:
    """The table ``guinet summary`` prints; problems appear under their layer."""
    analysis = model.analyze()
    rows = [("", "Input", "", format_shape(analysis.input_shape), "")]
    notes: dict[int, str] = {}
    for spec, info in zip(model.layers, analysis.layers, strict=True):
        rows.append(
            (
                str(info.index + 1),
                spec.type,
                spec.describe(),
                format_shape(info.output_shape),
                f"{info.params:,}" if info.output_shape is not None else "?",
            )
        )
        if info.error:
            notes[len(rows) - 1] = info.error
    header = ("#", "Layer", "Arguments", "Output shape", "Param #")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(5)]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            row[0].rjust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].ljust(widths[2]),
            row[3].ljust(widths[3]),
            row[4].rjust(widths[4]),
        ]
        return "  ".join(cells).rstrip()

    rule = "─" * len(line(tuple(" " * w for w in widths)).ljust(sum(widths) + 8))
    out = []
    if title:
        out.append(f'Model: "{title}"')
    out += [rule, line(header), rule]
    for i, row in enumerate(rows):
        out.append(line(row))
        if i in notes:
            out.append(" " * (widths[0] + 2) + "✗ " + notes[i])
    out.append(rule)
    total, trainable = analysis.total_params, analysis.trainable_params
    per_param = analysis.param_bytes / total if total else 4
    frozen = total - trainable
    out.append(f"Total params: {total:,} ({params_size(analysis)})")
    out.append(
        f"Trainable params: {trainable:,} ({human_bytes(trainable * per_param)})"
    )
    out.append(f"Non-trainable params: {frozen:,} ({human_bytes(frozen * per_param)})")
    buffers = buffers_size(analysis)
    if buffers is not None:
        out.append(f"Buffers (running statistics): {buffers}")
    out.append(f"Output shape: {format_shape(analysis.output_shape)}")
    if analysis.error:
        out.append(f"✗ {analysis.error}")
    return "\n".join(out)
