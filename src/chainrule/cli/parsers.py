"""The command line's parsers: every subcommand's arguments and help, and nothing heavier.

``chainrule --help`` and a usage error need these alone; a subcommand's module (which
imports what its work needs) is imported only to run it.
"""

from __future__ import annotations

import argparse
from typing import Any

#: Subcommands, in the order ``--help`` shows them.
COMMANDS = ("demo", "train", "explain", "check", "grade", "problem", "export", "examples",
            "report")
#: The formats of ``chainrule explain``.
FORMATS = ("text", "markdown", "latex", "json", "svg", "html")


# --- demo ------------------------------------------------------------------------------------
DEMO_HELP = ("explain the blog's XOR backpropagation step, then train the network until its four "
        "outputs are correct")
MAX_EPOCHS = 20_000


def demo(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo", help=DEMO_HELP,
        description=DEMO_HELP + ". The problem is the bundled blog_xor.toml; "
        "`chainrule explain blog_xor` prints its solution alone.",
    )
    p.add_argument("--max-epochs", type=int, default=MAX_EPOCHS, metavar="N",
                   help=f"give up after N epochs (default: {MAX_EPOCHS})")


# --- train -----------------------------------------------------------------------------------
TRAIN_HELP = "train a network on a toy dataset (xor, moons, ...) or a CSV/.npy/.npz file"
# datasets small enough that the blog's online training (one example per update) is the
# natural default; larger data trains in mini-batches of 32
ONLINE_UP_TO = 64

def _widths(text: str) -> list[int]:
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 16,8; got {text!r}") from None
    if not widths:
        raise argparse.ArgumentTypeError(f"expected at least one width, like 16,8; got {text!r}")
    if any(w <= 0 for w in widths):
        raise argparse.ArgumentTypeError(f"widths must be positive; got {text!r}")
    return widths


def train(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train", help=TRAIN_HELP,
        description=TRAIN_HELP + ". Progress goes to stdout, then a table of "
        "inputs, targets and outputs. The same --seed gives the same output.",
    )
    p.add_argument("data", help="a dataset name (and, or, nand, xor, moons, circles, spirals) "
                   "or a .csv, .npy or .npz file")
    p.add_argument("--target", help="the target column of a CSV file (default: the last)")
    p.add_argument("--hidden", default="2", type=_widths,
                   help="hidden layer widths, comma-separated, e.g. 16,8 (default: 2)")
    p.add_argument("--activation", default="sigmoid",
                   help="hidden activation (default: sigmoid)")
    p.add_argument("--output-activation", default="auto",
                   help="output activation (default: softmax for categorical_crossentropy, "
                   "tanh for -1/+1 targets, sigmoid for 0/1 targets, linear otherwise)")
    p.add_argument("--loss", default="half_sse", help="loss (default: half_sse, ½Σ(t−y)²)")
    p.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"),
                   help="optimizer (default: sgd)")
    p.add_argument("--lr", "--learning-rate", dest="lr", type=float, default=0.5,
                   help="learning rate η (default: 0.5)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    p.add_argument("--epochs", type=int, default=1000, help="epochs (default: 1000)")
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"examples per update (default: 1, online, up to {ONLINE_UP_TO} "
                   "examples; else 32)")
    p.add_argument("--until-correct", action="store_true",
                   help="stop as soon as every training output is correct")
    p.add_argument("--tolerance", type=float, default=None,
                   help="with --until-correct: correct means |t − y| <= TOLERANCE")
    p.add_argument("--validation-split", type=float, default=0.0,
                   help="fraction of the data held out for validation (default: 0)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the examples in order")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and order (default: 0)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                   help="0 silent, 1 progress bar (lines when not a terminal), 2 lines")
    p.add_argument("--save", metavar="PATH", help="save the trained model (.npz) and its "
                   "history beside it (PATH with .history.json), for chainrule report")
    p.add_argument("--plot", metavar="DIR", help="write the loss curve, the decision regions "
                   "(2-input data) and the gradient size per layer to DIR as PNG and SVG")


# --- explain ---------------------------------------------------------------------------------
EXPLAIN_HELP = "explain the training step(s) of a problem file as an exam-style worked solution"


def explain(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explain", help=EXPLAIN_HELP,
        description=EXPLAIN_HELP + ": forward pass, error, every δ, every "
        "gradient, every update, in the notation and rounding of the file's convention. The "
        "format of problem files is described in docs/problem-format.md.",
    )
    p.add_argument("file", metavar="FILE",
                   help="a problem file (.toml), or the name of a problem shipped with "
                   "chainrule: blog_xor, mazur_2015, han_kamber, fausett_binary, "
                   "fausett_bipolar, negnevitsky_xor, hagan_ch11")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="output format (default: text); svg is the annotated network "
                   "(weights before → after), html an offline step-through page")
    p.add_argument("--practice", action="store_true",
                   help="with --format html: a practice page that hides each value until "
                   "the student has typed it, marks it (right, follow-through, wrong) and "
                   "keeps the score")
    p.add_argument("--convention", metavar="NAME",
                   help="write the solution in another notation profile: blog, fausett, "
                   "mazur, han, layered, hagan or negnevitsky (default: the file's)")
    p.add_argument("--decimals", type=int, metavar="N",
                   help="print every quantity with N decimals (default: the convention's)")
    p.add_argument("--carry", choices=("full", "rounded", "calculator"),
                   help="full: compute exactly, print rounded; rounded: use each value as "
                   "printed, as by hand; calculator: f and exp rounded, arithmetic on printed "
                   "numbers written out exactly (default: the convention's)")
    p.add_argument("--form", choices=("scalar", "matrix"), default="scalar",
                   help="scalar: every number its own equation (default); matrix: each step "
                   "as vectors and matrices, z = Wa + b … (html: both, with a switch)")
    p.add_argument("--batch-size", type=int, metavar="K",
                   help="with --form matrix: K examples per step, the gradient their mean "
                   "(as fit(batch_size=K)); default: one example per step")
    p.add_argument("--layout", choices=("column", "row"),
                   help="with --form matrix: column vectors, z = Wa + b (default), or row "
                   "vectors, z = aW + b with W (in, out) as Keras's x @ kernel")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT (atomically) instead of standard output")


# --- check -----------------------------------------------------------------------------------
CHECK_HELP = "check a hand calculation against a problem's worked solution and name the slip"


def check(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check", help=CHECK_HELP,
        description=CHECK_HELP + ". Each value is right (within the tolerance "
        "its written decimals allow), follow-through (computed correctly from your own earlier "
        "values) or wrong; the report names the first wrong value, the most likely slip and "
        "the marks. Names as the worked solution prints them, or an ASCII spelling "
        "(delta_o, w_11+, dE/dw_11); see docs/checking.md.",
    )
    p.add_argument("problem", metavar="PROBLEM",
                   help="a problem file (.toml) or the name of a bundled example")
    p.add_argument("answers", metavar="ANSWERS", nargs="?",
                   help="the answers: a TOML file (symbol = value) or a CSV file (symbol,value)")
    p.add_argument("--published", action="store_true",
                   help="check the source's own printed numbers ([published] in the problem)")
    p.add_argument("--marks", metavar="FILE",
                   help="a mark scheme: a TOML file with [marks] and [marks.symbols] tables")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.epilog = ("exit code: 0 when every value is right and none is missing, 1 when any is "
                "wrong, follow-through or missing, 2 for bad input")


# --- grade ---------------------------------------------------------------------------------
GRADE_HELP = "grade a class's answer sheets against an exam: a gradebook and feedback pages"


def grade(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "grade", help=GRADE_HELP,
        description=GRADE_HELP + ". SHEETS is a folder of answer sheets (one a student; each "
        "names its variant with a 'variant = N' line or a number in its file name) or a "
        "roster CSV with the columns student, sheet and variant. The gradebook has a row a "
        "sheet: student, variant, marks per section, total, first wrong value, slip, flag.",
        epilog="exit code: 0 when every sheet is all right, 1 when any has a value to look "
        "at or is flagged (not its variant, unreadable), 2 for bad input",
    )
    p.add_argument("sheets", metavar="SHEETS", help="a folder of answer sheets, or a roster CSV "
                   "(with --make-sheets: the folder to write practice sheets into)")
    p.add_argument("--problems", required=True, metavar="EXAM_DIR",
                   help="the exam: a folder of problem-N.toml files (chainrule problem)")
    p.add_argument("-o", "--output", metavar="GRADEBOOK.csv",
                   help="the gradebook to write (required unless --make-sheets)")
    p.add_argument("--feedback", metavar="DIR",
                   help="where to write each student's feedback, .md and .html (default: "
                   "the gradebook's name with -feedback)")
    p.add_argument("--jobs", type=_positive, default=None,
                   help="processes to grade with (default: one a core)")
    p.add_argument("--make-sheets", type=_positive, metavar="N",
                   help="instead of grading, write N practice sheets into the folder SHEETS "
                   "(variants in turn; right, drifting, slipped, miscomputed, incomplete), to "
                   "try grading and an LMS before the exam")
    p.add_argument("--seed", type=_seed, default=0,
                   help="the seed of --make-sheets (default: 0)")


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1; got {text!r}")
    return number


# --- problem ---------------------------------------------------------------------------------
PROBLEM_HELP = ("generate backpropagation problems with nice numbers, a question sheet and an "
                "answer key")

def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}")
    return seed


def problem(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "problem", help=PROBLEM_HELP,
        description=PROBLEM_HELP + ". Writes the exam (questions.tex, questions.html: one "
        "variant a printed page with name, student ID and variant fields, the rules, the "
        "network drawn with its weights and an answer table of boxes and marks), the answer "
        "keys likewise (answers.tex, answers.html), the questions and keys as Markdown, the "
        "worked solutions (solutions.tex, answers-N.html), problem-N.toml (the problem file) "
        "and key-N.toml (its key, an answers file for chainrule check). The same --seed gives "
        "the same files.",
    )
    p.add_argument("--arch", default="2-2-1", help="layer sizes: 2 to 6 layers of 1 to 9 "
                   "units, at most 200 weights and biases (default: 2-2-1)")
    p.add_argument("--activation", default="sigmoid",
                   help="the hidden activation (sigmoid, tanh, relu, …: any elementwise "
                   "one of the activation table but linear; a wrong name lists them), or one "
                   "per weight layer such as relu,sigmoid (default: sigmoid)")
    p.add_argument("--loss", default="half_sse",
                   help="the error: half_sse, sse, mse, bce (sigmoid output) or cce (softmax "
                   "output of 2 units or more) (default: half_sse)")
    p.add_argument("--momentum", type=float, default=0.0,
                   help="momentum μ in [0, 1); with μ > 0 each problem has two steps, so "
                   "the second shows μ·Δw (default: 0)")
    p.add_argument("--carry", choices=("full", "rounded"),
                   help="full: compute exactly, print rounded; rounded: use each value as "
                   "printed (default: the convention's)")
    p.add_argument("--marks", metavar="FILE",
                   help="a mark scheme: a TOML file with [marks] and [marks.symbols] tables")
    p.add_argument("--convention", default="fausett",
                   help="notation profile: blog, fausett, mazur, han, layered, hagan, "
                   "negnevitsky (default: fausett)")
    p.add_argument("--decimals", type=int, default=1,
                   help="decimals of the given weights and inputs, 1 to 3 (default: 1)")
    p.add_argument("--answer-decimals", type=int, default=None,
                   help="decimals of the answers (default: the convention's)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="random seed, a whole number >= 0 (default: 0)")
    p.add_argument("--variants", type=int, default=1,
                   help="number of different problems, one a printed page (default: 1)")
    p.add_argument("--title", default="",
                   help="the course or exam title printed at the top of every page")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory to write the files to (created if missing)")


# --- export ----------------------------------------------------------------------------------
EXPORT_HELP = ("export an exam directory to an LMS: Moodle XML, a Canvas QTI package or a "
               "PrairieLearn question")
#: The formats of ``chainrule export`` (``chainrule.teach.export.FORMATS``).
EXPORT_FORMATS = ("moodle", "qti", "prairielearn")


def export(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export", help=EXPORT_HELP,
        description=EXPORT_HELP + ". Every problem file of EXAM_DIR is a variant, solved "
        "again for its values, decimals and marks. moodle: one cloze question per variant "
        "(an .xml file); qti: one quiz per variant (a .zip for Canvas); prairielearn: a "
        "question folder whose server.py grades with chainrule, follow-through included. "
        "See docs/export.md.",
    )
    p.add_argument("exam", metavar="EXAM_DIR",
                   help="an exam directory: chainrule problem -o DIR, or problem files")
    p.add_argument("--to", required=True, choices=EXPORT_FORMATS, help="the format")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the file (moodle, qti) or folder (prairielearn) to write, atomically")
    p.add_argument("--name", help="the exam's name in the LMS: category, quiz and question "
                   "titles, identifiers (default: EXAM_DIR's name)")


# --- examples --------------------------------------------------------------------------------
EXAMPLES_HELP = ("list the bundled published examples, or explain one beside the source's "
                 "printed numbers")


def examples(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "examples", help=EXAMPLES_HELP,
        description=EXAMPLES_HELP + ". With NAME: the worked solution under the "
        "source's own conventions, then each number the source prints beside the value its "
        "own rules give, and for a printed number that does not follow, the rule it does "
        "follow.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="an example (see the list)")
    p.add_argument("--format", choices=("text", "markdown"), default="text",
                   help="output format (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


# --- report ----------------------------------------------------------------------------------
REPORT_HELP = "turn a saved model (train --save) and its history into an HTML page with plots"


def report(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report", help=REPORT_HELP,
        description=REPORT_HELP + ": the network, loss curves, the decision "
        "regions of a 2-input model, gradient sizes per layer and the final predictions. "
        "The page fetches nothing.",
    )
    p.add_argument("run", metavar="RUN.npz", help="a model saved by chainrule train --save")
    p.add_argument("--history", metavar="HISTORY.json",
                   help="the run's history (default: RUN.history.json when it exists, as "
                   "chainrule train --save writes it)")
    p.add_argument("--data", help="the training data, to list predictions: a dataset name "
                   "or a .csv/.npy/.npz file (default: the one the history names)")
    p.add_argument("--target", help="the target column of a CSV file (default: the last)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of a generated dataset (default: the history's, else 0)")
    p.add_argument("--title", default=None, help="the page's title")
    p.add_argument("-o", "--output", default="report.html",
                   help="where to write the page (default: report.html)")
