"""The op set: one small :class:`~minigrad.autograd.Function` per op.

Each forward works on backend arrays through ``ctx.xp``; each backward is the chain
rule written with Tensor ops. None of them undoes broadcasting: the engine does that
once, for every op (``autograd._sum_to``). The user-facing functions, with argument
checks and clear errors, are in :mod:`minigrad.functional`.
"""
