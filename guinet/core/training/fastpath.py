"""Two ways to cut per-batch Python overhead without changing the arithmetic.

For a small model a training step is mostly overhead: a Python call per
module, and an optimizer that loops over every parameter tensor. Both are
trimmed here, only where the result is the same:

* :class:`FlatParameters` keeps all trainable weights in one contiguous
  tensor (each layer's weight is a view into it) and all gradients in another,
  so an element-wise optimizer updates one tensor and clearing the gradients
  is one ``zero_()``. Autograd accumulates into the gradient views in place
  (which is why big models, see :data:`FLAT_MAX_PARAMS`, are not flattened).
* :func:`plain_forward` calls each layer's ``forward`` directly when no hook
  is installed anywhere, which is exactly what ``Module.__call__`` would do.

:func:`multiply_adds` estimates a model's work per sample, so the trainer
can keep small models on one CPU thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.nn.modules import module as _module

Forward = Callable[[torch.Tensor], torch.Tensor]

#: Below this many multiply-adds per batch a CPU step is dominated by
#: per-operation overhead, which extra threads only add to (measured on MLPs
#: and a small CNN: the crossover lies between one and three million).
SMALL_WORK = 1 << 21

#: Flatten a model's parameters only up to this many: beyond it the per-tensor
#: overhead flattening saves is small, while accumulating each step's
#: gradients into the flat buffer (and zeroing it) costs a pass over them that
#: a loop setting gradients to None does not pay (measured on a 20-w-w-1 MLP
#: at batch 256, one thread: flat 1.1-1.2× faster at w=256 and 512 (≤ 274k
#: parameters), 6% slower at w=1024 (1.07M); benchmarks/engine_throughput.py).
FLAT_MAX_PARAMS = 1 << 19

_GLOBAL_HOOKS = (
    "_global_backward_pre_hooks",
    "_global_backward_hooks",
    "_global_forward_hooks",
    "_global_forward_pre_hooks",
)


class FlatParameters:
    """A module's trainable parameters as views into one flat parameter.

    Train with an optimizer over ``[flat.param]`` and clear gradients with
    :meth:`zero_grad`. The module keeps working as before (its parameters
    are still ``nn.Parameter`` objects; ``state_dict`` and ``load_state_dict``
    are unchanged). Only element-wise optimizers (SGD, Adam, …) may be used:
    they treat one long vector exactly like the separate tensors.
    """

    def __init__(self, params: list[torch.nn.Parameter]) -> None:
        first = params[0]
        total = sum(p.numel() for p in params)
        flat = torch.empty(total, dtype=first.dtype, device=first.device)
        grad = torch.zeros_like(flat)
        offset = 0
        with torch.no_grad():
            for p in params:
                size = p.numel()
                flat[offset : offset + size].copy_(p.reshape(-1))
                p.data = flat[offset : offset + size].view_as(p)
                p.grad = grad[offset : offset + size].view_as(p)
                offset += size
        self.param = torch.nn.Parameter(flat)
        self.param.grad = grad
        self.params = params

    @classmethod
    def of(cls, module: torch.nn.Module) -> FlatParameters | None:
        """Flatten ``module``'s trainable parameters, or ``None`` if they differ
        in dtype or device, are not plain dense floats, or there are none."""
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            return None
        first = params[0]
        if any(
            p.dtype != first.dtype
            or p.device != first.device
            or p.layout != torch.strided
            or not p.is_floating_point()
            or p.grad is not None
            for p in params
        ):
            return None
        return cls(params)

    def zero_grad(self) -> None:
        grad = self.param.grad
        if grad is not None:
            grad.zero_()


def plain_forward(model: torch.nn.Module) -> Forward:
    """``model``'s forward, calling its layers' ``forward`` directly if that is
    exactly what ``Module.__call__`` would do (a plain ``nn.Sequential`` with no
    hooks, not compiled, not being traced); else ``model`` itself."""
    if type(model) is not torch.nn.Sequential or _hooked(model):
        return model
    layers = [layer for layer in model]
    if any(_hooked(layer) for layer in layers):
        return model
    forwards = [layer.forward for layer in layers]

    def forward(x: torch.Tensor) -> torch.Tensor:
        for f in forwards:
            x = f(x)
        return x

    return forward


def _hooked(module: torch.nn.Module) -> bool:
    if torch._C._get_tracing_state() or module._compiled_call_impl is not None:
        return True
    if any(getattr(_module, name, True) for name in _GLOBAL_HOOKS):
        return True
    return bool(
        module._backward_hooks
        or module._backward_pre_hooks
        or module._forward_hooks
        or module._forward_pre_hooks
    )


def multiply_adds(model: torch.nn.Module, sample: torch.Tensor) -> int:
    """Roughly how many multiply-adds ``model`` spends on one ``sample``.

    Each layer with a ``weight`` costs the weight's size times the number of
    positions it is applied at (1 for Linear, the output pixels for a
    convolution), found by running the sample once with hooks.
    """
    total = 0

    def count(module: torch.nn.Module, args: Any, output: Any) -> None:
        nonlocal total
        weight = getattr(module, "weight", None)
        if not isinstance(weight, torch.Tensor) or not isinstance(output, torch.Tensor):
            return
        if isinstance(module, torch.nn.Embedding) or weight.dim() == 0:
            total += output.numel()
            return
        positions = max(1, output.numel() // max(1, int(weight.shape[0])))
        total += weight.numel() * positions

    handles = [
        m.register_forward_hook(count)
        for m in model.modules()
        if not list(m.children())
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.inference_mode():
            model(sample)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return total
