"""``torch.nn.functional`` for minigrad: ``import minigrad.nn.functional as F``.

The activations and the rest of the op set come from :mod:`minigrad.functional`; the losses
from :mod:`minigrad.losses`, which sit above the ops.
"""

from minigrad.functional import dropout, embedding, log_softmax, logsumexp, relu, sigmoid, softmax, tanh
from minigrad.losses import cross_entropy, mse_loss, nll_loss

__all__ = ["cross_entropy", "dropout", "embedding", "log_softmax", "logsumexp", "mse_loss", "nll_loss", "relu",
           "sigmoid", "softmax", "tanh"]
