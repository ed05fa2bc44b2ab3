"""Layers and models built from minigrad ops: ``Module``, ``Parameter`` and the standard layers.

The names and parameter layouts follow ``torch.nn``, so PyTorch weights load as they are.
"""

from minigrad.nn import functional, init
from minigrad.nn.export import export_torch_state_dict
from minigrad.nn.layers import Dropout, Embedding, LayerNorm, Linear
from minigrad.nn.module import LoadResult, Module, ModuleList, Parameter, ParameterList, Sequential
from minigrad.nn.rnn import LSTM, LSTMCell

__all__ = [
    "LSTM", "Dropout", "Embedding", "LSTMCell", "LayerNorm", "Linear", "LoadResult", "Module", "ModuleList",
    "Parameter", "ParameterList", "Sequential", "export_torch_state_dict", "functional", "init",
]

# torch.nn's activations, losses, shape layers, pooling, the GRU, functional and utils
from minigrad.nn import utils  # noqa: E402
from minigrad.nn.activation import (  # noqa: E402
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from minigrad.nn.flatten import AvgPool1d, Flatten, Identity, MaxPool1d, Unflatten  # noqa: E402
from minigrad.nn.gru import GRU, GRUCell  # noqa: E402
from minigrad.nn.loss import (  # noqa: E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)

__all__ += [
    "ELU", "GELU", "GRU", "AvgPool1d", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "GRUCell",
    "Hardtanh", "Identity", "L1Loss", "LeakyReLU", "LogSigmoid", "LogSoftmax", "MSELoss", "MaxPool1d", "NLLLoss",
    "ReLU", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softplus", "Tanh", "Unflatten", "utils",
]

# convolution and pooling over images (issue 24)
from minigrad.nn.batchnorm import BatchNorm1d, BatchNorm2d  # noqa: E402
from minigrad.nn.convolution import (  # noqa: E402
    AdaptiveAvgPool2d,
    AvgPool2d,
    Conv1d,
    Conv2d,
    ConvTranspose2d,
    MaxPool2d,
)
from minigrad.nn.module import ModuleDict  # noqa: E402
from minigrad.nn.multihead import MultiheadAttention  # noqa: E402

__all__ += ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "ConvTranspose2d",
            "MaxPool2d", "ModuleDict", "MultiheadAttention"]
