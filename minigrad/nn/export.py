"""Carrying trained weights to PyTorch: a ``state_dict`` in PyTorch's layout, as host arrays.

minigrad's layers use PyTorch's parameter names and shapes (``weight_ih_l0`` with the gates in
i, f, g, o order, Linear's weight as (out, in), ...), so the export is the state dict with each
tensor copied to a NumPy array. On the PyTorch side::

    import torch
    state = {name: torch.from_numpy(array) for name, array in export_torch_state_dict(model).items()}
    torch_model.load_state_dict(state)       # a torch model built with the same module names

and ``model.load_state_dict(torch_model.state_dict())`` brings weights back the other way.
"""

from __future__ import annotations

from typing import Any

from minigrad.nn.module import Module


def export_torch_state_dict(module: Module) -> dict[str, Any]:
    """Every parameter by dotted name, as a contiguous host (NumPy) array in PyTorch's layout."""
    return {name: tensor.numpy() for name, tensor in module.state_dict().items()}
