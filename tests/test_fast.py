"""The fast layer (minigrad.fast): each piece does what the code it replaces does.

The fused LSTM is held equal to the composed one in tests/test_lstm.py (outputs, states and
every gradient, on cpu and strict); here, the buffer pool it takes its big arrays from.
"""

import numpy as np

from minigrad import backend
from minigrad.fast import buffers
from minigrad.fast.buffers import empty


def test_big_host_arrays_reuse_memory_only_when_nobody_holds_it(monkeypatch):
    # a pool of its own: free buffers that earlier tests left would be handed out first (the oldest
    # that fits), and the one this test frees would not be the one it gets back
    monkeypatch.setattr(buffers, "_pool", [])
    first = empty(np, (512, 1024), np.float32)  # 2 MiB
    owner = id(first.base)  # the buffer itself: holding it would keep it in use
    first[...] = 7.0
    view = first[10:20]
    del first
    second = empty(np, (512, 1024), np.float32)
    assert id(second.base) != owner  # a view of the first is alive: its memory is not handed out again
    np.testing.assert_array_equal(view, 7.0)
    del view, second
    third = empty(np, (200, 1024), np.float64)  # free again, and big enough for this
    assert id(third.base) == owner and third.shape == (200, 1024) and third.dtype == np.float64
    small = empty(np, (3, 4), np.float32)  # small arrays are plain np.empty
    assert small.base is None
    strict = backend.get_device("strict").xp
    assert backend.device_of(empty(strict, (512, 1024), np.float32)) == "strict"
