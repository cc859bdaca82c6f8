"""``chainrule grade``: a class's answer sheets against an exam, into a gradebook and feedback."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from chainrule._util.files import atomic_folder, check_folder, check_output, write_text_atomic
from chainrule._util.text import counted
from chainrule.teach.grading.batch import class_entries, exam_for, grade_class, load_exam
from chainrule.teach.grading.gradebook import feedback_name, feedback_pages, gradebook_csv
from chainrule.teach.grading.practice import practice_sheets

FEEDBACK_FILES = re.compile(r"[\w-]+\.(md|html)")
PRACTICE_FILES = re.compile(r"student-\d+\.toml")


def run(args: argparse.Namespace) -> int:
    if args.make_sheets:
        return make_sheets(args)
    if not args.output:
        raise ValueError("-o GRADEBOOK.csv is required (or --make-sheets N to write practice "
                         "sheets)")
    feedback = args.feedback or str(Path(args.output).with_suffix("")) + "-feedback"
    check_output(args.output, [args.sheets])  # before the work, not after it
    check_folder(feedback, FEEDBACK_FILES)
    entries = class_entries(args.sheets)
    exam = exam_for(args.problems)  # loaded once: the processes grading inherit it
    graded = grade_class(args.problems, entries, jobs=args.jobs)
    write_text_atomic(args.output, gradebook_csv(graded), inputs=[args.sheets])
    taken: set[str] = set()
    with atomic_folder(feedback, FEEDBACK_FILES) as folder:
        for g in graded:
            name = feedback_name(g.student, taken)
            md, html = feedback_pages(g, exam)
            (folder / f"{name}.md").write_text(md, encoding="utf-8")
            (folder / f"{name}.html").write_text(html, encoding="utf-8")
    right = sum(g.all_right for g in graded)
    flagged = sum(bool(g.flag or g.error) for g in graded)
    print(f"graded {counted(len(graded), 'sheet')}: {right} all right, "
          f"{len(graded) - right - flagged} with values to look at, {flagged} flagged; "
          f"wrote {args.output} and the feedback in {feedback}")
    return 0 if right == len(graded) else 1


def make_sheets(args: argparse.Namespace) -> int:
    """``--make-sheets N``: practice sheets into the folder SHEETS, and what was planted."""
    check_folder(args.sheets, PRACTICE_FILES)
    sheets = practice_sheets(load_exam(args.problems), args.make_sheets, seed=args.seed)
    with atomic_folder(args.sheets, PRACTICE_FILES) as folder:
        for sheet in sheets:
            (folder / sheet.name).write_text(sheet.text, encoding="utf-8")
    kinds = Counter(sheet.category for sheet in sheets)
    planted = ", ".join(f"{kinds[k]} {words}" for k, words in PLANTED.items() if kinds[k])
    print(f"wrote {counted(len(sheets), 'practice sheet')} in {args.sheets}: {planted}")
    return 0


#: How the summary of --make-sheets names each kind of sheet.
PLANTED = {"right": "right", "drift": "carried the other way", "slip": "with a slip",
           "arithmetic": "with a miscomputed value", "missing": "incomplete",
           "copied": "with another variant's values"}
