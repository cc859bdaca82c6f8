"""The Markdown, LaTeX and JSON renderers of worked solutions.

Every case is a real solution from ``explain``. Each rendering must hold every printed
value in the text renderer's order, be byte-identical across runs, and be read by the tool
its readers use: a CommonMark parser with the dollar-math plugin (pandoc's rules for ``$``),
``pdflatex`` for the document and for every Markdown math span, a JSON Schema validator.
"""

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.derive import explain
from chainrule.derive.conventions import _CHOICES, DECIMAL_KINDS, SHOWABLE
from chainrule.derive.solution import KINDS, SECTIONS, LayerInfo
from chainrule.derive.symbol import Applied, Partial, Symbol
from chainrule.render._latex import PREAMBLE
from chainrule.render._markdown import escape
from chainrule.render.latex_math import latex_text, math_text, number, split_sum, symbol_latex

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "docs" / "worked-solution.schema.json"
HOSTILE = r"a_b%# & {x} \end ~^$ | <i>*y*</i> [z](u) ü δ ☃"

# our own weights for the blog's 2-2-1 XOR step (the post's weights are lost)
BLOG_221 = [(np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, -0.1]), "sigmoid"),
            (np.array([[0.5], [0.6]]), np.array([0.2]), "sigmoid")]
# Han, Kamber & Pei 9.2.3 (θ added); Mazur 2015 (shared fixed biases); Fausett's exam problem
HAN = [(np.array([[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]), np.array([-0.4, 0.2]), "sigmoid"),
       (np.array([[-0.3], [-0.2]]), np.array([0.1]), "sigmoid")]
MAZUR = [(np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35]), "sigmoid"),
         (np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]), "sigmoid")]
FAUSETT = [(np.array([[0.6, -0.3], [-0.1, 0.4]]), np.array([0.3, 0.5]), "sigmoid"),
           (np.array([[0.4], [0.1]]), np.array([-0.2]), "sigmoid")]
XOR_X, XOR_T = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]


def _random(sizes, activations, seed, bias=True):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(a, b)), rng.normal(size=b) if bias else None, act)
            for a, b, act in zip(sizes, sizes[1:], activations)]


def _shared(layers):
    return [(k, np.full(k.shape[1], 0.25), act) for k, _, act in layers]


CASES = {
    "blog_221": lambda: explain(BLOG_221, [1, 0], [1], learning_rate=0.3),
    "net_232_two_examples": lambda: explain(
        _random((2, 3, 2), ("tanh", "sigmoid"), 1), [[1, 0], [0.5, -1]], [[1, 0], [0, 1]],
        learning_rate=0.2, loss="sse"),
    "han_rounded": lambda: explain(HAN, [1, 0, 1], [1], learning_rate=0.9, convention="han"),
    "fausett": lambda: explain(FAUSETT, [0, 1], [1], learning_rate=0.25, convention="fausett"),
    "fausett_bipolar_momentum": lambda: explain(
        [(k, b, "bipolar_sigmoid") for k, b, _ in FAUSETT], [[0, 1], [1, 0]], [[1], [-1]],
        learning_rate=0.25, convention="fausett", momentum=0.5, epochs=2),
    "mazur": lambda: explain(MAZUR, [0.05, 0.10], [0.01, 0.99], learning_rate=0.5,
                             convention="mazur"),
    "layered_softmax_epochs": lambda: explain(
        _random((3, 3, 2, 3), ("tanh", "relu", "softmax"), 2), [[1, 0, 1], [0, 1, 0]],
        [[1, 0, 0], [0, 0, 1]], learning_rate=0.1, convention="layered",
        loss="categorical_crossentropy", epochs=3),
    "xor_epochs": lambda: explain(BLOG_221, XOR_X, XOR_T, learning_rate=0.3, epochs=3),
    "wide_long_sums": lambda: explain(
        _random((10, 4, 2), ("sigmoid", "sigmoid"), 3), np.linspace(-1, 1, 20).reshape(2, 10),
        [[0.2, 0.9], [0.7, 0.1]], learning_rate=0.1),
    "bias_threshold_plus": lambda: explain(BLOG_221, [1, 0], [1], learning_rate=0.3,
                                           bias="threshold", sign="plus"),
    "bias_separate_mse": lambda: explain(BLOG_221, [1, 1], [0], learning_rate=0.3,
                                         bias="separate", loss="mse", carry="rounded"),
    "bias_shared_frozen": lambda: explain(_shared(BLOG_221), [0, 1], [1], learning_rate=0.3,
                                          bias="shared", update_bias=False),
    "bias_none_linear_bce": lambda: explain(
        _random((2, 2, 1), ("linear", "sigmoid"), 4, bias=False), [1, -1], [1],
        learning_rate=0.5, bias="none", loss="binary_crossentropy"),
    "slip_after_weights": lambda: explain(BLOG_221, [1, 0], [1], learning_rate=0.3,
                                          hidden_delta_weights="after", decimals=3),
    "hostile_names": lambda: _hostile(),
}


def _hostile():
    """Hostile text everywhere a user can put it: title, notes, weight letters, unit names."""
    solution = explain(BLOG_221, [1, 0], [1], learning_rate=0.3, title=HOSTILE,
                       notes=[HOSTILE, "[x] - 1. # not markup"], layer_letters=("a_b%#", "v&{}"))
    net = solution.network
    names = tuple(Symbol("a_b%#", (str(j),)) for j in range(1, net.layers[1].units + 1))
    layers = (net.layers[0], LayerInfo(net.layers[1].units, net.layers[1].activation, names),
              *net.layers[2:])
    return dataclasses.replace(solution, network=dataclasses.replace(net, layers=layers))


_SOLUTIONS: dict = {}


def _solution(name):
    if name not in _SOLUTIONS:
        _SOLUTIONS[name] = CASES[name]()
    return _SOLUTIONS[name]


def _printed_equations(solution):
    """The equations the text renderer prints, in its order: given values, the shown steps,
    (then the weight table, checked on its own), the losses."""
    eqs = list(solution.given)
    for step in solution.shown_steps:
        for section in step.sections:
            eqs += [eq for eq in section if section.name != "given" or eq.kind != "weight"
                    or step.index > 1]
    return eqs + list(solution.losses)


def _in_order(document, needles, case):
    """Each needle (a string, or a tuple of alternatives) found after the previous one;
    the failure names the first one missing."""
    position = 0
    for what, needle in needles:
        options = needle if isinstance(needle, tuple) else (needle,)
        hits = [(document.find(n, position), n) for n in options]
        hits = [(found, n) for found, n in hits if found >= 0]
        assert hits, f"{case}: {what} not found in order: {needle!r}"
        found, n = min(hits)
        position = found + len(n)


def _math_needles(equations):
    out = []
    for eq in equations:
        symbol, value = symbol_latex(eq.symbol), number(eq.printed)
        if eq.kind in ("given", "input", "target", "weight"):  # a table cell or inline
            out += [(eq.id, symbol), (eq.id, f"{value}$")]
        else:  # a row of an align: symbol &= … = value, the value ending its row
            ends = (f"= {value} \\\\\n", f"= {value}\n")
            out += [(eq.id, f"{symbol} &= "), (eq.id, ends)]
    return out


def _weight_needles(solution):
    out = []
    for row in solution.weight_table:
        out.append((row.param, f"${symbol_latex(row.symbol)}$"))
        out += [(i, f"${number(solution.equation(i).printed)}$") for i in (row.given, *row.after)]
    return out


@pytest.fixture(params=sorted(CASES))
def case(request):
    return request.param


# --- every value, in order, in every format ---------------------------------------------------
def test_markdown_and_latex_print_every_value_in_the_text_renderers_order(case):
    solution = _solution(case)
    for name, document in (("markdown", solution.to_markdown()), ("latex", solution.to_latex())):
        head, _, tail = document.partition("## Weights\n" if name == "markdown"
                                           else "\\subsection*{Weights}")
        equations = _printed_equations(solution)
        losses = len(solution.losses)
        _in_order(head, _math_needles(equations[:-losses]), f"{case}/{name}")
        _in_order(tail, _weight_needles(solution) + _math_needles(equations[-losses:]),
                  f"{case}/{name} weight table and losses")
        text = solution.to_text()
        assert all(eq.printed.replace("-", "−") in text for eq in _printed_equations(solution))


def test_json_holds_every_equation_exactly_and_round_trips(case):
    solution = _solution(case)
    output = solution.to_json()
    doc = json.loads(output)
    assert json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == output
    equations = list(doc["given"])
    for step in doc["steps"]:
        equations += [eq for section in step["sections"] for eq in section["equations"]]
    equations += doc["losses"]
    assert [e["id"] for e in equations] == list(solution.equations)
    for e in equations:
        eq = solution.equation(e["id"])
        assert (e["value"], e["exact"], e["engine"]) == (eq.value, eq.exact, eq.engine), e["id"]
        assert (e["printed"], e["decimals"], e["kind"]) == (eq.printed, eq.decimals, eq.kind)
        assert e["refs"] == list(eq.refs) and e["symbol"]["text"] == eq.symbol.text
    table = doc["weight_table"]
    for row, data in zip(solution.weight_table, table["rows"]):
        ids = (row.given, *row.after)
        assert data["values"] == [solution.equation(i).value for i in ids], row.param
        assert data["printed"] == [solution.equation(i).printed for i in ids], row.param
    assert doc["shown"] == list(solution.shown) and doc["notes"] == list(solution.notes)


def test_json_validates_against_the_documented_schema(case):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the JSON output")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(json.loads(_solution(case).to_json())),
                    key=lambda e: list(e.absolute_path))
    assert not errors, f"{case}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_schema_is_valid_and_lists_the_libraries_own_names():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema checks the schema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    assert defs["equation"]["properties"]["kind"]["enum"] == list(KINDS)
    assert defs["section"]["properties"]["name"]["enum"] == list(SECTIONS)
    conventions = defs["conventions"]["properties"]
    for switch, valid in _CHOICES.items():
        assert conventions[switch]["enum"] == list(valid), switch
    assert list(conventions["decimals"]["properties"]) == list(DECIMAL_KINDS)
    assert conventions["show"]["items"]["enum"] == list(SHOWABLE)
    fields = {f.name for f in dataclasses.fields(_solution("blog_221").conventions)}
    assert fields <= set(conventions), fields - set(conventions)


# --- deterministic ----------------------------------------------------------------------------
def test_output_is_byte_identical_across_runs(case):
    first, second = _solution(case), CASES[case]()
    for render in ("to_markdown", "to_latex", "to_json"):
        assert getattr(first, render)() == getattr(second, render)(), f"{case}: {render}"


def test_output_does_not_depend_on_the_hash_seed():
    code = ("import hashlib, tests.test_explain_render as t\n"
            "s = t._solution('layered_softmax_epochs')\n"
            "print(hashlib.sha256((s.to_markdown() + s.to_latex() + s.to_json()).encode())"
            ".hexdigest())\n")
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
        digests.add(out.stdout.strip())
    solution = _solution("layered_softmax_epochs")
    here = solution.to_markdown() + solution.to_latex() + solution.to_json()
    digests.add(hashlib.sha256(here.encode()).hexdigest())
    assert len(digests) == 1


# --- Markdown: parsed by a real parser ----------------------------------------------------------
def _markdown_parser():
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py parses the Markdown")
    dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath",
                                     reason="mdit-py-plugins reads $…$ math")
    # pandoc's rules: no space inside the dollars, no digit right after the closing one
    return markdown_it.MarkdownIt("commonmark").enable("table").use(
        dollarmath.dollarmath_plugin, allow_space=False, allow_digits=False)


def _walk(tokens):
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def _math_spans(markdown):
    tokens = list(_walk(_markdown_parser().parse(markdown)))
    inline = [t.content for t in tokens if t.type == "math_inline"]
    blocks = [t.content for t in tokens if t.type == "math_block"]
    return tokens, inline, blocks


def test_markdown_math_delimiters_balance_and_parse(case):
    markdown = _solution(case).to_markdown()
    tokens, inline, blocks = _math_spans(markdown)
    # every $$ line opens or closes a block, and every unescaped $ delimits math
    assert len(blocks) * 2 == sum(1 for line in markdown.splitlines() if line == "$$"), case
    assert inline and blocks, case
    unescaped = [text.replace(r"\$", "").count("$") for text in [markdown, *blocks]]
    assert 2 * len(inline) + 4 * len(blocks) + sum(unescaped[1:]) == unescaped[0], case
    assert sum(1 for t in tokens if t.type == "table_open") == 3, case


def test_markdown_escapes_user_text():
    solution = _solution("hostile_names")
    tokens = list(_walk(_markdown_parser().parse(solution.to_markdown())))
    heading = next(i for i, t in enumerate(tokens) if t.type == "heading_open")
    assert tokens[heading + 1].content and _plain(tokens[heading + 1]) == HOSTILE
    items = [_plain(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert items[-2:] == [HOSTILE, "[x] - 1. # not markup"]
    assert not any(t.type in ("html_inline", "link_open", "em_open") for t in tokens)
    rows = [i for i, t in enumerate(tokens) if t.type == "tr_open"]
    assert all(tokens[i + 1].type in ("th_open", "td_open") for i in rows)
    assert escape("1) x") == r"1\) x" and escape("+ y") == r"\+ y"


def _plain(inline_token):
    return "".join(c.content for c in inline_token.children
                   if c.type in ("text", "code_inline"))


# --- LaTeX: compiled with pdflatex ------------------------------------------------------------
def _pdflatex(tmp_path, source, name="doc"):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (Debian: texlive-latex-base, "
                    "texlive-latex-recommended; .ci/run installs them)")
    (tmp_path / f"{name}.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode",
                          f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
    errors = [line for line in log.splitlines()
              if line.startswith("!") or line.startswith("Missing character")]
    assert run.returncode == 0 and not errors, f"{name}: {errors[:3]}\n{run.stdout[-1500:]}"
    return log


def _overfull(log, tolerance=1.0):
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    return [w for w in widths if w > tolerance]


def test_latex_document_compiles_and_fits_the_page(case, tmp_path):
    document = _solution(case).to_latex()
    assert document.startswith(r"\documentclass") and document.endswith("\\end{document}\n")
    log = _pdflatex(tmp_path, document, case)
    assert not _overfull(log), f"{case}: lines too wide by {_overfull(log)} pt"


def test_every_markdown_math_span_compiles(case, tmp_path):
    _, inline, blocks = _math_spans(_solution(case).to_markdown())
    body = [f"${span}$\\par" for span in inline] + [f"\\[{block}\\]" for block in blocks]
    source = PREAMBLE + "\\begin{document}\n" + "\n".join(body) + "\n\\end{document}\n"
    _pdflatex(tmp_path, source, case)


def test_hostile_text_and_symbols_compile(tmp_path):
    specials = ("\\ { } _ % & # $ ^ ~ < > | ` ?` !‘ ' \" -- ‘’ “” — … ½ ² ⁽ˡ⁾ ∂ · − ü ß Ω ☃ "
                + "".join(chr(c) for c in range(0xA0, 0x180)))
    symbols = [Symbol("a_b%#", ("1", Symbol("h{", ("2",)))), Symbol("^", (), "(2)", "+"),
               Symbol("", ("x",)), Symbol("z_in", ("1",)), Symbol("f", (), "", "′"),
               Symbol("\\", ("%",), "}", "~"), Symbol("z_in", ("1",), "", "%"),
               Symbol("δ_in", (Symbol("h&", ("1",)),))]
    math = " ,\\quad ".join(symbol_latex(s) for s in symbols)
    body = [latex_text(specials), f"$x {math_text(specials)}$", f"\\[{math}\\]",
            rf"\section*{{{latex_text(HOSTILE)}}}"]
    _pdflatex(tmp_path, PREAMBLE + "\\begin{document}\n" + "\n\n".join(body)
              + "\n\\end{document}\n", "hostile")
    latex = _solution("hostile_names").to_latex()
    # a letter's inner underscore starts an upright subscript, as Fausett's z_in: z_{\mathrm{in},1}
    assert latex_text(HOSTILE) in latex and r"a_{{\text{b}\%\#},1,1}" in latex


def test_an_escaped_symbol_keeps_the_layout_of_a_plain_one():
    # once a double subscript (z_{\mathrm{in}}_{1}), which LaTeX refuses
    assert symbol_latex(Symbol("z_in", ("1",), "", "%")) == r"z_{\mathrm{in},1}{\%}"
    assert symbol_latex(Symbol("δ_in", (Symbol("h&", ("1",)),))) == \
        r"\delta_{\mathrm{in},{\text{h}\&}_{1}}"
    for plain in (Symbol("z_in", ("1",)), Symbol("w", ("1", "12"), "(2)", "+"),
                  Partial(Symbol("E"), Symbol("net", (Symbol("h", ("1",)),))),
                  Applied("f′", Symbol("z_in", ("2",))), Symbol("Δw", ("1",), "", "(t−1)")):
        assert symbol_latex(plain) == plain.latex, plain


def test_long_sums_are_split_with_balanced_delimiters():
    pieces = split_sum(r"\left(a + \frac{b + c}{d}\right) - e + f\left(g - h\right)")
    assert [p for p, _ in pieces] == [r"\left(a", r"+ \frac{b + c}{d}\right)", "- e",
                                      r"+ f\left(g", r"- h\right)"]
    assert [depth for _, depth in pieces] == [0, 1, 0, 0, 1]
    latex = _solution("wide_long_sums").to_latex()
    for row in latex.split("\\\\\n"):
        assert row.count(r"\left") == row.count(r"\right"), row
