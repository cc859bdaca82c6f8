"""check(): full marks for a correct sheet, follow-through, mark schemes, names, reports."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.derive import explain
from chainrule.teach import MarkScheme, check, parse_answers
from chainrule.teach.grading.grade import check as check_function
from chainrule.teach.grading.names import NameTable
from chainrule.teach.slips.world import World, agrees, rederive
from test_teach_slips import PROBLEMS, planted_sheet, solve

PROFILES = ["blog", "fausett", "mazur", "han", "layered"]


def profile_solution(problem, convention, **switches):
    net, x, t = PROBLEMS[problem]
    if convention == "mazur":  # one bias per layer, shared by its units
        net = [(k, [b[0]] * len(b)) for k, b in net]
    layers = [(k, b, "sigmoid") for k, b in net]
    return explain(layers, x, t, learning_rate=0.3, convention=convention, **switches)


def key_sheet(solution):
    return {eq.id: eq.printed for eq in solution.equations.values()
            if eq.step in solution.shown and eq.kind not in ("input", "target", "weight")}


@pytest.mark.parametrize("convention", PROFILES)
@pytest.mark.parametrize("problem", ["2-2-1", "2-3-2"])
def test_a_correct_sheet_rounded_per_convention_gets_full_marks(problem, convention):
    solution = profile_solution(problem, convention)
    report = check(solution, key_sheet(solution))
    assert report.full_marks, report.to_text()
    assert report.first_wrong is None and report.slip is None and not report.missing
    assert report.count("right") == len(report.results)


@pytest.mark.parametrize("carry", ["full", "rounded"])
def test_either_carry_is_right_whatever_the_convention_carries(carry):
    solution = profile_solution("2-3-2", "blog", carry=carry)
    other = rederive(solution, carry="rounded" if carry == "full" else "full")
    report = check(solution, key_sheet(other))
    assert report.full_marks, report.to_text()


def test_the_package_exports_check():
    assert cr.teach.check is check_function
    assert check is check_function
    # a fresh interpreter, so the name is proven to resolve on its own from the package
    script = "import chainrule; assert chainrule.check is chainrule.teach.check"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- follow-through ------------------------------------------------------------------------------
def follow_through_sheet():
    solution = solve("2-2-1", "blog")
    sheet = planted_sheet(solution, "2-2-1", override={"s1.out.1.1": 0.65})
    return solution, sheet


def test_values_computed_from_a_wrong_earlier_value_follow_through():
    solution, sheet = follow_through_sheet()
    report = check(solution, sheet)
    assert report.first_wrong.id == "s1.out.1.1"
    assert report.count("wrong") == 1
    for qid in ("s1.net.2.1", "s1.out.2.1", "s1.delta.2.1", "s1.grad.w.2.1.1", "s1.new.w.2.1.1"):
        assert report.result(qid).status == "follow-through", qid
    assert report.result("s1.net.1.2").status == "right"
    assert report.marks == report.out_of - 1  # only out_h1's mark is lost
    assert "from your values" in report.to_text()


def test_follow_through_marks_follow_the_scheme():
    solution, sheet = follow_through_sheet()
    half = check(solution, sheet, marks=MarkScheme(follow_through=0.5))
    full = check(solution, sheet)
    ft = full.count("follow-through")
    ft_marks = sum(r.out_of for r in full.results if r.status == "follow-through")
    assert ft > 0 and half.marks == pytest.approx(full.marks - ft_marks / 2)


def test_a_second_mistake_after_a_follow_through_is_wrong():
    solution, sheet = follow_through_sheet()
    sheet["s1.new.w.2.1.1"] = "0.9999"
    report = check(solution, sheet)
    assert report.result("s1.new.w.2.1.1").status == "wrong"
    assert report.count("wrong") == 2 and report.first_wrong.id == "s1.out.1.1"


def test_follow_through_over_values_the_student_did_not_write():
    solution, sheet = follow_through_sheet()
    kept = {k: v for k, v in sheet.items() if k in ("s1.out.1.1", "s1.new.w.2.1.1")}
    report = check(solution, kept)
    assert report.result("s1.new.w.2.1.1").status == "follow-through"


# --- tolerance -------------------------------------------------------------------------------
def test_the_tolerance_is_half_a_unit_of_the_written_decimals():
    solution = solve("2-2-1", "blog")
    exact = solution.equation("s1.net.2.1").exact  # printed 0.1120
    assert check(solution, {"net_o": f"{exact:.6f}"}).results[0].status == "right"
    assert check(solution, {"net_o": "0.11"}).results[0].status == "right"
    assert check(solution, {"net_o": "0.1"}).results[0].status == "right"
    report = check(solution, {"net_o": "0.1"})
    assert report.results[0].note == "written to 1 decimal; the solution prints 4"
    assert report.to_text().startswith("Checked 1 value against the worked solution")
    assert check(solution, {"net_o": "0.1130"}).results[0].status == "wrong"
    assert check(solution, {"net_h1": "0.45"}).results[0].note == ""  # trailing zeros


def test_agrees_and_intervals():
    assert agrees(0.1234, 4, (0.12344, 0.12344))
    assert agrees(0.1234, 4, (0.12345, 0.1235))  # a tie may round either way
    assert not agrees(0.1234, 4, (0.12351, 0.1236))
    assert not agrees(0.1, 1, (float("-inf"), 1.0))
    solution = solve("2-3-2", "fausett")
    world = World(solution)
    for qid, eq in solution.equations.items():
        lo, hi = world.interval(qid)
        assert lo <= eq.exact <= hi and lo <= eq.value <= hi, qid


@pytest.mark.parametrize("convention", PROFILES)
def test_rederive_reproduces_the_solution(convention):
    solution = profile_solution("2-3-2", convention)
    again = rederive(solution)
    assert again.to_text() == solution.to_text()


# --- marks -----------------------------------------------------------------------------------
def test_default_scheme_and_section_totals():
    solution = solve("2-2-1", "fausett")
    report = check(solution, {"z_in_1": "0.4500"})
    sections = report.sections()
    assert sections["forward"] == (1.0, 6.0)
    assert sections["backward"][1] == 3 * 2 + 2 + 3 + 6 + 3  # 3 δ at 2 marks, 2 δ_in, 3 f′, 9 Δw
    assert report.out_of == sum(v[1] for v in sections.values())
    assert len(report.missing) == len([eq for eq in solution.equations.values()
                                       if eq.step and eq.kind not in (
                                           "input", "target", "weight")]) - 1


def test_a_teachers_scheme_from_the_answers_file():
    solution = solve("2-2-1", "fausett")
    sheet = parse_answers('y = 0.5280\ndelta = "0.1176"\n\n[marks]\ndelta = 5\nnet = 0\n'
                          'out = 0\nchange = 0\nupdate = 0\nerror = 0\n\n[marks.symbols]\n'
                          '"y" = 3\n')
    report = check(solution, sheet)
    assert report.result("y").out_of == 3 and report.result("δ").out_of == 5
    assert report.out_of == 3 + 5 * 3 + 2 + 3  # y, three δ, two δ_in, three f′ at the default 1
    explicit = check(solution, sheet, marks=MarkScheme())
    assert explicit.result("δ").out_of == 2  # an explicit scheme replaces the sheet's


def test_bad_mark_schemes_are_rejected():
    with pytest.raises(ValueError, match="unknown kind"):
        MarkScheme({"deltas": 1})
    with pytest.raises(ValueError, match="non-negative"):
        MarkScheme({"delta": -1})
    with pytest.raises(ValueError, match="follow_through"):
        MarkScheme(follow_through=2)
    solution = solve("2-2-1", "blog")
    with pytest.raises(ValueError, match="mark scheme: unknown symbol 'zz'"):
        check(solution, {"out_o": "0.528"}, marks=MarkScheme(symbols={"zz": 1}))


# --- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["δ_o", "delta_o", "\\delta_o", "delta o", "s1.delta.2.1",
                                  "s1.δ_o", "s1: delta_o", "step 1 delta_o", "DELTA_O"])
def test_spellings_of_a_delta(name):
    solution = solve("2-2-1", "blog")
    assert check(solution, {name: "-0.1176"}).results[0].id == "s1.delta.2.1"


@pytest.mark.parametrize("name,qid", [
    ("w_11⁺", "s1.new.w.1.1.1"), ("w_11+", "s1.new.w.1.1.1"), ("new w_11", "s1.new.w.1.1.1"),
    ("w_11_new", "s1.new.w.1.1.1"), ("w_11^{+}", "s1.new.w.1.1.1"), ("w11+", "s1.new.w.1.1.1"),
    ("∂E/∂w_11", "s1.grad.w.1.1.1"), ("dE/dw_11", "s1.grad.w.1.1.1"),
    ("dE_dw_11", "s1.grad.w.1.1.1"), ("∂out_h1/∂net_h1", "s1.fp.1.1"),
    ("dout_h1/dnet_h1", "s1.fp.1.1"), ("w_11", "s1.w.1.1.1"), ("Ē_1", "loss.1"),
    ("Ebar_1", "loss.1"),
])
def test_blog_spellings(name, qid):
    solution = solve("2-2-1", "blog")
    names = NameTable([eq for eq in solution.equations.values()
                       if eq.step or eq.kind == "loss"], "s1")
    assert names.resolve(name) == qid


@pytest.mark.parametrize("name,qid", [
    ("Δv_11", "s1.change.w.1.1.1"), ("Delta v_11", "s1.change.w.1.1.1"),
    ("dv_11", "s1.change.w.1.1.1"), ("Dv_11", "s1.change.w.1.1.1"),
    ("δ_in_1", "s1.dout.1.1"), ("delta_in_1", "s1.dout.1.1"), ("z_in_1", "s1.net.1.1"),
    ("v_01+", "s1.new.b.1.1"), ("alpha", None),
])
def test_fausett_spellings(name, qid):
    solution = solve("2-2-1", "fausett")
    if qid is None:
        with pytest.raises(ValueError, match="unknown symbol"):
            check(solution, {name: "0.3"})
        return
    assert check(solution, {name: "0.0013"}).results[0].id == qid


def test_layered_and_han_spellings():
    layered = profile_solution("2-2-1", "layered")
    for name in ("a⁽²⁾_1", "a^(2)_1", "a^{(2)}_1"):
        assert check(layered, {name: "0.5"}).results[0].id == "s1.out.2.1"
    han = han_kamber_like()
    for name in ("Err_5", "err_5", "Err5", "θ_3+", "theta_3+", "O_4", "I_4"):
        check(han, {name: "0.5"})


def han_kamber_like():
    return profile_solution("2-2-1", "han")


def test_an_unknown_symbol_lists_the_valid_ones():
    solution = solve("2-2-1", "blog")
    with pytest.raises(ValueError) as info:
        check(solution, parse_answers("net_h1 = 0.45\nnet_h9 = 0.1\n", source="a.toml"))
    message = str(info.value)
    assert message.startswith("a.toml, line 2: unknown symbol 'net_h9'")
    for symbol in ("net_h1", "out_o", "δ_o", "∂E/∂w_11", "w_11⁺", "v_0⁺"):
        assert symbol in message


def test_a_value_given_twice_names_both_lines():
    solution = solve("2-2-1", "blog")
    with pytest.raises(ValueError, match=r"line 2: 'delta_o' is given twice \(first as 'δ_o' "
                                         r"on line 1\)"):
        check(solution, parse_answers('"δ_o" = -0.1176\ndelta_o = -0.1176\n'))


def test_an_unknown_step_is_named():
    solution = solve("2-2-1", "blog")
    with pytest.raises(ValueError, match="unknown step 's2'"):
        check(solution, parse_answers("[s2]\nnet_h1 = 0.45\n"))


def test_steps_of_an_epoch_by_table_and_prefix():
    net, x, t = PROBLEMS["2-2-1"]
    layers = [(k, b, "sigmoid") for k, b in net]
    solution = explain(layers, [x, [0.1, 0.2]], [t, [0.0]], learning_rate=0.3)
    s2 = solution.equation("s2.net.1.1").printed
    report = check(solution, parse_answers(f"net_h1 = 0.4500\ns2.net_h1 = {s2}\n"
                                           f"[s2]\nout_h1 = 0.9\n"))
    assert [r.id for r in report.results] == ["s1.net.1.1", "s2.net.1.1", "s2.out.1.1"]
    assert [r.status for r in report.results] == ["right", "right", "wrong"]


# --- the report ------------------------------------------------------------------------------
def test_report_text_and_dict():
    solution = solve("2-2-1", "fausett")
    report = check(solution, {"z_in_1": "0.4500", "y": "0.5280", "delta": "0.4720",
                              "Δw_1": "0.0865"})  # 0.3·0.4720·0.6106
    text = report.to_text()
    assert "First wrong value: δ = 0.4720" in text
    assert "Most likely slip: derivative factor f′ missing" in text
    assert "total 3/36" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["first_wrong"] == "s1.delta.2.1"
    assert data["slip"]["name"] == "fprime_missing"
    assert data["counts"] == {"right": 2, "follow-through": 1, "wrong": 1, "missing": 29}
    assert data["marks"] == 3 and data["out_of"] == 36


def test_answers_may_be_a_mapping_of_floats():
    solution = solve("2-2-1", "blog")
    report = check(solution, {"out_o": 0.528, "net_h1": 0.45})
    assert [r.status for r in report.results] == ["right", "right"]
    with pytest.raises(ValueError, match="answers must be"):
        check(solution, 3)


# --- every activation, loss and switch ------------------------------------------------------------
K1, B1 = [[0.3, -0.2, 0.5], [0.7, 0.4, -0.6]], [0.1, -0.3, 0.2]
K2, B2 = [[0.5, -0.4], [0.2, 0.6], [-0.7, 0.3]], [0.1, -0.2]


@pytest.mark.parametrize("hidden,output,loss,t", [
    ("tanh", "softmax", "categorical_crossentropy", [1, 0]),
    ("relu", "sigmoid", "binary_crossentropy", [1, 0]),
    ("bipolar_sigmoid", "linear", "mse", [0.5, -0.2]),
    ("sigmoid", "tanh", "sse", [1, -1]),
])
@pytest.mark.parametrize("switches", [{}, {"momentum": 0.9}, {"epochs": 2},
                                      {"carry": "rounded"}, {"bias": "threshold"}])
def test_any_solution_gets_full_marks_from_its_own_key_and_finds_a_wrong_delta(
        hidden, output, loss, t, switches):
    switches = dict(switches)
    epochs = switches.pop("epochs", 1)
    solution = explain([(K1, B1, hidden), (K2, B2, output)], [[0.6, -0.8], [0.2, 0.3]],
                       [t, t], learning_rate=0.3, loss=loss, convention="fausett",
                       epochs=epochs, **switches)
    sheet = key_sheet(solution)
    assert check(solution, sheet).full_marks
    wrong = next(i for i in sheet if ".delta." in i)
    sheet[wrong] = str(round(float(sheet[wrong]) * 3 + 0.1, 4))
    report = check(solution, sheet)
    assert report.first_wrong.id == wrong and report.count("wrong") == 1, report.to_text()


def test_a_step_the_solution_does_not_have_is_named():
    solution = solve("2-2-1", "blog")
    with pytest.raises(ValueError, match="unknown step 's3' in 's3.net_h1'; the solution has "
                                         "steps s1"):
        check(solution, {"s3.net_h1": "0.45"})


def test_a_frozen_bias_update_is_accepted_but_not_offered():
    solution = solve("2-2-1", "blog", update_bias=False)
    report = check(solution, {"w_01+": "0.3"})  # unchanged: right, and worth nothing
    assert report.results[0].status == "right" and report.results[0].out_of == 0
    with pytest.raises(ValueError) as info:
        check(solution, {"w_09+": "0.3"})
    assert "w_01⁺" not in str(info.value) and "w_11⁺" in str(info.value)


def test_drift_alone_is_no_slip_in_the_json_and_exits_0(tmp_path):
    # Mazur (2015) prints ∂E_o2/∂out_h1 = −0.019049119, which only carrying rounded values
    # gives (docs/published-examples.md, S2.1): right, its digits rounding drift, no slip
    sheet = tmp_path / "mazur.toml"
    sheet.write_text('"∂E_o2/∂out_h1" = "-0.019049119"\n', encoding="utf-8")
    problem = cr.teach.load_problem(Path(cr.__file__).parent / "examples" / "mazur_2015.toml")
    report = check(problem.explain(problem.conventions()), sheet, only_answered=True)
    data = json.loads(json.dumps(report.to_dict()))
    assert report.full_marks and data["slip"] is None and data["first_wrong"] is None
    assert data["drift"]["name"] == "carry" and data["drift"]["explains"] == ["s1.dout.1.1.2"]
    run = subprocess.run([sys.executable, "-m", "chainrule", "check", "mazur_2015", str(sheet),
                          "--json"], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and json.loads(run.stdout)["slip"] is None  # 42 missing


def test_adams_printed_key_is_right_and_a_sign_slip_in_its_change_is_wrong():
    """Adam's change divides by √v̂: the printed key typed back is graded right (the root's
    interval is bounded), a change of the wrong sign is wrong, and grading it never meets
    the root of a negative number."""
    net = [([[0.3, -0.2], [0.1, 0.4]], [0.1, -0.1], "tanh"), ([[0.5], [-0.3]], [0.2], "relu")]
    solution = explain(net, [[1.0, -0.5], [0.2, 0.9]], [[0.5], [-0.2]], learning_rate=0.1,
                       optimizer="adam")
    key = {eq.id: eq.printed for step in solution.steps for eq in step.equations()
           if eq.kind not in ("given", "input", "target", "weight")}
    report = check(solution, key, only_answered=True)
    assert {r.status for r in report.results} == {"right"}, report.to_text()
    assert report.marks == report.out_of > 0
    change = solution.equation("s1.change.w.1.1.1")
    flipped = change.printed[1:] if change.printed.startswith("-") else "-" + change.printed
    report = check(solution, {change.id: flipped}, only_answered=True)
    assert report.result(change.id).status == "wrong"
