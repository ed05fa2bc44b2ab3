"""The op set as functions: ``import minigrad.functional as F``, or ``import minigrad.nn.functional as F``.

The two are one file, word for word (a test holds them equal), so both spellings give the same
F: torch's ``torch.nn.functional`` names (losses, activations, ``linear``, pooling,
``scaled_dot_product_attention``) and the rest of the op set (``sin``, ``sum``, ``reshape``, ...).
Nothing is defined here: each op lives in ``minigrad/ops/<kind>.py``, its Function with its
user function right below it, and the map of the kinds is in :mod:`minigrad.ops`.
"""

from __future__ import annotations

from minigrad.ops import KINDS
from minigrad.ops.compare import *  # noqa: F403
from minigrad.ops.conv import *  # noqa: F403
from minigrad.ops.einsum import *  # noqa: F403
from minigrad.ops.elementwise import *  # noqa: F403
from minigrad.ops.index import *  # noqa: F403
from minigrad.ops.linalg import *  # noqa: F403
from minigrad.ops.losses import *  # noqa: F403
from minigrad.ops.move import *  # noqa: F403
from minigrad.ops.normalization import *  # noqa: F403
from minigrad.ops.pointwise import *  # noqa: F403
from minigrad.ops.reduce import *  # noqa: F403
from minigrad.ops.scan import *  # noqa: F403
from minigrad.ops.shape import *  # noqa: F403
from minigrad.ops.trig import *  # noqa: F403

__all__ = sorted(name for kind in KINDS for name in kind.__all__)
