"""The learner's starting files, one per task: what `minigrad-learn start N` writes."""
