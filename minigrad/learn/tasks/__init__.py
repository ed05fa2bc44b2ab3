"""The tasks of the track, in order: each one's goal, links, typical mistakes and grader."""

from __future__ import annotations

from minigrad.learn.core import Task
from minigrad.learn.tasks import (
    task01_value,
    task02_backward,
    task03_sum_to,
    task04_matmul,
    task05_softmax,
    task06_cross_entropy,
    task07_gradcheck,
    task08_lstm_cell,
    task09_scores,
    task10_attention,
    task11_luong_step,
    task12_greedy,
    task13_beam_search,
    task14_multi_head,
    task15_transformer_layer,
)

TASKS: list[Task] = [
    task01_value.TASK,
    task02_backward.TASK,
    task03_sum_to.TASK,
    task04_matmul.TASK,
    task05_softmax.TASK,
    task06_cross_entropy.TASK,
    task07_gradcheck.TASK,
    task08_lstm_cell.TASK,
    task09_scores.TASK,
    task10_attention.TASK,
    task11_luong_step.TASK,
    task12_greedy.TASK,
    task13_beam_search.TASK,
    task14_multi_head.TASK,
    task15_transformer_layer.TASK,
]
