"""Exam sheets that print: one variant a page, in LaTeX (compiled by pdflatex, pages counted)
and in HTML (printed by headless Chromium, pages counted); what a page holds; what the
question page must not show (an answer); user text escaped.

The set drawn here mixes the shapes a page must hold: three 2-3-1 variants (the common exam),
a two-step momentum problem (60 boxes), a 2-3-2 problem in the blog's notation (bias units,
∂E/∂w symbols) and a softmax output with categorical cross-entropy in the layered notation.
Without pdflatex (and TikZ) or Chromium (and Playwright) those tests are skipped; ``.ci/run``
installs them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from chainrule.cli import main
from chainrule.teach.problems.drawing import question_solution
from chainrule.teach.problems.generate import generate_problem, generate_problems
from chainrule.teach.problems.rules import rules_text
from chainrule.teach.problems.sheets import write_problem_set
from test_viz_html import browser  # noqa: F401 - the headless Chromium fixture, shared

HOSTILE = "Intro to NNs <script>alert(1)</script> & 100% $x$ #1 ~ \\ {x}_^"


def mixed_problems():
    problems = generate_problems("2-3-1", variants=3, seed=2024)
    problems += [generate_problem("2-2-1", momentum=0.9, seed=2024, number=4),
                 generate_problem("2-3-2", convention="blog", seed=2024, number=5),
                 generate_problem("2-2-3", loss="cce", convention="layered", seed=2024,
                                  number=6)]
    return problems


@pytest.fixture(scope="module")
def problems():
    return mixed_problems()


@pytest.fixture(scope="module")
def exam(problems, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exam")
    write_problem_set(problems, folder, title=HOSTILE)
    return folder


class Boxes(HTMLParser):
    """The text of every answer box (``<span class="box">``) of an HTML sheet, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[str] = []
        self._in_box = False

    def handle_starttag(self, tag, attrs):
        if tag == "span" and ("class", "box") in attrs:
            self._in_box = True
            self.boxes.append("")

    def handle_endtag(self, tag):
        self._in_box = False

    def handle_data(self, data):
        if self._in_box:
            self.boxes[-1] += data


def boxes(html: str) -> list[str]:
    parser = Boxes()
    parser.feed(html)
    return parser.boxes


def asked_values(problems):
    return [p.solution.equation(q).printed.replace("-", "−") for p in problems for q in p.asked()]


# --- what a page holds -----------------------------------------------------------------------
def test_every_question_box_is_empty_and_every_key_box_holds_the_keys_value(exam, problems):
    questions = (exam / "questions.html").read_text(encoding="utf-8")
    answers = (exam / "answers.html").read_text(encoding="utf-8")
    # the question page's boxes: the variant number in its field, then one empty box a value
    expected = [b for p in problems for b in [str(p.number)] + [""] * len(p.asked())]
    assert boxes(questions) == expected
    assert boxes(answers) == asked_values(problems)
    for p in problems:
        assert len(re.findall(rf'data-variant="{p.number}"', questions)) == 1
    assert questions.count("Student ID") == len(problems) and "Student ID" not in answers


def test_the_question_drawing_holds_the_given_values_and_no_answer(problems):
    for p in problems:
        given = question_solution(p.solution)
        allowed = {eq.id for eq in p.solution.given}
        allowed |= {eq.id for eq in p.solution.steps[0].section("given")}
        assert set(given.equations) <= allowed, p.number
        weights = [eq for eq in p.solution.steps[0].section("given") if eq.kind == "weight"]
        assert {eq.id for eq in weights} <= set(given.equations)


def test_the_latex_pages_hold_every_field_box_and_marks(exam, problems):
    questions = (exam / "questions.tex").read_text(encoding="utf-8")
    answers = (exam / "answers.tex").read_text(encoding="utf-8")
    assert questions.count(r"\answerbox{") == sum(len(p.asked()) for p in problems)
    assert questions.count(r"\answerbox{") == answers.count(r"\answerbox{")
    assert questions.count("Student ID") == len(problems)
    assert questions.count(r"\begin{tikzpicture}") == len(problems)
    assert questions.count(r"\clearpage") == answers.count(r"\clearpage") == len(problems)
    for p in problems:
        assert f"Variant {p.number}" in questions
        for qid in p.asked():  # every key value in the key, none in a question box
            printed = p.solution.equation(qid).printed
            assert f"{{${printed}$}}" in answers, (p.number, qid)
            assert f"{{${printed}$}}" not in questions, (p.number, qid)
    assert "Total: 50 marks." in questions  # a 2-3-1 problem: 8 + 1 + 28 (f′ lines too) + 13


def test_the_rules_are_one_sentence_with_everything_a_student_needs():
    p = generate_problem("2-3-1", seed=2024)
    text = rules_text(p)
    assert text.endswith(".") and ". " not in text.rstrip(".")  # one sentence
    for part in ("binary sigmoid f(x) = 1/(1 + e^(−x))", "E = ½Σ(t − y)²",
                 f"α = {p.learning_rate:g}", "4 decimals", "keep full precision"):
        assert part in text, part
    if p.raised:  # the decimals the generator raised are named
        assert f"to {p.raised['change']})" in text
    rounded = rules_text(generate_problem("2-2-1", seed=3, carry="rounded", loss="bce",
                                          activation="relu", convention="blog"))
    for part in ("as rounded", "ReLU f(x) = max(0, x) in the hidden units",
                 "binary sigmoid", "ln", "η = "):
        assert part in rounded, part
    momentum = rules_text(generate_problem("2-2-1", seed=3, momentum=0.9))
    assert "μ = 0.9" in momentum and "each of the 2 examples" in momentum


def test_user_titles_are_escaped(exam):
    for name in ("questions.html", "answers.html"):
        html = (exam / name).read_text(encoding="utf-8")
        assert "<script>" not in html
        assert "Intro to NNs &lt;script&gt;alert(1)&lt;/script&gt; &amp; 100%" in html
    tex = (exam / "questions.tex").read_text(encoding="utf-8")
    titles = [line for line in tex.splitlines() if "Intro to NNs" in line]
    assert len(titles) == 6
    for text in (r"$<$script$>$", r"$\&$", r"100$\%$", r"$\$$x$\$$", r"$\#$1", r"$\backslash$"):
        assert all(text in t for t in titles), text


def test_the_cli_puts_the_title_on_every_page(tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["problem", "--arch", "2-2-1", "--variants", "2", "--seed", "5",
                 "--title", "ML 101 — Midterm", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    for name in ("questions.tex", "answers.tex", "solutions.tex", "questions.html",
                 "answers.html", "questions.md", "key-2.toml", "problem-2.toml"):
        assert str(out / name) in printed, name
    assert (out / "questions.html").read_text(encoding="utf-8").count("ML 101 — Midterm") == 3
    assert (out / "answers.tex").read_text(encoding="utf-8").count("ML 101") == 2


# --- printing --------------------------------------------------------------------------------
def _latex_or_skip():
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-recommended)")
    found = subprocess.run(["kpsewhich", "tikz.sty"], capture_output=True, text=True)
    if not found.stdout.strip():
        pytest.skip("TikZ is not installed (apt-get install texlive-pictures)")


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF: its page objects (pdflatex's are in object streams, so a
    pdflatex PDF is counted from its log instead)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.slow
def test_the_latex_sheets_compile_with_one_variant_a_page(exam, problems):
    _latex_or_skip()
    for name in ("questions", "answers"):
        result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                 f"{name}.tex"], cwd=exam, capture_output=True, text=True,
                                timeout=180)
        assert result.returncode == 0, f"{name}.tex: {result.stdout[-2000:]}"
        log = (exam / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        pages = re.search(r"Output written on \S+ \((\d+) pages?", log)
        assert pages and int(pages.group(1)) == len(problems), (name, pages and pages[0])
        if shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(exam / f"{name}.pdf")], capture_output=True,
                                  text=True).stdout
            assert re.search(rf"^Pages:\s+{len(problems)}$", info, re.M), info


@pytest.mark.slow
def test_the_html_sheets_print_one_variant_a_page(browser, exam, problems):
    for name in ("questions.html", "answers.html"):
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((exam / name).as_uri())
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf_pages(pdf) == len(problems), name
        # and each page is one variant: every variant but the last breaks the page after it,
        # and each, zoomed as it is (its height includes the zoom), is no taller than the
        # 273 mm of an A4 page between its margins
        page.set_viewport_size({"width": 703, "height": 1000})  # 186 mm: A4 less margins
        page.emulate_media(media="print")
        laid_out = page.evaluate("""() => [...document.querySelectorAll('.variant')].map(s =>
            [getComputedStyle(s).breakAfter,
             s.getBoundingClientRect().height * 25.4 / 96])""")
        page.close()
        assert [b for b, _ in laid_out] == ["page"] * (len(problems) - 1) + ["auto"], name
        assert all(height <= 273 for _, height in laid_out), (name, laid_out)
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == [], name


def test_a_marks_file_sets_the_marks_the_pages_print(tmp_path, capsys):
    marks = tmp_path / "marks.toml"
    marks.write_text("[marks]\nupdate = 2\nfollow_through = 0.5\n\n[marks.symbols]\n"
                     '"E" = 3\n', encoding="utf-8")
    out = tmp_path / "set"
    assert main(["problem", "--arch", "2-2-1", "--seed", "5", "--marks", str(marks),
                 "-o", str(out)]) == 0
    capsys.readouterr()
    # 2-2-1: 9 updates at 2 marks, E at 3; 6 forward values at 1
    for name in ("questions.html", "questions.tex"):
        page = (out / name).read_text(encoding="utf-8")
        assert "[18 marks, 2 marks each]" in page and "[3 marks]" in page, name
        assert "[6 marks, 1 mark each]" in page, name
    key = (out / "answers.html").read_text(encoding="utf-8")
    assert "earns 50% of its marks" in key
    # the problem file carries the scheme: chainrule check marks the key out of what was printed
    assert main(["check", str(out / "problem-1.toml"), str(out / "key-1.toml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["out_of"] == 6 + 3 + 20 + 18  # 3 f′ lines
