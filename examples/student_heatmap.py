""""I am a student" → "je suis étudiant": train on the phrases task and look at where it attends.

The attention notes show, for this sentence, each French word putting most of its weight on the
English word it translates. This trains a small attention model on the built-in ``phrases`` task
(English → French, adjectives after the noun, gender agreement), then draws the heatmap of the
notes' sentence and of one where the word order changes ("a red car" → "une voiture rouge").

    python examples/student_heatmap.py                  # about a minute on a laptop CPU
    python examples/student_heatmap.py --epochs 1 --hidden 16 --out /tmp/student   # a smoke run
    python examples/student_heatmap.py --unidirectional   # why "je" may look at "am" (docs/attention.md §6)
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from models import heatmap
from models.config import TrainConfig
from models.corpus import load_corpus
from models.data import Vocab, tokenize
from models.evaluation import evaluate, translate
from models.heatmap import draw_attention
from models.trainer import Trainer

SENTENCES = ("i am a student", "i see a red car", "the small dog is black")
AXIS_LABELS = {"en": heatmap.AXIS_LABELS, "ko": heatmap.KOREAN_AXIS_LABELS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--score", default="general", help="attention score (dot, general, additive, ...)")
    parser.add_argument("--out", default="examples/out/student")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labels", choices=tuple(AXIS_LABELS), default="en", help="the heatmaps' axis labels")
    parser.add_argument("--unidirectional", action="store_true",
                        help="an encoder that reads left to right only: hⱼ is then the prefix up to word j")
    args = parser.parse_args()
    out = Path(args.out)

    config = TrainConfig(task="phrases", epochs=args.epochs, hidden_size=args.hidden, embed_size=32,
                         batch_size=32, lr=3e-3, score=args.score, seed=args.seed, out=str(out / "run"),
                         # a bidirectional encoder: each hⱼ then stands for word j in its context, not for
                         # the prefix read so far, so the weights line up with the words they translate
                         bidirectional=not args.unidirectional,
                         # random batches, not batches by length: the repeated profession sentences
                         # below would fill whole batches of one length, and the heatmaps in the docs
                         # were made this way
                         bucket=False)
    corpus = load_corpus(config)
    # The notes' sentences are for studying, not for testing: keep every pair about a student in
    # the training part, so "student" is a known word (held-out accuracy is measured on the rest).
    studied = [pair for pair in corpus.valid + corpus.test if "student" in pair[0]]
    corpus.valid = [pair for pair in corpus.valid if pair not in studied]
    corpus.test = [pair for pair in corpus.test if pair not in studied]
    corpus.train += studied
    # "X is a <profession>" makes only 32 of the grammar's sentences, each profession word 4 times:
    # too rare to learn in a few epochs, so those sentences are shown 10 times per epoch.
    corpus.train += [pair for pair in corpus.train if re.search(r"\b(am|is|are) an? ", pair[0])] * 9
    corpus.source_vocab = Vocab.build((s for s, _ in corpus.train), "word")
    corpus.target_vocab = Vocab.build((t for _, t in corpus.train), "word")
    trainer = Trainer(config, corpus, progress_bar=False)
    trainer.fit(log=lambda message: print(message) if "epoch" in message and (
        message.startswith(f"epoch {args.epochs}:") or message.startswith("epoch 1:")) else None)
    test = evaluate(trainer.model, corpus, corpus.test, config)
    print(f"held-out exact match {test.exact_match:.1%}, BLEU {test.bleu:.1f}")

    for index, sentence in enumerate(SENTENCES):
        result = translate(trainer.model, corpus, [sentence], config.device)[0]
        output = corpus.target_vocab.decode(result.ids)
        output_tokens = [corpus.target_vocab.tokens[i] for i in result.ids]
        if len(result.weights) > len(result.ids):
            output_tokens.append("<eos>")
        path = draw_attention(result.weights, tokenize(sentence, "word") + ["<eos>"], output_tokens,
                              out / f"heatmap_{index}.png", title=f"{sentence} → {output}",
                              axis_labels=AXIS_LABELS[args.labels])
        print(f"{sentence!r} → {output!r}")
        for token, row in zip(output_tokens, result.weights):
            strongest = max(range(len(row)), key=row.__getitem__)
            source = (tokenize(sentence, "word") + ["<eos>"])[strongest]
            print(f"    {token:12s} looks most at {source!r:12s} (weight {row[strongest]:.2f})")
        print(f"    heatmap: {path}")


if __name__ == "__main__":
    main()
