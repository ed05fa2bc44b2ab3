"""One training step on several processes (``mpiexec -n P minigrad-translate train ...``).

Every process builds the same batches (they depend on the seed and the epoch only) and keeps its
share of each: rank r the r-th of P contiguous runs of the batch's pairs. It runs forward and
backward on its share, and :func:`minigrad.distributed.average_gradients` turns the P gradients
into the gradient of the whole batch's mean loss, g = Σᵣ nᵣ gᵣ / Σᵣ nᵣ, weighting each by its
target tokens nᵣ. Clipping and the optimizer step then run on every process on the same numbers,
so the weights stay equal, and ``--batch-size`` is the global batch: 1 or P processes give the
same model up to float rounding (docs/distributed.md).
"""

from __future__ import annotations

from typing import Any

from minigrad import distributed, optim


def backward_share(model: Any, optimizer: optim.Optimizer, batch: Any, label_smoothing: float,
                   world: distributed.World) -> tuple[float, int]:
    """Forward and backward of this process's share of a batch (``None``: an empty share), then the
    whole batch's gradient on every process. Returns (loss × target tokens, target tokens), summed
    over the whole batch."""
    optimizer.zero_grad()
    loss, tokens = 0.0, 0
    if batch is not None:
        mean = model.loss(batch.source, batch.target_in, batch.target_out, label_smoothing)
        mean.backward()
        loss, tokens = mean.item(), batch.tokens
    total, loss_sum = distributed.average_gradients(model.parameters(), world, tokens, loss * tokens)
    return loss_sum, int(total)
