"""best.safetensors opens in PyTorch as it is: safetensors.torch.load_file, then load_state_dict.

The check runs in a subprocess that imports torch and safetensors but never minigrad: it builds
torch.nn.Embedding, LSTM and Linear modules named as minigrad's, loads the file's tensors into
them by their state_dict names, and computes what minigrad computed from the same inputs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import Vocab
from models.trainer import Trainer

pytest.importorskip("torch")

TORCH_SIDE = textwrap.dedent('''
    import sys
    import numpy as np
    import torch
    from safetensors.torch import load_file

    checkpoint, inputs = sys.argv[1], np.load(sys.argv[2])
    tensors = load_file(checkpoint)
    assert all("/" not in name for name in tensors), "best holds the model's weights only"
    vocab, embed = tensors["encoder.embedding.weight"].shape
    hidden = tensors["encoder.lstm.weight_hh_l0"].shape[1]

    encoder = torch.nn.Module()
    encoder.embedding = torch.nn.Embedding(vocab, embed, padding_idx=0)
    encoder.lstm = torch.nn.LSTM(embed, hidden, num_layers=2, bidirectional=True, batch_first=True)
    encoder.bridge_h = torch.nn.Linear(2 * hidden, hidden)
    encoder.bridge_c = torch.nn.Linear(2 * hidden, hidden)
    encoder.load_state_dict({name.removeprefix("encoder."): value for name, value in tensors.items()
                             if name.startswith("encoder.")})  # strict: every name and shape must fit
    output = torch.nn.Linear(*reversed(tensors["decoder.output.weight"].shape))
    output.load_state_dict({name.removeprefix("decoder.output."): value for name, value in tensors.items()
                            if name.startswith("decoder.output.")})
    with torch.no_grad():
        states, _ = encoder.lstm(encoder.embedding(torch.from_numpy(inputs["source"])))
        logits = output(torch.from_numpy(inputs["hidden"]))
    np.testing.assert_allclose(states.numpy(), inputs["states"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(logits.numpy(), inputs["logits"], rtol=1e-5, atol=1e-6)
    assert not any(name.split(".")[0] in ("minigrad", "models") for name in sys.modules), "minigrad was imported"
    print("same outputs")
''')


def test_best_safetensors_loads_into_torch_modules_and_gives_the_same_outputs(tmp_path: Path) -> None:
    pairs = [("abc", "cba"), ("ba", "ab"), ("cab", "bac"), ("aab", "baa")] * 5
    vocab = Vocab.build(["abc"], "char")
    corpus = Corpus(pairs, pairs[:4], [], vocab, vocab)
    config = TrainConfig(task=None, epochs=1, batch_size=8, hidden_size=6, embed_size=5, num_layers=2,
                         bidirectional=True, input_feeding=True, score="general", max_len=8,
                         out=str(tmp_path / "run"))
    trainer = Trainer(config, corpus, progress_bar=False)
    trainer.fit(log=lambda message: None)
    model = trainer.model
    model.eval()

    source = np.array([[4, 5, 6, 2], [6, 4, 4, 2]], dtype=np.int64)  # no padding: torch's LSTM sees it all
    hidden = np.random.default_rng(0).standard_normal((3, model.decoder.output.weight.shape[1])).astype(np.float32)
    with mg.no_grad():
        states, _ = model.encoder(mg.tensor(source))
        logits = model.decoder.output(mg.tensor(hidden))
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, source=source, hidden=hidden, states=states.numpy(), logits=logits.numpy())

    result = subprocess.run([sys.executable, "-c", TORCH_SIDE, str(tmp_path / "run" / "best.safetensors"),
                             str(inputs)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "same outputs"
