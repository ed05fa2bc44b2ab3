"""``minigrad-learn list | start N [DIR] | check N [DIR] [--reference]``, in English or Korean (``--lang``).

Exit status: 0 when the command did what was asked (for ``check``, when the answer passes), 1 when
``check`` finds the answer wrong, 2 for a command that cannot run (an unknown task, a bad option).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minigrad.learn import core, track

TIME_LIMIT = 60.0  # seconds for one check; every task's passes in well under one

WORDS = {
    "passes": ("passes", "통과"), "fails": ("not yet", "아직"), "absent": ("not started", "시작 전"),
    "task": ("task", "과제"), "file": ("your file", "내 파일"), "reference": ("the reference", "참고 답안"),
    "pass": ("PASS", "통과"), "fail": ("NOT YET", "아직 아님"), "note": ("note", "참고"),
    "read": ("read", "읽을거리"),
    "next": ("next: minigrad-learn start {n}", "다음: minigrad-learn start {n}"),
    "done": ("that was the last task: well done", "마지막 과제였습니다. 수고하셨습니다"),
    "written": ("wrote {path}: complete it, then run minigrad-learn check {n}",
                "{path}을(를) 만들었습니다. 완성한 뒤 minigrad-learn check {n}을 실행하세요"),
    "kept": ("kept {path}: you have changed it, so start does not overwrite it (delete it to start over)",
             "{path}은(는) 이미 고친 파일이라 덮어쓰지 않았습니다(처음부터 하려면 지우세요)"),
    "unknown": ("there is no task {n}: the tasks are 1 to {last} (minigrad-learn list)",
                "과제 {n}은(는) 없습니다. 과제는 1부터 {last}까지입니다(minigrad-learn list)"),
}


def say(key: str, lang: str, **fields: object) -> str:
    english, korean = WORDS[key]
    return (korean if lang == "ko" else english).format(**fields)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="minigrad-learn", description="Build minigrad yourself, one graded task "
                                  "at a time (docs/learn.md).")
    top.add_argument("--lang", choices=track.LANGS, help="en or ko (default: from the locale)")
    commands = top.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the tasks, and which of yours pass")
    listing.add_argument("dir", nargs="?", type=Path, default=track.DEFAULT_WORKSPACE)
    for name, text in (("start", "write the file for task N"), ("check", "grade your file for task N")):
        command = commands.add_parser(name, help=text)
        command.add_argument("number", type=int)
        command.add_argument("dir", nargs="?", type=Path, default=track.DEFAULT_WORKSPACE)
        command.add_argument("--lang", choices=track.LANGS, default=argparse.SUPPRESS)
        if name == "check":
            command.add_argument("--reference", action="store_true", help="grade minigrad's own solution instead")
    listing.add_argument("--lang", choices=track.LANGS, default=argparse.SUPPRESS)
    return top


def status(task: core.Task, workspace: Path) -> str:
    state = track.started(task, workspace)
    if state != "changed":
        return "absent" if state == "absent" else "fails"
    return "passes" if track.check(task.number, workspace).passed else "fails"


def list_tasks(workspace: Path, lang: str) -> int:
    for task in track.tasks():
        mark = say(status(task, workspace), lang)
        print(f"{task.number:2d}  {task.name:<16} [{mark}]  {task.title[lang]}: {task.goal[lang]}")
    return 0


def start(task: core.Task, workspace: Path, lang: str) -> int:
    path, written = track.start(task, workspace)
    print(say("written" if written else "kept", lang, path=path, n=task.number))
    print(f"{say('read', lang)}: {task.docs}, {task.notebook}")
    return 0


def check(task: core.Task, workspace: Path, reference: bool, lang: str) -> int:
    result = track.check(task.number, workspace, reference=reference, time_limit=TIME_LIMIT)
    whose = say("reference", lang) if reference else f"{say('file', lang)}: {result.path}"
    print(f"{say('task', lang)} {task.number} · {task.title[lang]} ({whose})")
    for key, details in result.notes:
        print(f"  {say('note', lang)}: {core.message(task, key, details, lang)}")
    if result.passed:
        print(f"{say('pass', lang)}")
        last = track.tasks()[-1].number
        print(say("next", lang, n=task.number + 1) if task.number < last else say("done", lang))
        return 0
    print(f"{say('fail', lang)}: {result.text(lang)}")
    print(f"{say('read', lang)}: {task.docs}, {task.notebook}")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    lang = track.language(args.lang)
    if args.command == "list":
        return list_tasks(args.dir, lang)
    try:
        task = track.task(args.number)
    except KeyError:
        print(say("unknown", lang, n=args.number, last=track.tasks()[-1].number), file=sys.stderr)
        return 2
    if args.command == "start":
        return start(task, args.dir, lang)
    return check(task, args.dir, args.reference, lang)
