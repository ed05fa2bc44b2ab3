"""Files: checkpoints and the care they need, kept out of the engine's way.

* :mod:`~minigrad.io.serialization`: ``save``/``load`` of nested state as ``.safetensors``
  (PyTorch's names, a SHA-256, written atomically);
* :mod:`~minigrad.io.safefile`: a stranger's file read under bounds before anything is
  allocated, and the atomic write;
* :mod:`~minigrad.io.legacy`: the old ``.npz`` format (format 1), read under the same bounds
  only to convert it (``minigrad-translate convert``).

``minigrad.save``, ``minigrad.load`` and ``minigrad.serialization`` (the same module) are the
public names; nothing in the engine imports this package.

Why the converter stays: ``minigrad-translate train``, ``resume`` and ``evaluate`` refuse an old
``.npz`` and tell the user to run ``convert``, which is the only way to keep a run trained before
the switch to .safetensors; it reads under the same bounds as ``load``, and a hostile-file test
suite covers it (``benchmarks/hostile_checkpoints.py``). It can go when that advice goes.
"""
