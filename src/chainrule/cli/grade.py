"""``chainrule grade``: a class's answer sheets against an exam, into a gradebook and feedback."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from chainrule._util.files import atomic_folder, check_folder, check_output, write_text_atomic
from chainrule._util.text import counted
from chainrule.teach.grading.batch import class_entries, grade_class, load_exam
from chainrule.teach.grading.gradebook import (
    feedback_html,
    feedback_markdown,
    feedback_name,
    gradebook_csv,
)

FEEDBACK_FILES = re.compile(r"[\w-]+\.(md|html)")


def run(args: argparse.Namespace) -> int:
    feedback = args.feedback or str(Path(args.output).with_suffix("")) + "-feedback"
    check_output(args.output, [args.sheets])  # before the work, not after it
    check_folder(feedback, FEEDBACK_FILES)
    entries = class_entries(args.sheets)
    exam = load_exam(args.problems)
    graded = grade_class(args.problems, entries, jobs=args.jobs)
    write_text_atomic(args.output, gradebook_csv(graded), inputs=[args.sheets])
    taken: set[str] = set()
    with atomic_folder(feedback, FEEDBACK_FILES) as folder:
        for g in graded:
            name = feedback_name(g.student, taken)
            (folder / f"{name}.md").write_text(feedback_markdown(g, exam), encoding="utf-8")
            (folder / f"{name}.html").write_text(feedback_html(g, exam), encoding="utf-8")
    right = sum(g.all_right for g in graded)
    flagged = sum(bool(g.flag or g.error) for g in graded)
    print(f"graded {counted(len(graded), 'sheet')}: {right} all right, "
          f"{len(graded) - right - flagged} with values to look at, {flagged} flagged; "
          f"wrote {args.output} and the feedback in {feedback}")
    return 0 if right == len(graded) else 1
