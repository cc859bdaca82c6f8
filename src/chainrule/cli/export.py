"""``chainrule export``: an exam directory as Moodle XML, a QTI package or a PrairieLearn
question."""

from __future__ import annotations

import sys
from typing import Any

from chainrule.teach.export import export, read_exam, write_export
from chainrule.teach.export.output import check_target


def run(args: Any) -> int:
    check_target(args.output, args.to, args.exam)  # before solving every variant
    exam = read_exam(args.exam, name=args.name)
    result = export(exam, args.to)
    path = write_export(result, args.output)
    print(path)
    for note in result.notes:
        print(f"chainrule export: note: {note}", file=sys.stderr)
    return 0
