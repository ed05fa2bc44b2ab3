"""The track's vocabulary: a task, a wrong answer (its key picks the message), and the messages in two languages.

The grader of a task raises :class:`AnswerError` with a key; the key picks the message, in English
or Korean, from the task's typical mistakes, its other messages, or :data:`GENERIC`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
STUBS, SOLUTIONS = HERE / "stubs", HERE / "solutions"


@dataclass(frozen=True)
class Task:
    """One step of the track: what the learner writes (``provides``), where it is explained, how it is graded."""

    number: int
    name: str
    title: dict[str, str]  # lang -> a few words
    goal: dict[str, str]  # lang -> one line
    docs: str  # the docs section that explains it, relative to the repository root
    notebook: str  # the notebook that shows it
    provides: tuple[str, ...]  # the names the learner's file defines, which later tasks may use
    mistakes: dict[str, tuple[str, str]]  # key -> (English, Korean): the typical wrong answers it recognises
    grade: Callable[[ModuleType], None]  # raises AnswerError, or returns when the answer passes
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)  # other failures this grader names

    @property
    def filename(self) -> str:
        return f"task{self.number:02d}_{self.name}.py"

    def stub_text(self) -> str:
        return (STUBS / self.filename).read_text(encoding="utf-8")


class Words(NamedTuple):
    """A phrase that fills a message, in both languages (the message picks one)."""

    en: str
    ko: str


class AnswerError(Exception):
    """A wrong answer: ``key`` names the mistake (a task's or a generic one), ``details`` fill its message."""

    def __init__(self, key: str, **details: Any) -> None:
        super().__init__(key)
        self.key, self.details = key, details


# Failures that any task can have; a task's own mistakes are in Task.mistakes.
GENERIC: dict[str, tuple[str, str]] = {
    "no_file": ("there is no {path} yet: run `minigrad-learn start {number}` first",
                "{path} 파일이 아직 없습니다. 먼저 `minigrad-learn start {number}`를 실행하세요"),
    "not_done": ("{what} still raises NotImplementedError: write it where the stub says so",
                 "{what}이(가) 아직 NotImplementedError를 냅니다. 스텁이 가리키는 곳에 코드를 쓰세요"),
    "missing": ("your file does not define {what}: keep the names the stub gave you",
                "파일에 {what}이(가) 없습니다. 스텁에 있던 이름을 그대로 두세요"),
    "raised": ("your code raised {error} at {where}: {text}",
               "{where}에서 {error} 오류가 났습니다: {text}"),
    "too_slow": ("the check stopped your code after {seconds:g} s at {where}: is there a loop that never ends?",
                 "{seconds:g}초가 지나 {where}에서 코드를 멈췄습니다. 끝나지 않는 반복문이 있지 않나요?"),
    "shape": ("{what} has shape {got} but should have shape {want}",
              "{what}의 shape이 {got}인데 {want}이어야 합니다"),
    "values": ("{what} is wrong: at {index} it is {got:.6g}, expected {want:.6g}",
               "{what}이(가) 틀렸습니다. {index} 위치의 값이 {got:.6g}인데 {want:.6g}이어야 합니다"),
}
NOTES: dict[str, tuple[str, str]] = {
    "fallback": ("task {number} ({name}) does not pass yet, so {what} comes from the reference solution",
                 "과제 {number}({name})를 아직 통과하지 못해서 {what}은(는) 참고 답안의 것을 씁니다"),
    "yours": ("{what} is yours, from task {number}", "{what}은(는) 과제 {number}에서 직접 쓴 것입니다"),
}


def message(task: Task | None, key: str, details: dict[str, Any], lang: str) -> str:
    """The text of failure ``key`` in ``lang``, its fields filled from ``details``."""
    table = {**GENERIC, **NOTES, **(task.messages if task else {}), **(task.mistakes if task else {})}
    english, korean = table[key]
    local = {name: (value.ko if lang == "ko" else value.en) if isinstance(value, Words) else value
             for name, value in details.items()}
    return (korean if lang == "ko" else english).format(**local)
