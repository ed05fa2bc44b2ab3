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
else in minigrad needs it. The gradient buffer is made on the parameters' device, with that
device's array module; which way it then travels is decided in one place, :func:`choose_route`:
MPI on the NumPy buffer itself on the CPU; on a GPU, NCCL if CuPy has it, else an MPI that takes
GPU memory, else through the host by explicit copies (``to_host`` and back), which the strict
device allows and a silent ``np.asarray`` would not. The NCCL and CUDA-aware calls are a thin
adapter that only a GPU runs (docs/distributed.md, "The GPU").
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
    _unflatten_into(flat, parameters)


def _model(held: tuple[int, int, list[str]]) -> str:
    return f"{held[0]} parameter tensors of {held[1]:,} values ({', '.join(held[2]) or 'no dtype'})"


def average_gradients(parameters: Iterable[Tensor], world: World, count: float,
                      *sums: float) -> tuple[float, ...]:
    """Replace each gradient by the count-weighted mean over the ranks:  g ← Σᵣ nᵣ gᵣ / Σᵣ nᵣ.

    ``count`` is nᵣ, the items (target tokens) behind this rank's mean loss; with gᵣ the gradient
    of that mean, the result is the gradient of the mean over all Σᵣ nᵣ items, that is, of the
    whole batch on one process. A rank with no items passes count 0 and no gradients. ``sums``
    (a loss times its count, say) are added up over the ranks too. Returns (Σᵣ nᵣ, *Σᵣ sums).

    Two all-reduces: a small float64 one, on the host, of the counts, the sums, and which
    parameters have a gradient on any rank (a parameter that none touched keeps ``grad = None``,
    as on one process); then one of all gradients in one flat buffer on the parameters' device
    (:func:`flatten_gradients`), each scaled by nᵣ / Σ nᵣ first, by the route :func:`choose_route`
    picks for that device.
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
        flat = flatten_gradients(used)
        flat *= flat.dtype.type(count / total if total else 0.0)  # nᵣ / Σ nᵣ
        device = used[0].device
        unflatten_gradients(allreduce_sum(flat, world, route_for(device, world), device), used)
    return (float(total), *map(float, summed))


# --- the gradient buffer, on the parameters' device --------------------------------------------


def flatten_gradients(parameters: Sequence[Tensor]) -> Any:
    """All gradients of ``parameters`` as one flat array on their device, in order; zeros for a
    parameter without one. Made with the device's own array module (NumPy, CuPy, or the strict
    stand-in), so a gradient on a GPU never leaves it here."""
    xp, dtype = parameters[0].device.xp, parameters[0].data.dtype
    return xp.concatenate([p.grad.data.ravel() if p.grad is not None else xp.zeros(p.data.size, dtype=dtype)
                           for p in parameters], dtype=dtype)


def unflatten_gradients(flat: Any, parameters: Sequence[Tensor]) -> None:
    """Each parameter's ``.grad`` becomes its piece of ``flat`` (a view, on ``flat``'s device), in its shape."""
    offset = 0
    for p in parameters:
        p.grad = Tensor(flat[offset:offset + p.data.size].reshape(p.shape))
        offset += p.data.size


# --- which way the gradient buffer travels: the one place that decides -------------------------


@dataclass(frozen=True)
class Route:
    """How the gradient buffer of one step is summed over the processes, and why that way.

    * ``"mpi"``: NumPy arrays; MPI's ``Allreduce`` reads and writes the buffer where it is.
    * ``"nccl"``: CuPy arrays; NCCL's all-reduce, GPU to GPU (``cupy.cuda.nccl``).
    * ``"cuda-aware mpi"``: CuPy arrays handed to MPI's ``Allreduce`` as they are; the MPI library
      moves GPU memory itself.
    * ``"host-staged"``: the buffer is copied to the host explicitly (``to_host``), all-reduced
      there by MPI, and copied back (``device.asarray``): two copies a step, always possible.
    """

    name: str
    why: str


def choose_route(device_kind: str, nccl: bool, cuda_aware_mpi: bool) -> Route:
    """The route for gradients on a device of ``device_kind`` (``"cpu"``, ``"cuda"``, ``"strict"``),
    given what was found: NCCL through CuPy, and an MPI that takes GPU memory. NCCL first (made for
    GPUs, and what PyTorch and ChainerMN use), then a CUDA-aware MPI, then the host."""
    if device_kind == "cpu":
        return Route("mpi", "NumPy arrays: MPI all-reduces the buffer in place")
    if device_kind == "cuda" and nccl:
        return Route("nccl", "CuPy arrays and NCCL (cupy.cuda.nccl): the buffer stays on the GPU")
    if device_kind == "cuda" and cuda_aware_mpi:
        return Route("cuda-aware mpi", "CuPy arrays, no NCCL, and an MPI that takes GPU memory "
                                       "(mpi_memory_alloc_kinds names cuda): the buffer stays on the GPU")
    if device_kind == "cuda":
        return Route("host-staged", "CuPy arrays, but neither NCCL (cupy.cuda.nccl) nor an MPI that takes GPU "
                                    "memory: the buffer goes through the host, copied explicitly each way")
    return Route("host-staged", f"{device_kind!r} arrays are not NumPy's, and only a GPU has NCCL or a CUDA-aware "
                                "MPI: the buffer goes through the host, copied explicitly each way")


def cuda_aware(memory_kinds: str) -> bool:
    """Does an MPI library that reports these memory kinds (MPI 4.1's ``mpi_memory_alloc_kinds`` info
    key, such as ``"mpi,system"`` or ``"mpi,system,cuda:device"``) take CUDA device memory?"""
    kinds = {kind.strip() for kind in memory_kinds.split(",")}
    return "cuda" in kinds or "cuda:device" in kinds


_routes: dict[str, Route] = {}


def route_for(device: Any, world: World) -> Route:
    """:func:`choose_route` for this ``device`` (a :class:`minigrad.backend.Device`) in this world, once
    per device: NCCL and the MPI's memory kinds are looked for on a ``cuda`` device only, so CuPy is
    never imported for the CPU or the strict device."""
    if device.name not in _routes:
        nccl = mpi_gpu = False
        if device.kind == "cuda":
            nccl = _nccl_available()
            mpi_gpu = world.comm is not None and cuda_aware(_memory_kinds(world.comm))
        _routes[device.name] = choose_route(device.kind, nccl, mpi_gpu)
    return _routes[device.name]


def _memory_kinds(comm: Any) -> str:
    """What the MPI library says it can send (MPI 4.1 and later; an older one says nothing: "")."""
    info = comm.Get_info()
    try:
        return info.Get("mpi_memory_alloc_kinds") or ""
    finally:
        info.Free()


def allreduce_sum(flat: Any, world: World, route: Route, device: Any) -> Any:
    """Σ over the ranks of ``flat`` (one array on ``device``) by ``route``; returns the sum, on ``device``."""
    if route.name == "mpi":
        world.comm.Allreduce(_in_place(), flat)
        return flat
    if route.name == "host-staged":
        host = to_host(flat)  # the explicit copy to the host; the strict device (and CuPy) refuse a silent one
        world.comm.Allreduce(_in_place(), host)
        return device.asarray(host)  # and back, explicitly
    if route.name == "nccl":
        return _nccl_allreduce(flat, world, device)
    if route.name == "cuda-aware mpi":
        device.xp.cuda.get_current_stream().synchronize()  # the buffer is complete before MPI reads it
        world.comm.Allreduce(_in_place(), flat)
        return flat
    raise DistributedError(f"unknown gradient route {route.name!r}")


# --- NCCL through CuPy: a thin adapter, run only on GPUs (never on this project's CI; see the docs) ----

_nccl_communicators: dict[str, Any] = {}


def _nccl_available() -> bool:
    try:
        from cupy.cuda import nccl  # noqa: PLC0415 - only on a GPU
    except ImportError:
        return False
    return bool(getattr(nccl, "available", False))


def _nccl_allreduce(flat: Any, world: World, device: Any) -> Any:
    """NCCL's sum of ``flat`` in place on each GPU; the communicator is made once, from an id rank 0
    draws and sends to the others over MPI (as ChainerMN does)."""
    from cupy.cuda import nccl  # noqa: PLC0415 - only on a GPU

    with device.xp.cuda.Device(device.index):
        if device.name not in _nccl_communicators:
            unique_id = world.comm.bcast(nccl.get_unique_id() if world.is_root else None, root=0)
            _nccl_communicators[device.name] = nccl.NcclCommunicator(world.size, unique_id, world.rank)
        types = {np.dtype("float16"): nccl.NCCL_FLOAT16, np.dtype("float32"): nccl.NCCL_FLOAT32,
                 np.dtype("float64"): nccl.NCCL_FLOAT64}
        stream = device.xp.cuda.get_current_stream()
        _nccl_communicators[device.name].allReduce(flat.data.ptr, flat.data.ptr, flat.size, types[np.dtype(flat.dtype)],
                                                   nccl.NCCL_SUM, stream.ptr)
        stream.synchronize()
    return flat


def _in_place() -> Any:
    from mpi4py import MPI  # noqa: PLC0415 - only under mpiexec

    return MPI.IN_PLACE


def _unflatten_into(flat: np.ndarray, parameters: list[Tensor]) -> None:
    """Cut the host buffer ``flat`` back into the parameters' shapes, into their weights, on their devices."""
    offset = 0
    for p in parameters:
        piece = flat[offset:offset + p.data.size].reshape(p.shape)
        offset += p.data.size
        p.data[...] = p.device.asarray(piece, dtype=p.data.dtype)


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
