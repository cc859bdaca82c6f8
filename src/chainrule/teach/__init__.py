"""Teach: check a student's hand calculation and name the slip; generate problems.

>>> from chainrule.derive import explain
>>> from chainrule.teach import check
>>> net = [([[0.6, -0.3], [-0.1, 0.4]], [0.3, 0.5], "sigmoid"), ([[0.4], [0.1]], [-0.2], "sigmoid")]
>>> solution = explain(net, [0, 1], [1], learning_rate=0.25, convention="fausett")
>>> check(solution, {"y": "0.5227", "delta": "0.4773"}).slip.name
'fprime_missing'

See ``docs/checking.md``.
"""

from __future__ import annotations

from chainrule.teach.grading.answers import Answer, AnswerSheet, parse_answers, read_answers
from chainrule.teach.grading.grade import check
from chainrule.teach.grading.marks import DEFAULT_MARKS, MarkScheme
from chainrule.teach.grading.report import CheckReport, SlipFinding, ValueResult
from chainrule.teach.problems.files import Problem, bundled, bundled_names, load_problem
from chainrule.teach.problems.generate import GeneratedProblem, generate_problem, generate_problems
from chainrule.teach.slips.catalogue import SLIPS

__all__ = [
    "check", "CheckReport", "ValueResult", "SlipFinding", "SLIPS", "MarkScheme",
    "DEFAULT_MARKS", "Answer", "AnswerSheet", "read_answers", "parse_answers",
    "generate_problem", "generate_problems", "GeneratedProblem", "load_problem", "Problem",
    "bundled", "bundled_names",
]
