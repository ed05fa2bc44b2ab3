"""Hundreds of crafted or damaged checkpoints, each of which must be refused quickly in bounded memory.

    python benchmarks/hostile_checkpoints.py            # a table: every file, refused or not, time, peak memory
    python benchmarks/hostile_checkpoints.py --json     # one JSON line per file, then a summary (for the tests)

The files start from a real ``best.safetensors`` and ``last.safetensors`` of a tiny model and go
wrong in every way we could think of: truncated anywhere, bytes flipped anywhere, a header that
claims a terabyte, JSON that is not an object, nested 100 000 deep, with a key twice or a million
values; tensors of string or bfloat16 dtype, of negative, huge or ten-dimensional shapes, whose byte
ranges overlap, leave gaps or leave the file; metadata of another format, damaged tags, references
to tensors that are not there; and, with a correct SHA-256 so that the schema is what refuses,
configs with ``hidden_size`` 30000, ``max_len`` 1e9, ``decoder: "nope"``, sizes that are strings
or negative, lists where dicts belong, vocabularies that are not lists of strings, Adam state of
the wrong shape, RNG state of the wrong length, progress that disagrees with the history. Old
``.npz`` files too: a member that inflates to 1 GB, two members of one name, an encrypted flag, a
pickled object array, an ``.npy`` header that lies.

Memory is measured with tracemalloc (NumPy reports its buffers to it), time with perf_counter;
each file is refused in the same process, one after the other. The machine may be shared: the
times are indicative, the memory figures are not affected.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import struct
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minigrad import safefile, serialization  # noqa: E402
from minigrad.io.legacy import read_npz  # noqa: E402
from minigrad.io.serialization import CheckpointError  # noqa: E402
from models.checkpoint import load_checkpoint  # noqa: E402
from models.config import TrainConfig  # noqa: E402
from models.corpus import Corpus  # noqa: E402
from models.data import DataError, Vocab, split  # noqa: E402
from models.runfolder import BEST, LAST  # noqa: E402
from models.trainer import Trainer  # noqa: E402


def tiny_corpus() -> Corpus:
    rng = random.Random(0)
    pairs: dict[str, str] = {}
    while len(pairs) < 80:
        word = "".join(rng.choice("abcd") for _ in range(rng.randint(2, 5)))
        pairs[word] = word[::-1]
    train, valid, test = split(list(pairs.items()), 0, 0.1, 0.1)
    return Corpus(train, valid, test, Vocab.build(s for s, _ in train), Vocab.build(t for _, t in train))


def base_run(folder: Path) -> tuple[TrainConfig, Corpus]:
    corpus = tiny_corpus()
    config = TrainConfig(task=None, epochs=1, batch_size=16, hidden_size=8, embed_size=4, max_len=8,
                         out=str(folder / "base"))
    Trainer(config, corpus, progress_bar=False).fit(log=lambda message: None)
    return config, corpus


# --- writing crafted files -------------------------------------------------------------------------


def split_file(data: bytes) -> tuple[dict[str, Any], bytes]:
    (size,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + size]), data[8 + size:]


def join_file(header: Any, body: bytes, raw_header: bytes | None = None) -> bytes:
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def with_meta(data: bytes, edit: Callable[[dict[str, Any]], None], fix_checksum: bool = True) -> bytes:
    """The file with its minigrad metadata edited (and its SHA-256 made right again, so the schema must refuse)."""
    header, body = split_file(data)
    meta = json.loads(header["__metadata__"]["minigrad"])
    edit(meta)
    if fix_checksum:
        tensors = {}
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            begin, end = entry["data_offsets"]
            dtype = {"F32": "<f4", "I64": "<i8", "F64": "<f8", "BOOL": "?"}[entry["dtype"]]
            tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(entry["shape"])
        meta["sha256"] = serialization.checksum(meta, tensors)
    header["__metadata__"]["minigrad"] = json.dumps(meta)
    return join_file(header, body)


def setter(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(meta: dict[str, Any]) -> None:
        target = meta
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return edit


def deleter(*keys: Any) -> Callable[[dict[str, Any]], None]:
    def edit(meta: dict[str, Any]) -> None:
        target = meta
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]
    return edit


def hostile_files(best: bytes, last: bytes, bomb_mb: int = 1024) -> Iterator[tuple[str, str, bytes]]:
    """``(name, kind, content)``: kind 'load' (load_checkpoint), 'resume' (as a run's last) or 'npz' (convert)."""
    rng = random.Random(1)
    header, body = split_file(best)
    # 1. bytes: truncated anywhere, flipped anywhere, grown
    for cut in sorted({0, 1, 7, 8, 9, 16, *rng.sample(range(len(best)), 60), len(best) - 1}):
        yield f"truncated at {cut}", "load", best[:cut]
    for position in rng.sample(range(len(best)), 120):
        flipped = bytearray(best)
        flipped[position] ^= 1 << rng.randrange(8)
        if bytes(flipped) != best:
            yield f"bit flipped at {position}", "load", bytes(flipped)
    yield "a byte appended", "load", best + b"\0"
    yield "zeros", "load", bytes(len(best))
    # 2. the header's size
    for claim in (0, 1, 2, 100_000_000, 2**40, 2**63, 2**64 - 1, len(best) - 7):
        yield f"header claims {claim} bytes", "load", struct.pack("<Q", claim) + best[8:]
    # 3. the header's JSON
    raw_headers = {
        "a list": b"[1, 2, 3]", "a number": b"12345", "a string": b'"x"', "null": b"null", "empty": b"",
        "not UTF-8": b'{"\xff\xfe": 1}', "not JSON": b"{this is not json}",
        "nested 100000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "lists nested 900 deep": b'{"__metadata__": {}, "a": ' + b"[" * 900 + b"]" * 900 + b"}",
        "a million values": b'{"a": [' + b"0," * 1_500_000 + b"0]}",
        "a key twice": b'{"x": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "x": '
                       b'{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        "1.5 million short strings": b'["' + b'ab","' * 1_500_000 + b'"]',
    }
    for name, raw in raw_headers.items():
        yield f"header {name}", "load", join_file(None, body, raw)
    # just under the limit of JSON values: what the bound lets through must still fit in memory
    limit = safefile.MAX_JSON_VALUES - 1000
    under = {f"{limit:,} short strings": "[" + '"ab",' * limit + '"ab"]',
             f"{limit:,} floats": "[" + "1.5," * limit + "1.5]",
             f"{limit // 2:,} empty objects": "[" + "{}," * (limit // 2) + "{}]"}
    for name, text in under.items():
        yield f"header of {name}", "load", join_file(None, body, ('{"x": ' + text + "}").encode())
        crafted = copy.deepcopy(header)
        crafted["__metadata__"] = {"minigrad": text}
        yield f"metadata of {name}", "load", join_file(crafted, body)
    # 4. the tensor table
    first = next(name for name in header if name != "__metadata__")

    def table(edit: Callable[[dict[str, Any]], None]) -> bytes:
        changed = copy.deepcopy(header)
        edit(changed)
        return join_file(changed, body)

    for dtype in ("STR", "U", "object", "BF16", "F8_E4M3", "C64", 3, None, "f4"):
        yield f"dtype {dtype!r}", "load", table(lambda h, d=dtype: h[first].update(dtype=d))
    shape = header[first]["shape"]
    for bad in ([-1], ["3"], [1.5], [10**12], [10**6, 10**6], [1] * 9, [[2]], "2", None, [2**64], [0, 10**30]):
        yield f"shape {bad!r}", "load", table(lambda h, b=bad: h[first].update(shape=b))
    yield "a shape of one more", "load", table(lambda h: h[first].update(shape=[shape[0] + 1, *shape[1:]]))
    begin, end = header[first]["data_offsets"]
    for bad in ([end, begin], [begin, end + 10**12], [-4, end], [begin], "0-4", [begin, end, 0], [0.0, 4.0],
                [begin + 4, end + 4]):
        yield f"offsets {bad!r}", "load", table(lambda h, b=bad: h[first].update(data_offsets=b))
    yield "overlapping tensors", "load", table(lambda h: [h[name].update(data_offsets=[0, h[name]["data_offsets"][1]
                                                                                       - h[name]["data_offsets"][0]])
                                                          for name in h if name != "__metadata__"])
    yield "an extra field", "load", table(lambda h: h[first].update(extra=1))
    yield "a missing field", "load", table(lambda h: h[first].pop("shape"))
    yield "a tensor entry that is a list", "load", table(lambda h: h.update({first: [1, 2]}))
    yield "metadata a list", "load", table(lambda h: h.update(__metadata__=["x"]))
    yield "metadata values numbers", "load", table(lambda h: h.update(__metadata__={"minigrad": 3}))
    yield "no minigrad metadata", "load", table(lambda h: h.update(__metadata__={}))
    for count in (5_000, 100_000):
        yield f"{count:,} empty tensors", "load", table(lambda h, n=count: h.update(
            {f"x{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(n)}))
    # 5. the minigrad metadata, checksum left wrong or made right
    yield "metadata edited, checksum not", "load", with_meta(best, setter("state", "progress", "epoch", value=0),
                                                             fix_checksum=False)
    meta_edits: dict[str, Callable[[dict[str, Any]], None]] = {
        "format other": setter("format", value="other"), "version 3": setter("version", value=3),
        "version a string": setter("version", value="2"), "no state": deleter("state"),
        "devices a list": setter("devices", value=[]),
        "devices for other tensors": setter("devices", value={"x": "cpu"}),
        "a reference to a missing tensor": setter("state", "model", "encoder.embedding.weight",
                                                  value={"__tensor__": "nope"}),
        "a reference that is a list": setter("state", "model", "encoder.embedding.weight", value={"__tensor__": [1]}),
        "a __tuple__ of a number": setter("state", "history", value={"__tuple__": 5}),
        "a __dict__ of numbers": setter("state", "history", value={"__dict__": [1, 2]}),
        "a __dict__ keyed by lists": setter("state", "history", value={"__dict__": [[[1], 2]]}),
        "state nested 70 deep": setter("state", "deep", value=json.loads("[" * 70 + "]" * 70)),
    }
    for name, edit in meta_edits.items():
        yield f"metadata: {name}", "load", with_meta(best, edit)
    yield "metadata: sha256 a number", "load", with_meta(best, setter("sha256", value=5), fix_checksum=False)
    # 6. the schema, with a right checksum
    schema_edits: dict[str, Callable[[dict[str, Any]], None]] = {
        "hidden_size 30000": lambda m: [m["config"]["train"].update(hidden_size=30000),
                                        m["config"]["model"].update(hidden_size=30000)],
        "hidden_size 30000 in the model only": setter("config", "model", "hidden_size", value=30000),
        "max_len 1e9": setter("config", "train", "max_len", value=1e9),
        "max_len 10**9": setter("config", "train", "max_len", value=10**9),
        "decoder nope": lambda m: [m["config"]["train"].update(decoder="nope"),
                                   m["config"]["model"].update(decoder="nope")],
        "score nope": setter("config", "model", "score", value="nope"),
        "hidden_size a string": setter("config", "model", "hidden_size", value="16"),
        "hidden_size negative": setter("config", "model", "hidden_size", value=-8),
        "hidden_size true": setter("config", "model", "hidden_size", value=True),
        "num_layers 0": setter("config", "model", "num_layers", value=0),
        "num_layers 2": lambda m: [m["config"]["train"].update(num_layers=2),
                                   m["config"]["model"].update(num_layers=2)],
        "bidirectional true": lambda m: [m["config"]["train"].update(bidirectional=True),
                                         m["config"]["model"].update(bidirectional=True)],
        "embed_size 10**12": setter("config", "model", "embed_size", value=10**12),
        "dropout 2": setter("config", "model", "dropout", value=2.0),
        "dropout NaN": setter("config", "model", "dropout", value=float("nan")),
        "lr negative": setter("config", "train", "lr", value=-1.0),
        "batch_size a list": setter("config", "train", "batch_size", value=[1]),
        "train a list": setter("config", "train", value=[]),
        "model a list": setter("config", "model", value=[]),
        "config a string": setter("config", value="x"),
        "no config": setter("config", value=None),
        "an unknown option": setter("config", "train", "rm_rf", value=True),
        "an unknown model key": setter("config", "model", "layers", value=3),
        "data a number": setter("config", "train", "data", value=5),
        "level nope": setter("config", "train", "level", value="nope"),
        "source vocab a string": setter("config", "source_vocab", value="abc"),
        "source tokens numbers": setter("config", "source_vocab", "tokens", value=[1, 2, 3]),
        "source tokens without specials": lambda m: m["config"]["source_vocab"].update(
            tokens=m["config"]["source_vocab"]["tokens"][4:]),
        "a token twice": lambda m: m["config"]["target_vocab"]["tokens"].append("a"),
        "one more token": lambda m: m["config"]["target_vocab"]["tokens"].append("zz"),
        "an empty token": lambda m: m["config"]["target_vocab"]["tokens"].append(""),
        "vocab level nope": setter("config", "target_vocab", "level", value="bytes"),
        "data_sha256 short": setter("config", "data_sha256", value="abc"),
        "progress epoch -1": setter("state", "progress", "epoch", value=-1),
        "progress epoch a string": setter("state", "progress", "epoch", value="1"),
        "progress epoch beyond the history": setter("state", "progress", "epoch", value=5),
        "progress a list": setter("state", "progress", value=[1, 0]),
        "progress batch 1.5": setter("state", "progress", "batch", value=1.5),
        "progress loss NaN": setter("state", "progress", "loss_sum", value=float("nan")),
        "history records of other epochs": setter("state", "history", value=[{"epoch": 7}]),
        "history a dict": setter("state", "history", value={"epoch": 1}),
        "history with a string": setter("state", "history", value=[{"epoch": 1, "loss": "low"}]),
        "state model a list": setter("state", "model", value=[]),
        "no model": deleter("state", "model"),
        "a weight not a tensor": setter("state", "model", "encoder.embedding.weight", value=[[0.0]]),
    }
    for name, edit in schema_edits.items():
        yield f"schema: {name}", "load", with_meta(best, edit)
    # 7. training state, as a run's last (checked on resume)
    first_param = "optimizer/state/0/exp_avg"
    last_header, _ = split_file(last)
    resume_edits: dict[str, Callable[[dict[str, Any]], None]] = {
        "rng keys 623": lambda m: m["state"]["rng"]["keys"].pop(),
        "rng keys 2**32": lambda m: m["state"]["rng"]["keys"].__setitem__(0, 2**32),
        "rng keys strings": lambda m: m["state"]["rng"].update(keys=["0"] * 624),
        "rng kind PCG64": setter("state", "rng", "kind", value="PCG64"),
        "rng pos 1000": setter("state", "rng", "pos", value=1000),
        "rng has_gauss 2": setter("state", "rng", "has_gauss", value=2),
        "rng a list": setter("state", "rng", value=[1, 2]),
        "rng keys all zero": lambda m: m["state"]["rng"].update(keys=[0] * 624),
        "optimizer betas (1.5, 2.0)": lambda m: m["state"]["optimizer"]["param_groups"][0].update(
            betas={"__tuple__": [1.5, 2.0]}),
        "no optimizer": deleter("state", "optimizer"),
        "optimizer a list": setter("state", "optimizer", value=[]),
        "optimizer param_groups empty": setter("state", "optimizer", "param_groups", value=[]),
        "optimizer params of another model": lambda m: m["state"]["optimizer"]["param_groups"][0].update(
            params=[0, 1, 2]),
        "optimizer params repeated": lambda m: m["state"]["optimizer"]["param_groups"][0]["params"].__setitem__(1, 0),
        "optimizer lr a string": lambda m: m["state"]["optimizer"]["param_groups"][0].update(lr="fast"),
        "optimizer lr negative": lambda m: m["state"]["optimizer"]["param_groups"][0].update(lr=-1.0),
        "optimizer betas infinite": lambda m: m["state"]["optimizer"]["param_groups"][0].update(
            betas={"__tuple__": [1e999, 0.9]}),
        "adam state of the wrong shape": lambda m: m["state"]["optimizer"]["state"]["__dict__"][0][1].update(
            exp_avg=m["state"]["optimizer"]["state"]["__dict__"][1][1]["exp_avg"]),
        "adam step a string": lambda m: m["state"]["optimizer"]["state"]["__dict__"][0][1].update(step="3"),
        "adam step negative": lambda m: m["state"]["optimizer"]["state"]["__dict__"][0][1].update(step=-3),
        "adam state for parameter 999": lambda m: m["state"]["optimizer"]["state"]["__dict__"].append(
            [999, {"step": 1}]),
        "progress batch 10**6": setter("state", "progress", "batch", value=10**6),
        "trained with another seed": lambda m: m["config"]["train"].update(seed=99),
    }
    assert first_param in last_header
    for name, edit in resume_edits.items():
        yield f"resume: {name}", "resume", with_meta(last, edit)
    # 8. old .npz files, read only to convert
    yield from old_npz_files(bomb_mb)


def deflate_bomb(size: int) -> bytes:
    """A zip whose one member, ``header.npy``, inflates to ``size`` zero bytes (written in 1 MB pieces)."""
    import io

    buffer, piece = io.BytesIO(), bytes(2**20)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("header.npy", "w", force_zip64=True) as member:
            for _ in range(size // len(piece)):
                member.write(piece)
    return buffer.getvalue()


def old_npz_files(bomb_mb: int) -> Iterator[tuple[str, str, bytes]]:
    import io

    def archive(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names
            with zipfile.ZipFile(buffer, "w", compression=compression) as zipped:
                for name, content in members:
                    zipped.writestr(name, content)
        return buffer.getvalue()

    def npy(array: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=True)
        return buffer.getvalue()

    header = {"format": "minigrad.checkpoint", "version": 1, "state": {"w": {"__tensor__": "array_0"}},
              "config": None, "arrays": {"array_0": {}}, "sha256": "0" * 64}
    header_npy = npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    weight = npy(np.ones(4, dtype=np.float32))
    objects = np.empty(1, dtype=object)
    objects[0] = {"a": 1}
    yield f"npz: a member that inflates to {bomb_mb} MB", "npz", deflate_bomb(bomb_mb * 2**20)
    yield "npz: two members of one name", "npz", archive([("header.npy", header_npy), ("array_0.npy", weight),
                                                           ("array_0.npy", weight)])
    yield "npz: a pickled object array", "npz", archive([("header.npy", npy(objects))])
    yield "npz: no header", "npz", archive([("array_0.npy", weight)])
    yield "npz: an npy header that lies about the shape", "npz", archive([
        ("header.npy", header_npy), ("array_0.npy", weight.replace(b"(4,)", b"(10000000000,)"))])
    yield "npz: an npy header of 100 kB", "npz", archive([("header.npy", b"\x93NUMPY\x01\x00" + b"\xff\xff"
                                                             + b" " * 100_000)])
    yield "npz: a header of floats", "npz", archive([("header.npy", npy(np.ones(3)))])
    yield "npz: a header nested 100000 deep", "npz", archive([("header.npy", npy(np.frombuffer(
        b"[" * 100_000 + b"]" * 100_000, dtype=np.uint8)))])
    yield "npz: the wrong checksum", "npz", archive([("header.npy", header_npy), ("array_0.npy", weight)])
    encrypted = bytearray(archive([("header.npy", header_npy)]))
    encrypted[6] |= 1  # the local header's "encrypted" flag
    central = encrypted.rfind(b"PK\x01\x02")
    encrypted[central + 8] |= 1
    yield "npz: the encrypted flag", "npz", bytes(encrypted)
    yield "npz: 20 000 members", "npz", archive([(f"m{i}.npy", b"") for i in range(20_000)])


# --- refusing them ----------------------------------------------------------------------------------


def refuse(path: Path, kind: str, config: TrainConfig, corpus: Corpus) -> str | None:
    """The one-line refusal for ``path`` (None if it was accepted, which is a failure)."""
    try:
        if kind == "npz":
            read_npz(path)
        elif kind == "resume":
            trainer = Trainer(TrainConfig(**{**config.__dict__, "out": str(path.parent)}), corpus, progress_bar=False)
            trainer.resume()
        else:
            load_checkpoint(path)
    except (CheckpointError, DataError) as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - what the tests must never see: a refusal that is a traceback
        return f"CRASH {type(exc).__name__}: {exc}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--memory-only", action="store_true", help="measure peak memory only, not time")
    parser.add_argument("--bomb-mb", type=int, default=1024, help="what the zip bomb inflates to (MB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        config, corpus = base_run(folder)
        best, last = (folder / "base" / BEST).read_bytes(), (folder / "base" / LAST).read_bytes()
        assert load_checkpoint(folder / "base" / BEST) and refuse(folder / "base" / LAST, "resume", config,
                                                                   corpus) is None
        results = []
        for number, (name, kind, content) in enumerate(hostile_files(best, last, args.bomb_mb)):
            case = folder / f"case{number}"
            case.mkdir()
            path = case / (LAST if kind == "resume" else "old.npz" if kind == "npz" else "crafted.safetensors")
            path.write_bytes(content)
            del content
            seconds = 0.0
            if not args.memory_only:
                started = time.perf_counter()  # timed alone: tracemalloc slows small allocations down
                refuse(path, kind, config, corpus)
                seconds = time.perf_counter() - started
            tracemalloc.start()
            message = refuse(path, kind, config, corpus)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            crashed = bool(message and message.startswith("CRASH"))
            result = {"name": name, "kind": kind, "refused": message is not None and not crashed,
                      "crashed": crashed, "names_the_file": bool(
                message and str(path) in message), "one_line": bool(message and "\n" not in message),
                "seconds": round(seconds, 4), "peak_mb": round(peak / 2**20, 2), "size": path.stat().st_size,
                "message": message.replace(str(path), "FILE")[:200] if message else None}
            results.append(result)
            if args.json:
                print(json.dumps(result), flush=True)
            path.unlink()
    worst_time = max(results, key=lambda r: r["seconds"])
    worst_memory = max(results, key=lambda r: r["peak_mb"])
    summary = {"files": len(results), "refused": sum(r["refused"] for r in results),
               "worst_seconds": worst_time["seconds"], "worst_seconds_file": worst_time["name"],
               "worst_peak_mb": worst_memory["peak_mb"], "worst_peak_file": worst_memory["name"],
               "largest_file_mb": round(max(r["size"] for r in results) / 2**20, 2)}
    if args.json:
        print(json.dumps({"summary": summary}))
        return
    print(f"{'file':58} {'refused':>7} {'ms':>8} {'peak MB':>8}  message")
    for r in results:
        print(f"{r['name'][:58]:58} {'yes' if r['refused'] else 'NO':>7} {r['seconds'] * 1000:8.1f} "
              f"{r['peak_mb']:8.2f}  {r['message'] or ''}")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
