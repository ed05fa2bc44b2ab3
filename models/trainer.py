"""The training loop: epochs, an evaluation after each, best/last checkpoints and metrics.jsonl,
patience and the time budget, Ctrl-C and resume.

Everything that decides what a run does is derived from its seed: the data (built-in tasks), the
split, the initial weights, the batch order of each epoch (seed and epoch number), and the
dropout stream (whose state goes into every checkpoint). So a run stopped after epoch 1 and
resumed gives the same parameters as one that ran straight through.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import minigrad as mg
from minigrad import CheckpointError, distributed, optim, serialization
from models import checkpoint as schema
from models.batches import Batch, batches, epoch_batches
from models.checkpoint import save_checkpoint
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import DataError
from models.evaluation import evaluate, held_out_line, score_key, score_name
from models.interrupt import CtrlC, ignoring_ctrl_c
from models.parallel import backward_share
from models.runfolder import BEST, LAST, MAY_CHANGE_ON_RESUME, OLD_LAST, RunFolder, option_differences
from models.seq2seq import build_model


def plot_history(history: list[dict], path: Any) -> None:
    """Loss and held-out accuracy per epoch, as a PNG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["train_loss"] for h in history], marker="o", label="train")
    left.plot(epochs, [h["valid_loss"] for h in history], marker="o", label="valid")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    left.legend()
    right.plot(epochs, [h["valid_exact_match"] for h in history], marker="o", label="exact match")
    right.plot(epochs, [h["valid_token_accuracy"] for h in history], marker="o", label="token accuracy")
    right.set(xlabel="epoch", ylim=(0, 1.02), title="held-out accuracy")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")
    plt.close(figure)


class Trainer:
    """Runs epochs, evaluates after each, keeps best/last checkpoints and metrics.jsonl (models/runfolder.py)."""

    def __init__(self, config: TrainConfig, corpus: Corpus, progress_bar: bool = True, profile_steps: int = 0) -> None:
        self.config, self.corpus, self.progress_bar = config, corpus, progress_bar
        # train --profile N: steps 2 … N + 1 of this run are recorded by minigrad.profile (_profiled)
        self.profile, self.profile_steps = (mg.profile() if profile_steps else None), profile_steps
        self.steps_run, self.profile_shown = 0, False
        self.out = Path(config.out)
        self.device = mg.get_device(config.device)  # a clear error now if the device cannot be used
        mg.manual_seed(config.seed)
        self.model = build_model(len(corpus.source_vocab), len(corpus.target_vocab), config.model_config(),
                                 device=config.device)
        self.world = distributed.world()  # under mpiexec: data-parallel, rank 0 alone writes (docs/distributed.md)
        distributed.broadcast_parameters(self.model.parameters(), self.world)
        self.optimizer = optim.Adam(self.model.parameters(), lr=config.lr)
        self.history: list[dict] = []
        self.epoch, self.batch_index = 0, 0  # where training goes on from
        self.warmup: optim.LinearWarmup | None = None
        self.loss_sum, self.tokens = 0.0, 0  # over the finished batches of this epoch, resumed ones included
        self.run: RunFolder | None = None
        self.ctrl_c = CtrlC()
        self.data_sha256 = schema.data_file_sha256(config.data) if config.data else None
        self._rng = self.device.get_rng_state()  # the RNG as it was after the last finished update

    @property
    def stop_requested(self) -> bool:
        return self.ctrl_c.requested

    def open_run(self, resume: bool = False, overwrite: bool = False) -> None:
        """Lock the run folder for this training, then resume, start again, or refuse to touch a run in it."""
        self.run = RunFolder(self.out).acquire() if self.world.is_root else None
        try:
            if resume:
                self.resume()
            elif not overwrite and (self.out / LAST).exists():
                raise DataError(f"{self.out} already holds a run ({self.out / LAST}); pass --resume to go on with "
                                "it, --overwrite to start it again, or choose another --out")
            elif not overwrite and (self.out / OLD_LAST).exists():
                raise DataError(f"{self.out} holds a run in the old .npz format ({self.out / OLD_LAST}); convert it "
                                f"with `minigrad-translate convert {self.out / OLD_LAST}` to resume it, pass "
                                "--overwrite to start again, or choose another --out")
            elif overwrite and self.run is not None:
                self.run.clear()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.run is not None:
            self.run.release()
            self.run = None

    def resume(self) -> None:
        """Continue from ``out/last.safetensors``: weights, optimizer, RNG, data position, loss sums, history."""
        path = self.out / LAST
        if not path.exists() and (self.out / OLD_LAST).exists():
            raise DataError(f"{self.out / OLD_LAST} is in the old .npz format; convert it first with "
                            f"`minigrad-translate convert {self.out / OLD_LAST}`")
        read = serialization.read(path)
        schema.check(read, TrainConfig)
        saved = read.config
        if (saved["source_vocab"] != self.corpus.source_vocab.to_dict()
                or saved["target_vocab"] != self.corpus.target_vocab.to_dict()):
            raise DataError(f"checkpoint {path} was trained with other vocabularies than this data gives; "
                            "resume with the same --task/--data and --seed, or use a new --out")
        differences = option_differences(saved["train"], asdict(self.config))
        if differences:
            may_change = ", ".join(f"--{name.replace('_', '-')}" for name in MAY_CHANGE_ON_RESUME if name != "out")
            raise DataError(f"checkpoint {path} was trained with other options: {'; '.join(differences)}; resume "
                            f"with the same options (only {may_change} may change) or use a new --out")
        state = read.state(self.device)
        missing = [key for key in ("optimizer", "rng", "progress", "history") if key not in state]
        if missing:
            raise CheckpointError(f"checkpoint {path} holds no training state ({', '.join(missing)} missing)")
        try:
            self.model.load_state_dict(state["model"])
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {path} does not fit the model its config describes: {exc}") from None
        schema.check_optimizer(str(path), state["optimizer"], list(self.model.parameters()))
        try:  # the optimizer checks its own hyper-parameters and moments (Adam: betas in [0, 1), v >= 0)
            self.optimizer.load_state_dict(state["optimizer"])
        except ValueError as exc:
            raise CheckpointError(f"checkpoint {path} has a damaged optimizer state: {exc}") from None
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr  # a changed --lr takes effect, and the checkpoints record it
        progress = state["progress"]
        if progress["batch"] > len(epoch_batches(self.corpus, self.config, progress["epoch"])):
            raise CheckpointError(f"checkpoint {path} has a damaged progress (batch {progress['batch']} of an epoch "
                                  "with fewer batches)")
        self.device.set_rng_state(state["rng"])
        self._rng = state["rng"]
        self.history = list(state["history"])
        self.epoch, self.batch_index = progress["epoch"], progress["batch"]
        self.loss_sum, self.tokens = float(progress.get("loss_sum", 0.0)), int(progress.get("tokens", 0))
        if self.run is not None:  # the folder agrees with the checkpoint again: no epoch twice
            self.run.write_metrics(self.history)
            self.run.write_plot(self.history, plot_history)

    def _save(self, name: str) -> Path:
        path = self.out / name
        if not self.world.is_root:
            return path
        progress = {"epoch": self.epoch, "batch": self.batch_index, "loss_sum": self.loss_sum, "tokens": self.tokens}
        optimizer = self.optimizer if name == LAST else None
        save_checkpoint(path, self.model, optimizer, self.config, self.corpus, progress, self.history,
                        rng=self._rng, data_sha256=self.data_sha256)
        return path

    def train_epoch(self) -> tuple[float, float]:
        """One epoch (or what is left of it); returns (mean loss over all its batches, target tokens per second)."""
        from tqdm import tqdm  # noqa: PLC0415 - a dependency of the showcase only

        self.model.train()
        steps = math.ceil(len(self.corpus.train) / self.config.batch_size)
        bar = tqdm(total=steps, initial=self.batch_index, desc=f"epoch {self.epoch + 1}/{self.config.epochs}",
                   disable=not self.progress_bar, unit="batch", dynamic_ncols=True,
                   mininterval=0.5 if sys.stderr.isatty() else 30)  # a log file gets a line per 30 s
        tokens, started = 0, time.perf_counter()
        try:  # closed on Ctrl-C too: no bar left for the interpreter's exit to tear down
            for batch in self._profiled(batches(self.corpus, self.config, self.epoch, self.batch_index, self.world)):
                if self.world.any(self.stop_requested):  # every process stops at the same batch
                    self.ctrl_c.requested = True  # (a Ctrl-C that reached another process only)
                    break
                loss_sum, batch_tokens = backward_share(self.model, self.optimizer, batch,
                                                        self.config.label_smoothing, self.world)
                if self.config.clip is not None:
                    optim.clip_grad_norm_(self.model.parameters(), self.config.clip)
                with self.ctrl_c.commit():  # the update and the position that goes with it: all or nothing
                    self.optimizer.step()
                    if self.warmup is not None:
                        self.warmup.step()
                    self.batch_index += 1
                    self.loss_sum += loss_sum
                    self.tokens += batch_tokens
                    self._rng = self.device.get_rng_state()
                tokens += batch_tokens
                speed = tokens / (time.perf_counter() - started)
                bar.set_postfix(loss=f"{loss_sum / batch_tokens:.4f}", tok_s=f"{speed:,.0f}", refresh=False)
                bar.update()
        finally:
            bar.close()
        return self.loss_sum / max(self.tokens, 1), tokens / max(time.perf_counter() - started, 1e-9)

    def _profiled(self, batches: Iterator[Batch | None]) -> Iterator[Batch | None]:
        """The batches, with steps 2 … N + 1 of the run (``--profile N``) trained inside ``minigrad.profile()``.

        The first step is left out: it allocates what later steps reuse. Training goes on after the
        profiled steps, and their table is printed as soon as they are done.
        """
        for batch in batches:
            self.steps_run += 1
            if self.profile is None or not 1 < self.steps_run <= self.profile_steps + 1:
                yield batch
                continue
            with self.profile:  # the whole step, the loop's body in train_epoch, runs while this waits at yield
                yield batch
            if self.steps_run == self.profile_steps + 1:
                from tqdm import tqdm  # noqa: PLC0415 - a dependency of the showcase only

                self.show_profile(tqdm.write)  # above the progress bar, not through it

    def show_profile(self, write: Any = print) -> None:
        """Print the ``--profile`` table once (at the end of a run too short for all N profiled steps)."""
        if self.profile is None or self.profile_shown or not self.profile.events:
            return
        self.profile_shown = True
        last = min(self.steps_run, self.profile_steps + 1)
        write(f"--profile: where training steps 2 to {last} went (minigrad.profile, docs/performance.md):\n"
              f"{self.profile.table(limit=30)}")

    def _start_warmup(self) -> None:
        """``--warmup N``: optim's LinearWarmup, one step per batch, at the step a resumed run left off."""
        if not self.config.warmup:
            return
        steps_per_epoch = math.ceil(len(self.corpus.train) / self.config.batch_size)
        done = self.epoch * steps_per_epoch + self.batch_index
        for group in self.optimizer.param_groups:
            group["initial_lr"] = self.config.lr  # the rate the warm-up climbs to (a resumed --lr included)
        self.warmup = optim.LinearWarmup(self.optimizer, self.config.warmup, last_epoch=done - 1)

    def _out_of_patience(self, log: Any) -> bool:
        """``--patience N``: True once N epochs in a row have not beaten the best held-out score (:func:`score_key`),
        or, on patterns, once an epoch had every validation pair right: a tie is never kept as better, so
        ``best`` could not change."""
        patience = self.config.patience
        if patience and not self.corpus.sentences and any(h["valid_exact_match"] >= 1.0 for h in self.history):
            log(f"every validation pair is right (exact match 100%): no later epoch could be kept as better; "
                f"stopping early (--patience {patience})")
            return True
        if not patience or len(self.history) <= patience:
            return False
        scores = [score_key(h, self.corpus.sentences) for h in self.history]
        if max(scores[-patience:]) > max(scores[:-patience]):
            return False
        log(f"no better held-out {score_name(self.corpus.sentences)} in {patience} epoch(s): stopping early "
            f"(--patience {patience})")
        return True

    def _out_of_time(self, log: Any) -> bool:
        """``--max-minutes M``: True when another epoch, as long as the last one, would end past M minutes
        of training (the epochs' own seconds, those before a resume included)."""
        if not self.config.max_minutes or not self.history:
            return False
        spent = sum(h.get("seconds", 0.0) for h in self.history)
        if spent + self.history[-1].get("seconds", 0.0) <= 60 * self.config.max_minutes:
            return False
        log(f"{spent / 60:.1f} minutes spent and an epoch takes {self.history[-1].get('seconds', 0.0) / 60:.1f}: "
            f"stopping within the time budget (--max-minutes {self.config.max_minutes:g})")
        scores = [score_key(h, self.corpus.sentences) for h in self.history]
        recent = scores[-3:]
        if len(scores) > 3 and max(recent) >= max(scores):  # a best epoch among the last three: still learning
            log(f"the held-out {score_name(self.corpus.sentences)} was still rising; a larger budget "
                f"(--max-minutes {2 * self.config.max_minutes:g}) and --resume go on from here")
        return True

    def fit(self, log: Any = print) -> list[dict]:
        """Train until ``config.epochs``.

        Ctrl-C lets the batch in hand finish, then saves ``last.safetensors`` and says how to resume,
        so a resumed run goes on exactly where this one stopped (same weights, optimizer, RNG,
        data, loss sums). A second Ctrl-C stops sooner, but never inside an update or a commit.
        """
        if self.run is None and self.world.is_root:  # used as a library, without open_run: one training at a time
            self.run = RunFolder(self.out).acquire()
            if self.history:  # resumed: the folder's metrics agree with the checkpoint again
                self.run.write_metrics(self.history)
        best = max((score_key(h, self.corpus.sentences) for h in self.history), default=(-1.0, -1.0))
        self._start_warmup()
        try:
            with self.ctrl_c:
                while (self.epoch < self.config.epochs and not self._out_of_patience(log)
                       and not self._out_of_time(log)):
                    started = time.perf_counter()
                    train_loss, speed = self.train_epoch()
                    if self.stop_requested:
                        raise KeyboardInterrupt
                    valid = evaluate(self.model, self.corpus, self.corpus.valid, self.config)
                    record = {"epoch": self.epoch + 1, "train_loss": round(train_loss, 6), **valid.metrics("valid"),
                              "lr": self.optimizer.param_groups[0]["lr"], "tokens_per_second": round(speed, 1),
                              "seconds": round(time.perf_counter() - started, 2)}
                    with self.ctrl_c.commit():  # best before last, so that best exists whenever last does
                        self.history.append(record)
                        self.epoch, self.batch_index, self.loss_sum, self.tokens = self.epoch + 1, 0, 0.0, 0
                        if score_key(record, self.corpus.sentences) > best or not (self.out / BEST).exists():
                            best = max(best, score_key(record, self.corpus.sentences))
                            self._save(BEST)
                        self._save(LAST)
                        if self.run is not None:  # None on the ranks other than 0, which write nothing
                            self.run.write_metrics(self.history)
                    if self.run is not None:
                        self.run.write_plot(self.history, plot_history)
                    log(f"epoch {record['epoch']}: train loss {train_loss:.4f}, held-out "
                        f"{held_out_line(record, self.corpus.sentences)} ({record['seconds']:.0f} s)")
        except KeyboardInterrupt:
            with ignoring_ctrl_c():  # the save that keeps the work is never cut short by another Ctrl-C
                if not (self.out / BEST).exists():
                    self._save(BEST)
                path = self._save(LAST)
            log(f"interrupted: saved {path} (epoch {self.epoch + 1}, batch {self.batch_index}); "
                f"to go on, run the same command with --resume")
            raise
        finally:
            self.close()
        return self.history
