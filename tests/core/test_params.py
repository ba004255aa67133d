"""Parameter declarations: type coercion, range problems, typed text, registries."""

from __future__ import annotations

import math
from typing import Any

import pytest

from guinet.core.layers import LAYERS
from guinet.core.params import Param, ParamError, Registry, check_args

DROPOUT_P = LAYERS["Dropout"].param("p")
CONV_PADDING = LAYERS["Conv2d"].param("padding")
CONV_KERNEL = LAYERS["Conv2d"].param("kernel_size")
POOL_STRIDE = LAYERS["MaxPool2d"].param("stride")
UNFLATTEN_SIZE = LAYERS["Unflatten"].param("unflattened_size")
EPS = LAYERS["BatchNorm1d"].param("eps")


# -- coerce: the type only ---------------------------------------------------------
@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (Param("n", "int"), 3, 3),
        (Param("n", "int"), 3.0, 3),
        (Param("x", "float"), 1, 1.0),
        (Param("x", "float"), 0.25, 0.25),
        (Param("b", "bool"), False, False),
        (Param("s", "str"), "hello", "hello"),
        (Param("c", "choice", choices=("a", "b")), "b", "b"),
        (CONV_KERNEL, 3, 3),
        (CONV_KERNEL, [3, 5], [3, 5]),
        (CONV_KERNEL, (3, 5), [3, 5]),
        (CONV_KERNEL, [3.0, 5.0], [3, 5]),
        (CONV_PADDING, "same", "same"),
        (CONV_PADDING, "valid", "valid"),
        (UNFLATTEN_SIZE, [1, 28, 28], [1, 28, 28]),
        (UNFLATTEN_SIZE, (4,), [4]),
        (POOL_STRIDE, None, None),
    ],
)
def test_coerce_accepts_and_canonicalises(
    param: Param, value: Any, expected: Any
) -> None:
    result = param.coerce(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("param", "value", "words"),
    [
        (Param("n", "int"), True, "whole number"),  # bool is not an int
        (Param("n", "int"), 3.5, "whole number"),
        (Param("n", "int"), "3", "whole number"),
        (Param("x", "float"), True, "a number"),
        (Param("x", "float"), "0.1", "a number"),
        (Param("b", "bool"), 1, "true or false"),
        (Param("s", "str"), 3, "text"),
        (Param("c", "choice", choices=("a", "b")), "c", "one of 'a', 'b'"),
        (CONV_KERNEL, True, "list of numbers"),
        (CONV_KERNEL, [3, True], "list of numbers"),
        (CONV_KERNEL, [], "list of numbers"),
        (CONV_KERNEL, "same", "list of numbers"),  # kernel has no named choices
        (CONV_KERNEL, [3, 2.5], "list of numbers"),
        (CONV_PADDING, "full", "list of numbers"),
        (UNFLATTEN_SIZE, 28, "list of whole numbers"),
        (UNFLATTEN_SIZE, [], "list of whole numbers"),
        (UNFLATTEN_SIZE, [1, "28"], "list of whole numbers"),
        (Param("n", "int"), None, "must not be empty"),
    ],
)
def test_coerce_rejects_wrong_types(param: Param, value: Any, words: str) -> None:
    with pytest.raises(ParamError, match=param.name) as info:
        param.coerce(value)
    assert words in str(info.value)


def test_coerce_keeps_out_of_range_values_for_problem_to_report() -> None:
    assert DROPOUT_P.coerce(1.5) == 1.5
    assert CONV_KERNEL.coerce(0) == 0
    assert DROPOUT_P.problem(1.5) == "p must be in [0, 1), not 1.5"


# -- problem: the range ------------------------------------------------------------
@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (DROPOUT_P, 0.0, None),
        (DROPOUT_P, 0.999, None),
        (DROPOUT_P, 1.0, "p must be in [0, 1), not 1"),
        (DROPOUT_P, -0.1, "p must be in [0, 1), not -0.1"),
        (DROPOUT_P, math.inf, "p must be a finite number"),
        (DROPOUT_P, math.nan, "p must be a finite number"),
        (EPS, 1e-5, None),
        (EPS, 0.0, "eps must be > 0, not 0"),
        (CONV_KERNEL, 3, None),
        (CONV_KERNEL, [3, 0], "kernel_size must be ≥ 1, not [3, 0]"),
        (CONV_KERNEL, 0, "kernel_size must be ≥ 1, not 0"),
        (CONV_PADDING, "same", None),
        (CONV_PADDING, -1, "padding must be ≥ 0, not -1"),
        (UNFLATTEN_SIZE, [1, 0], "unflattened_size must be ≥ 1, not [1, 0]"),
        (POOL_STRIDE, None, None),
        (
            LAYERS["Linear"].param("out_features"),
            2_000_000,
            "out_features must be in [1, 1000000], not 2000000",
        ),
        (Param("b", "bool"), True, None),
        (
            Param("x", "float", maximum=1.0, exclusive_max=True),
            1.0,
            "x must be < 1, not 1",
        ),
        (Param("x", "float", maximum=1.0), 1.5, "x must be ≤ 1, not 1.5"),
        (
            Param("x", "float", minimum=0.0, maximum=1.0, exclusive_min=True),
            0.0,
            "x must be in (0, 1], not 0",
        ),
    ],
)
def test_problem_names_the_range(param: Param, value: Any, message: str | None) -> None:
    assert param.problem(value) == message


def test_range_text_without_bounds() -> None:
    assert Param("x", "float").range_text() == "any value"
    assert Param("x", "float").problem(-1e300) is None


# -- parse: what a person typed ----------------------------------------------------
@pytest.mark.parametrize(
    ("param", "text", "expected"),
    [
        (CONV_KERNEL, "3, 5", [3, 5]),
        (CONV_KERNEL, " 3 ", 3),
        (CONV_KERNEL, "3x5", [3, 5]),
        (CONV_KERNEL, "3×5", [3, 5]),
        (CONV_KERNEL, "(3, 5)", [3, 5]),
        (CONV_PADDING, "same", "same"),
        (CONV_PADDING, "1", 1),
        (POOL_STRIDE, "", None),
        (POOL_STRIDE, "= kernel", None),
        (POOL_STRIDE, "2", 2),
        (UNFLATTEN_SIZE, "1, 28, 28", [1, 28, 28]),
        (UNFLATTEN_SIZE, "28", [28]),
        (UNFLATTEN_SIZE, "[1, 28, 28]", [1, 28, 28]),
        (CONV_KERNEL, "3 5", [3, 5]),
        (Param("n", "int"), "-1", -1),
        (DROPOUT_P, "0.25", 0.25),
        (EPS, "1e-3", 1e-3),
        (Param("b", "bool"), "yes", True),
        (Param("b", "bool"), "Off", False),
        (Param("c", "choice", choices=("a", "b")), "a", "a"),
        (Param("s", "str"), "  words ", "words"),
        (LAYERS["Embedding"].param("padding_idx"), "none", None),
    ],
)
def test_parse_typed_text(param: Param, text: str, expected: Any) -> None:
    assert param.parse(text) == expected


@pytest.mark.parametrize(
    ("param", "text"),
    [
        (LAYERS["Linear"].param("out_features"), ""),
        (LAYERS["Linear"].param("out_features"), "twelve"),
        (LAYERS["Linear"].param("out_features"), "1.5"),
        (DROPOUT_P, "half"),
        (CONV_KERNEL, "3, five"),
        (CONV_KERNEL, "same"),
        (Param("b", "bool"), "maybe"),
        (Param("c", "choice", choices=("a", "b")), "z"),
    ],
)
def test_parse_rejects_text_with_a_param_error(param: Param, text: str) -> None:
    with pytest.raises(ParamError, match=param.name):
        param.parse(text)


@pytest.mark.parametrize(
    ("param", "value", "text"),
    [
        (CONV_KERNEL, [3, 5], "3, 5"),
        (CONV_KERNEL, 3, "3"),
        (POOL_STRIDE, None, "= kernel"),
        (DROPOUT_P, 0.25, "0.25"),
        (EPS, 1e-5, "1e-05"),
        (Param("b", "bool"), True, "yes"),
        (CONV_PADDING, "same", "same"),
    ],
)
def test_format_and_parse_round_trip(param: Param, value: Any, text: str) -> None:
    assert param.format(value) == text
    assert param.parse(text) == value


# -- declarations ------------------------------------------------------------------
def test_bad_declarations_raise() -> None:
    with pytest.raises(ValueError, match="unknown parameter kind"):
        Param("x", "complex")
    with pytest.raises(ValueError, match="declares no choices"):
        Param("x", "choice")


def test_title_prefers_the_label() -> None:
    assert Param("out_features", "int").title == "Out features"
    assert Param("p", "float", label="Drop rate").title == "Drop rate"


def test_registry_keeps_order_and_refuses_duplicates() -> None:
    registry: Registry[int] = Registry("widget")
    assert registry.register("b", 2) == 2
    registry.register("a", 1)
    assert list(registry) == ["b", "a"]
    assert len(registry) == 2
    assert "a" in registry
    assert "c" not in registry
    assert registry.get("c") is None
    assert registry.items() == [("b", 2), ("a", 1)]
    assert registry.values() == [2, 1]
    with pytest.raises(KeyError, match="widget 'a' is already registered"):
        registry.register("a", 3)
    assert registry["a"] == 1
    with pytest.raises(KeyError, match="unknown widget 'c'; known: b, a"):
        registry["c"]


def test_the_layer_catalogue_refuses_a_second_linear() -> None:
    with pytest.raises(KeyError, match="already registered"):
        LAYERS.register("Linear", LAYERS["Linear"])
    assert LAYERS["Linear"].key == "Linear"


def test_check_args_coerces_and_names_unknown_arguments() -> None:
    params = LAYERS["Linear"].params
    assert check_args(params, {"out_features": 12.0}, "Linear") == {"out_features": 12}
    with pytest.raises(
        ParamError,
        match=r"Linear has no parameter 'units' \(it takes: "
        r"out_features, bias\)",
    ):
        check_args(params, {"units": 12}, "Linear")
    with pytest.raises(ParamError, match="it takes: none"):
        check_args(LAYERS["ReLU"].params, {"inplace": True}, "ReLU")
