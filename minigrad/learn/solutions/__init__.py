"""The reference solutions, one per task, graded by `minigrad-learn check N --reference`."""
