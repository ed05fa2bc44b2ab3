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
