"""Build it yourself: a graded track from an empty backward to an attention translator.

``minigrad-learn list`` shows the tasks, ``minigrad-learn start N`` writes the learner's file for
task N into a workspace, and ``minigrad-learn check N`` grades that file (never minigrad's own
code, unless ``--reference`` asks for it). See docs/learn.md.

Where this sits among minigrad's layers: above everything, models/ included (tests/test_layers.py
says so), because the graders of the attention tasks hold the learner's code to models/ and the
references delegate to it. Nothing in minigrad or models imports it.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The ``minigrad-learn`` command; returns its exit status."""
    import os
    import sys

    from minigrad.learn.cli import main as cli_main

    try:
        return cli_main(argv)
    except BrokenPipeError:  # `minigrad-learn list | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
