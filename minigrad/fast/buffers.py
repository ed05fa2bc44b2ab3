"""Big host arrays that reuse memory already mapped: ``empty``, in place of ``numpy.empty``.

Replaces: ``xp.empty`` for the fused LSTM's big arrays (gates, states, their gradients).
Why: a fresh multi-megabyte NumPy array costs a page fault per 4 KiB page the first time it is
written, several microseconds each on a virtual machine: about 10 ms for one LSTM layer's gates
at every training step (measured: encoder forward 57 → 45 ms, median of 22, interleaved; see
docs/performance.md). CuPy keeps a memory pool of its own, so on a GPU this is ``cupy.empty``.
How: a buffer is free when no array holds it any more, which CPython's reference count tells.
Held by: ``tests/test_fast.py`` (a buffer in use, or viewed, is never handed out twice; free
ones are), and the fused-vs-composed LSTM test, which runs through it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

_POOL_MIN_BYTES = 1 << 20  # smaller arrays come from malloc's own free lists anyway
_POOL_MAX_BYTES = 256 << 20  # free buffers beyond this are let go, the oldest first
_pool: list[np.ndarray] = []  # byte buffers handed out before, the most recently used last
_pool_lock = threading.Lock()  # two threads must never get the same free buffer


def _new_lock_in_child() -> None:
    """After ``fork`` only the forking thread lives on: a lock another thread held would stay held."""
    global _pool_lock
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_new_lock_in_child)


def empty(xp: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """``xp.empty(shape, dtype)``; on the CPU a big array may reuse a buffer that nobody holds.

    A buffer is reused for a request of at least half its size, and free buffers past 256 MiB
    in all are dropped.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if xp is not np or nbytes < _POOL_MIN_BYTES:
        return xp.empty(shape, dtype=dtype)
    with _pool_lock:
        for i in range(len(_pool)):
            buffer = _pool[i]
            # held only by the pool, `buffer` and getrefcount's argument (CPython's count): no array uses it
            if nbytes <= buffer.nbytes <= 2 * nbytes and sys.getrefcount(buffer) == 3:
                del _pool[i]
                break
        else:
            buffer = np.empty(nbytes, dtype=np.uint8)
        _pool.append(buffer)
        _trim_pool()
        return buffer[:nbytes].view(dtype).reshape(shape)


def _trim_pool() -> None:
    total = sum(buffer.nbytes for buffer in _pool)
    i = 0
    while total > _POOL_MAX_BYTES and i < len(_pool) - 1:  # never the one just handed out
        buffer = _pool[i]
        if sys.getrefcount(buffer) == 3:  # free: let it go
            total -= buffer.nbytes
            del _pool[i]
        else:
            i += 1
