"""``minigrad.utils``: what sits beside the engine for a training loop; ``minigrad.utils.data`` for now."""

from minigrad.utils import data

__all__ = ["data"]
