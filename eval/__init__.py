"""Evaluation harness: retrieval per mode, figure answers, and the naive baseline, in one run.

    from eval import run
    report = run("../shared/eval/questions.jsonl", corpus="../shared/corpus", baseline=True)
    print(report.to_terminal())
"""

from eval.runner import Report, run

__all__ = ["Report", "run"]
