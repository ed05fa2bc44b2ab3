"""Your answers to earlier tasks: ``from minigrad.learn.mine import sum_to``.

Each name comes from the task that asks for it: your own answer when that task passes its
check, the reference solution otherwise (and the check says so in a note). During
``minigrad-learn check`` the workspace is the one being checked; elsewhere it is
``./minigrad-learn``.
"""

from __future__ import annotations

from typing import Any

from minigrad.learn import track


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return track.earlier(name)
