"""The op set: one file per kind of op, each Function with its user function right below it.

==================  ==========================================================================
``arguments.py``    what every op shares: numbers lifted to tensors, dtype promotion, ``dim``/``axis``
``elementwise.py``  + - * / **, exp, log, sqrt, tanh, sigmoid, relu, abs, maximum, clip, where, to,
                    clone, dropout
``compare.py``      < <= == … and & | ^ ~: boolean tensors, no gradient
``inplace.py``      ``x += y``, ``add_``, ``zero_``, ``copy_`` …: where autograd cannot be fooled
``pointwise.py``    log1p, expm1, softplus, erf, the step functions, remainder, and activations
``trig.py``         sin, cos, tan, their inverses, sinh, cosh
``reduce.py``       sum, mean, max, min, softmax, log_softmax, logsumexp, var, std, norm, pooling
``scan.py``         cumsum, prod, diff
``shape.py``        reshape, permute, broadcast_to, concat, split, and squeeze … tile composed of them
``index.py``        ``x[index]``, embedding, gather, scatter_add, sort, topk, one_hot
``move.py``         flip, roll, pad
``linalg.py``       matmul, linear, outer, tril, triu, scaled_dot_product_attention
``einsum.py``       einsum
``losses.py``       cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy
``conv.py``         unfold/fold (im2col and its transpose), conv1d, conv2d, conv_transpose2d, pooling
``normalization.py`` batch_norm, layer_norm, group_norm, composed of the reductions
==================  ==========================================================================

Each forward works on backend arrays through ``ctx.xp``; each backward is the chain rule
written with Tensor ops. None of them undoes broadcasting: the engine does that once, for every
op (``_sum_to`` in :mod:`minigrad.tensor`). The user function checks its arguments and says
clearly what is wrong; ``minigrad.functional`` and ``minigrad.nn.functional`` gather them all.

Each kind lists the ``Tensor`` methods it gives in ``METHODS``; this is the one place where they
are attached, so ``x.sin()`` is ``ops/trig.py``'s ``sin``.
"""

from __future__ import annotations

from minigrad.ops import (
    compare,
    conv,
    einsum,
    elementwise,
    index,
    inplace,
    linalg,
    losses,
    move,
    normalization,
    pointwise,
    reduce,
    scan,
    shape,
    trig,
)
from minigrad.tensor import Tensor

KINDS = (elementwise, compare, inplace, pointwise, trig, reduce, scan, shape, index, move, linalg, einsum, losses,
         conv, normalization)

for _kind in KINDS:
    for _name, _method in _kind.METHODS.items():
        setattr(Tensor, _name, _method)
