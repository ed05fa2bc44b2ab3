"""Hundreds of crafted or damaged checkpoints (benchmarks/hostile_checkpoints.py), each refused in bounded memory.

Every file must be refused with one line that names it (never a traceback, never accepted), and
no refusal may take more than 100 MB, measured with tracemalloc in a subprocess. Time is printed
by the script, not asserted here: the machine that runs the tests may be shared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "hostile_checkpoints.py"


def test_every_hostile_file_is_refused_by_name_in_one_line_and_under_100_mb() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--json", "--memory-only", "--bomb-mb", "64"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    results, summary = lines[:-1], lines[-1]["summary"]
    assert len(results) == summary["files"] >= 300
    kinds = {result["kind"] for result in results}
    assert kinds == {"load", "resume", "npz"}
    for result in results:
        assert result["refused"] and not result["crashed"], result
        assert result["names_the_file"] and result["one_line"], result
        assert result["peak_mb"] < 100, result
    assert summary["refused"] == summary["files"]
    by_name = {result["name"]: result["message"] for result in results}
    assert "bad shape" in by_name["shape [1000000, 1000000]"]  # 10¹² elements: refused before any allocation
    assert "hidden_size" in by_name["schema: hidden_size 30000"]
    assert "decoder='nope'" in by_name["schema: decoder nope"]
    assert "outside 1..10,000" in by_name["schema: max_len 10**9"]
    assert "exp_avg of parameter 0" in by_name["resume: adam state of the wrong shape"]
    assert "624" in by_name["resume: rng keys 623"]
    assert "all zero" in by_name["resume: rng keys all zero"]
    assert "beta1" in by_name["resume: optimizer betas (1.5, 2.0)"]
    assert "compressed member" in by_name["npz: a member that inflates to 64 MB"]
    assert "twice" in by_name["npz: two members of one name"]
