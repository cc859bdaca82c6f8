"""server.py of a PrairieLearn question written by ``chainrule export --to prairielearn``.

PrairieLearn calls these functions; each hands ``data`` to chainrule, which draws a variant
of the exam from the seed, shows it, and grades it with follow-through marks and the likely
slip as feedback (``chainrule.teach.export.prairielearn``). chainrule must be importable:
install it into the course's ``serverFilesCourse`` folder (see chainrule's docs/export.md).
The exam's problem files are in ``problems/`` beside this file.
"""

import os

from chainrule.teach.export import prairielearn as chainrule_question

_HERE = os.path.dirname(os.path.abspath(__file__))


def _folder(data):
    # PrairieLearn passes the question's folder; it is also the folder of this file
    return (data.get("options") or {}).get("question_path") or _HERE


def generate(data):
    chainrule_question.generate(data, _folder(data))


def grade(data):
    chainrule_question.grade(data, _folder(data))


def test(data):
    chainrule_question.test(data, _folder(data))
