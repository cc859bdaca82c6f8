"""Export an exam to an LMS: Moodle XML, a Canvas QTI 1.2 package, a PrairieLearn question.

An exam directory (``chainrule problem --variants N -o DIR``, or problem files written by
hand) is read into plain data by ``read_exam``: each variant solved again, each asked value
with its printed key, tolerance and marks. ``export`` turns it into one format and
``write_export`` writes it atomically::

    >>> from chainrule.teach.export import export, read_exam, write_export
    >>> exam = read_exam("exam")                                      # doctest: +SKIP
    >>> write_export(export(exam, "moodle"), "exam.xml")              # doctest: +SKIP
    PosixPath('exam.xml')

One module per format: ``moodle`` (a cloze question per variant), ``qti`` (a quiz per
variant, as Canvas imports it), ``prairielearn`` (one question folder whose ``server.py``
grades with ``chainrule.teach.check``: follow-through marks and the slip as feedback). See
``docs/export.md``.
"""

from __future__ import annotations

from chainrule.teach.export.exam import Exam, Field, Part, Variant, read_exam
from chainrule.teach.export.output import FORMATS, Export, export, write_export

__all__ = ["read_exam", "Exam", "Variant", "Part", "Field", "export", "write_export",
           "Export", "FORMATS"]
