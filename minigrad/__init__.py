"""minigrad: a small, readable reverse-mode autograd on NumPy (CPU) and CuPy (GPU).

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.], dtype=float32)
"""

from minigrad import functional, nn
from minigrad.autograd import Function, backward, grad
from minigrad.backend import (
    Device,
    DeviceError,
    bool_,
    default_device,
    float16,
    float32,
    float64,
    get_device,
    get_num_threads,
    int32,
    int64,
    set_default_device,
    set_num_threads,
)
from minigrad.creation import arange, full, manual_seed, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from minigrad.functional import (
    abs,
    cat,
    chunk,
    clip,
    concat,
    dropout,
    embedding,
    exp,
    log,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    relu,
    reshape,
    sigmoid,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    sum,
    tanh,
    unsqueeze,
    where,
)
from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigrad.tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "Device", "DeviceError", "Function", "GradcheckError", "Tensor", "abs", "arange", "backward", "bool_",
    "cat", "chunk", "clip", "concat", "default_device", "dropout", "embedding", "enable_grad", "exp",
    "float16", "float32", "float64", "full", "functional", "get_device", "grad", "gradcheck",
    "get_num_threads", "gradgradcheck", "int32", "int64", "is_grad_enabled", "log", "log_softmax", "logsumexp",
    "manual_seed", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "nn", "no_grad",
    "ones", "ones_like", "rand", "randn", "relu", "reshape", "set_default_device", "set_grad_enabled",
    "set_num_threads", "sigmoid", "softmax", "split", "sqrt", "squeeze", "stack", "sum", "tanh", "tensor", "unsqueeze",
    "where", "zeros", "zeros_like",
]

# optimizers, drawings (Module.draw) and checkpoints (minigrad/io/: their format, bounded reading, the old .npz)
# sit above the engine
from minigrad import optim, viz
from minigrad.io import legacy, safefile, serialization
from minigrad.io.serialization import CheckpointError, load, load_config, save

__all__ += ["CheckpointError", "legacy", "load", "load_config", "optim", "safefile", "save", "serialization", "viz"]

# torch's names for the rest of the op set, the factories and the default dtype
from minigrad.backend import get_default_dtype, set_default_dtype  # noqa: E402
from minigrad.creation import empty, eye, from_numpy, full_like, linspace, rand_like, randint, randn_like  # noqa: E402
from minigrad.functional import (  # noqa: E402
    ValuesIndices,
    acos,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    asin,
    atan,
    ceil,
    clone,
    cos,
    cosh,
    cumsum,
    diff,
    einsum,
    erf,
    exp2,
    expm1,
    flatten,
    flip,
    floor,
    gather,
    log1p,
    log2,
    log10,
    norm,
    outer,
    permute,
    prod,
    ravel,
    reciprocal,
    remainder,
    repeat,
    roll,
    round,
    rsqrt,
    scatter_add,
    sign,
    sin,
    sinh,
    sort,
    square,
    std,
    swapaxes,
    t,
    tan,
    tile,
    topk,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    var,
)

__all__ += [
    "ValuesIndices", "acos", "amax", "amin", "argmax", "argmin", "argsort", "asin", "atan", "ceil", "clone", "cos",
    "cosh", "cumsum", "diff", "einsum", "empty", "erf", "exp2", "expm1", "eye", "flatten", "flip", "floor",
    "from_numpy", "full_like", "gather", "get_default_dtype", "linspace", "log1p", "log2", "log10", "norm", "outer",
    "permute", "prod", "rand_like", "randint", "randn_like", "ravel", "reciprocal", "remainder", "repeat", "roll",
    "round", "rsqrt", "scatter_add", "set_default_dtype", "sign", "sin", "sinh", "sort", "square", "std",
    "swapaxes", "t", "tan", "tile", "topk", "transpose", "tril", "triu", "trunc", "unbind", "var",
]

# where the time goes: minigrad.profile() records every op and backward (docs/performance.md)
from minigrad import profiler  # noqa: E402
from minigrad.profiler import profile  # noqa: E402

__all__ += ["profile", "profiler"]

# data-parallel training on MPI (imports mpi4py only under mpiexec: docs/distributed.md)
from minigrad import distributed  # noqa: E402

__all__ += ["distributed"]

# torch's names that issue 24 adds: dtype aliases, the fixed-rank products, the rest of the op set, torch.cuda's
# question, inference_mode, and forward-mode differentiation (minigrad.func)
from minigrad import cuda, func, utils  # noqa: E402
from minigrad.backend import bool_ as bool  # noqa: E402,A001
from minigrad.backend import float16 as half  # noqa: E402
from minigrad.backend import float32 as float  # noqa: E402,A001
from minigrad.backend import float64 as double  # noqa: E402
from minigrad.backend import int32 as int  # noqa: E402,A001
from minigrad.backend import int64 as long  # noqa: E402
from minigrad.func import jvp, vjp  # noqa: E402
from minigrad.functional import (  # noqa: E402
    addmm,
    atan2,
    baddbmm,
    bmm,
    column_stack,
    cumprod,
    deg2rad,
    hstack,
    index_select,
    mm,
    narrow,
    rad2deg,
    repeat_interleave,
    row_stack,
    scatter,
    tensordot,
    trace,
    vstack,
)
from minigrad.functional import clip as clamp  # noqa: E402
from minigrad.grad_mode import inference_mode  # noqa: E402

__all__ += [
    "addmm", "atan2", "baddbmm", "bmm", "bool", "clamp", "column_stack", "cuda", "cumprod", "deg2rad", "double",
    "float", "func", "half", "hstack", "index_select", "inference_mode", "int", "jvp", "long", "mm", "narrow",
    "rad2deg", "repeat_interleave", "row_stack", "scatter", "tensordot", "trace", "utils", "vjp", "vstack",
]
