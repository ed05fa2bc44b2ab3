"""Data-parallel training on MPI: every process holds the whole model and a share of each batch.

The recipe (ChainerMN's, and PyTorch DDP's), for P processes ("ranks") started by ``mpiexec -n P``:

1. the same initial weights everywhere: :func:`broadcast_parameters` copies rank 0's;
2. each rank runs forward and backward on its share of the batch (:func:`shard`);
3. :func:`average_gradients` makes every rank's gradient the gradient of the whole batch,
   g = Σᵣ nᵣ gᵣ / Σᵣ nᵣ (nᵣ items on rank r, gᵣ the gradient of its mean loss), with one all-reduce
   of one flat buffer;
4. every rank takes the same optimizer step on the same gradient, so the weights stay equal
   without ever being sent again.

:func:`ring_allreduce` is the lesson: the bandwidth-optimal all-reduce (reduce-scatter, then
all-gather) written with point-to-point messages. Training uses MPI's own ``Allreduce``, which
MPICH implements with the same ring (or recursive halving) on large buffers and is written in C.

Without ``mpiexec`` this module is a world of one process and never imports mpi4py, so nothing
else in minigrad needs it. Gradients cross between processes through host (NumPy) memory, by
an explicit copy (``to_host``), which the strict device allows and a silent ``np.asarray`` would not.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from minigrad.backend import to_host
from minigrad.tensor import Tensor

Item = TypeVar("Item")

# what launchers put in each process's environment: the world's size and this process's rank
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")
_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")
_LOCAL_RANK_VARIABLES = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK")


class DistributedError(RuntimeError):
    """The MPI world cannot be used as asked (mpi4py missing, a mismatch between processes)."""


@dataclass(frozen=True)
class World:
    """The processes of one run: this one's ``rank`` among ``size``, and its rank on its machine."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    comm: Any = None  # an mpi4py communicator; None in a world of one

    @property
    def is_root(self) -> bool:
        """Rank 0: the process that writes checkpoints and logs."""
        return self.rank == 0

    def device(self, spec: str) -> str:
        """The device this rank uses for ``spec``: ``"cuda"`` becomes ``cuda:<local rank>``, one GPU per process."""
        return f"cuda:{self.local_rank}" if spec == "cuda" and self.size > 1 else spec

    def any(self, flag: bool) -> bool:
        """True on every rank if ``flag`` is true on any (a logical OR all-reduce): all stop at the same batch."""
        if self.comm is None:
            return flag
        from mpi4py import MPI  # noqa: PLC0415 - only under mpiexec

        return bool(self.comm.allreduce(int(flag), op=MPI.MAX))

    def barrier(self) -> None:
        if self.comm is not None:
            self.comm.Barrier()

    def abort(self, code: int) -> None:
        """End every process of the run now with exit status ``code`` (MPI_Abort); nothing in a world of one.

        A process that fails alone must call this: the others would wait for it in their next
        all-reduce for ever."""
        if self.comm is not None and self.size > 1:
            sys.stdout.flush()
            sys.stderr.flush()
            self.comm.Abort(code)


_world: World | None = None


def _launched_size() -> int:
    for name in _SIZE_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 1


def world() -> World:
    """The MPI world this process runs in: from ``mpiexec``'s environment, else a world of one.

    mpi4py is imported only when a launcher says there are several processes, so a plain run
    needs neither mpi4py nor MPI."""
    global _world
    if _world is not None:
        return _world
    size = _launched_size()
    if size <= 1:
        _world = World()
        return _world
    try:
        from mpi4py import MPI  # noqa: PLC0415 - the optional 'distributed' extra
    except ImportError:
        raise DistributedError(f"started by mpiexec as one of {size} processes, but mpi4py is not installed: "
                               "pip install 'minigrad[distributed]'") from None
    comm = MPI.COMM_WORLD
    local = next((int(os.environ[name]) for name in _LOCAL_RANK_VARIABLES if os.environ.get(name, "").isdigit()),
                 comm.Get_rank())
    _world = World(comm.Get_rank(), comm.Get_size(), local, comm)
    return _world


def abort(code: int) -> None:
    """End every process of the run with exit status ``code`` if this one is one of several (MPI_Abort)."""
    if _world is not None:
        _world.abort(code)


def shard(items: Sequence[Item], world: World) -> list[Item]:
    """Rank r's share of ``items``: the r-th of ``size`` contiguous runs, as equal as can be
    (items[r·n/P : (r+1)·n/P]); a share is empty when there are fewer items than ranks."""
    count = len(items)
    return list(items[world.rank * count // world.size:(world.rank + 1) * count // world.size])


def broadcast_parameters(parameters: Iterable[Tensor], world: World) -> None:
    """Every rank's parameters become rank 0's: one flat buffer, one ``Bcast``.

    First every rank tells rank 0 what it holds (how many parameters, how many values, which
    dtypes): a rank that built another model (another command) is refused there, in one error
    naming both, before any message of the wrong size is sent."""
    parameters = list(parameters)
    if world.comm is None:
        return
    mine = (len(parameters), sum(p.data.size for p in parameters), sorted({str(p.data.dtype) for p in parameters}))
    for rank, theirs in enumerate(world.comm.gather(mine, root=0) or []):  # a list on rank 0 only
        if theirs != mine or len(mine[2]) > 1:
            raise DistributedError(f"rank 0 holds {_model(mine)} and rank {rank} {_model(theirs)}: every process "
                                   "must run the same command on the same data, with one dtype")
    if not parameters:
        return
    flat = np.concatenate([to_host(p.data).ravel() for p in parameters])
    world.comm.Bcast(flat, root=0)
    _unflatten_into(flat, parameters, grads=False)


def _model(held: tuple[int, int, list[str]]) -> str:
    return f"{held[0]} parameter tensors of {held[1]:,} values ({', '.join(held[2]) or 'no dtype'})"


def average_gradients(parameters: Iterable[Tensor], world: World, count: float,
                      *sums: float) -> tuple[float, ...]:
    """Replace each gradient by the count-weighted mean over the ranks:  g ← Σᵣ nᵣ gᵣ / Σᵣ nᵣ.

    ``count`` is nᵣ, the items (target tokens) behind this rank's mean loss; with gᵣ the gradient
    of that mean, the result is the gradient of the mean over all Σᵣ nᵣ items, that is, of the
    whole batch on one process. A rank with no items passes count 0 and no gradients. ``sums``
    (a loss times its count, say) are added up over the ranks too. Returns (Σᵣ nᵣ, *Σᵣ sums).

    Two all-reduces: a small float64 one of the counts, the sums, and which parameters have a
    gradient on any rank (a parameter that none touched keeps ``grad = None``, as on one
    process), then one of all gradients in one flat buffer, each scaled by nᵣ / Σ nᵣ first.
    """
    parameters = list(parameters)
    has_grad = [p.grad is not None for p in parameters]
    scalars = np.array([count, *sums, *has_grad], dtype=np.float64)
    if world.comm is not None:
        world.comm.Allreduce(_in_place(), scalars)
    total, summed, touched = scalars[0], scalars[1:1 + len(sums)], scalars[1 + len(sums):] > 0
    if world.comm is None:
        return (float(total), *map(float, summed))
    used = [p for p, t in zip(parameters, touched) if t]
    if used:
        flat = np.zeros(sum(p.data.size for p in used), dtype=used[0].data.dtype)  # one buffer, on the host
        offset = 0
        for p in used:
            if p.grad is not None:  # an explicit copy to the host: the strict device refuses a silent one
                flat[offset:offset + p.data.size] = to_host(p.grad.data).ravel()
            offset += p.data.size
        flat *= flat.dtype.type(count / total if total else 0.0)  # nᵣ / Σ nᵣ
        world.comm.Allreduce(_in_place(), flat)
        _unflatten_into(flat, used, grads=True)
    return (float(total), *map(float, summed))


def _in_place() -> Any:
    from mpi4py import MPI  # noqa: PLC0415 - only under mpiexec

    return MPI.IN_PLACE


def _unflatten_into(flat: np.ndarray, parameters: list[Tensor], grads: bool) -> None:
    """Cut ``flat`` back into the parameters' shapes, onto their devices: into ``.grad``, or the weights."""
    offset = 0
    for p in parameters:
        piece = flat[offset:offset + p.data.size].reshape(p.shape)
        offset += p.data.size
        on_device = p.device.asarray(piece, dtype=p.data.dtype)
        if grads:
            p.grad = Tensor(on_device)
        else:
            p.data[...] = on_device


def ring_allreduce(values: np.ndarray, comm: Any) -> np.ndarray:
    """Σ over the ranks of ``values`` (summed element by element), by passing chunks around a ring of P ranks.

    Cut the array into P chunks. Rank r sends to rank r+1 and receives from rank r−1 (mod P).

    * reduce-scatter, steps s = 0 … P−2: rank r sends chunk (r − s) and adds the chunk (r − s − 1)
      it receives to its own; after P−1 steps, rank r holds the full sum of chunk (r + 1);
    * all-gather, steps s = 0 … P−2: rank r sends chunk (r + 1 − s), the last one it completed,
      and stores the chunk (r − s) it receives; after P−1 steps every rank holds every sum.

    Each rank sends 2(P−1)/P · n values in all: the cost per rank hardly grows with P, which is
    why data parallelism scales. Chunks may be empty when n < P.
    """
    rank, size = comm.Get_rank(), comm.Get_size()
    result = np.array(values, copy=True).ravel()
    chunks = np.array_split(result, size)  # views into result: adding into a chunk adds into result
    right, left = (rank + 1) % size, (rank - 1) % size
    for step in range(size - 1):  # reduce-scatter
        send, receive = (rank - step) % size, (rank - step - 1) % size
        incoming = np.empty_like(chunks[receive])
        comm.Sendrecv(chunks[send], dest=right, recvbuf=incoming, source=left)
        chunks[receive] += incoming
    for step in range(size - 1):  # all-gather
        send, receive = (rank + 1 - step) % size, (rank - step) % size
        incoming = np.empty_like(chunks[receive])
        comm.Sendrecv(chunks[send], dest=right, recvbuf=incoming, source=left)
        chunks[receive][...] = incoming
    return result.reshape(np.shape(values))
