"""Every letter of a notation configurable; momentum with time indices; the notes true to
the step they annotate."""

from __future__ import annotations

import pytest

from chainrule.derive.conventions import get
from chainrule.teach import check
from chainrule.teach.problems.files import bundled, load_problem

BLOG = bundled("blog_xor")


def lines(solution) -> dict[str, str]:
    return {eq.symbol.text: eq.printed for step in solution.steps
            for section in step.sections for eq in section.equations}


def test_unit_letters_and_letters_rename_every_symbol_without_changing_a_number():
    plain = lines(BLOG.explain(get("blog")))
    renamed = lines(BLOG.explain(get("blog", unit_letters=("x", "z", "y"),
                                     letters={"net": "s", "δ": "d", "E": "J"})))
    assert renamed["s_z1"] == plain["net_h1"] and renamed["out_y"] == plain["out_o"]
    assert renamed["d_z2"] == plain["δ_h2"] and renamed["∂J/∂v_1"] == plain["∂E/∂v_1"]
    assert sorted(renamed.values()) == sorted(plain.values())
    assert not any("h" in s.split("_")[-1] or s.startswith("net") for s in renamed)


def test_letters_in_a_problem_file_and_fausetts_compound_names():
    problem = load_problem("fausett_binary")
    solution = problem.explain(get(problem.conventions(), unit_letters=["x", "h", "o"],
                                   letters={"α": "η"}))
    shown = lines(solution)
    assert "h_in_1" in shown and "f′(o_in)" in shown and "Δw_1" in shown
    assert solution.to_latex().count(r"h_{\mathrm{in},1}") > 0


@pytest.mark.parametrize("bad", [{"unit_letters": ["x", "z"]}, {"letters": {"net": ""}},
                                 {"unit_letters": "xzy"}])
def test_bad_letters_name_the_field_and_quote_the_value(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        get("blog", **bad)


def test_momentum_is_written_with_time_indices():
    solution = bundled("fausett_binary").explain(get("fausett", momentum=0.5), epochs=2)
    second = solution.steps[1]
    eq = next(e for s in second.sections for e in s.equations if e.id == "s2.change.w.2.1.1")
    first = solution.equation("s1.change.w.2.1.1")
    assert eq.symbol.text == "Δw_1(t)"
    assert "Δw_1(t−1)" in solution.to_text() and "μ·Δw_1(t−1) + α·δ·z_1" in solution.to_text()
    # the book's rule by hand: Δw(t) = μ·Δw(t−1) + α·δ·z, from the printed full values
    delta = solution.equation("s2.delta.2.1").exact
    z1 = solution.equation("s2.out.1.1").exact
    assert eq.exact == pytest.approx(0.5 * first.exact + 0.25 * delta * z1, abs=1e-15)
    for name in ("s2.Δw_1", "s2.Δw_1(t)", "step 2 dw_1"):
        report = check(solution, {name: eq.printed}, only_answered=True)
        assert [(r.id, r.status) for r in report.results] == [("s2.change.w.2.1.1", "right")]


def test_the_cross_entropy_note_has_the_sign_form_of_the_step():
    text = ('[network]\nlayers = [2, 2, 1]\nactivation = "sigmoid"\n'
            '[weights.layer1]\nweight = [[0.1, 0.2], [0.3, 0.4]]\nbias = [0.0, 0.0]\n'
            '[weights.layer2]\nweight = [[0.5, 0.6]]\nbias = [0.0]\n'
            '[[examples]]\nx = [1, 0]\nt = 1\n[training]\nlearning_rate = 0.5\n'
            'loss = "binary_crossentropy"\n[convention]\nname = "fausett"\n')
    solution = load_problem(text).solve()
    assert any("simplifies to t − y" in n for n in solution.notes)
    assert "δ = t − y" in solution.to_text()
    minus = load_problem(text.replace('"fausett"', '"blog"')).solve()
    assert any("simplifies to out_o − t" in n for n in minus.notes)


def test_han_kamber_with_full_carry_keeps_no_note_about_carrying_rounded_values():
    full = bundled("han_kamber").solve(carry="full")
    assert not any("carries rounded values" in n or "used as printed (rounded carry)" in n
                   for n in full.notes)
    rounded = bundled("han_kamber").solve()
    assert any("used as printed (rounded carry)" in n for n in rounded.notes)


def test_a_problem_file_sets_unit_letters_and_letters():
    text = ('[network]\nlayers = [2, 2, 1]\nactivation = "sigmoid"\n'
            '[weights.layer1]\nweight = [[0.1, 0.2], [0.3, 0.4]]\nbias = [0.0, 0.0]\n'
            '[weights.layer2]\nweight = [[0.5, 0.6]]\nbias = [0.0]\n'
            '[[examples]]\nx = [1, 0]\nt = 1\n[training]\nlearning_rate = 0.5\n'
            '[convention]\nname = "blog"\nunit_letters = ["x", "z", "y"]\n'
            'letters = { net = "in", "δ" = "d" }\n')
    shown = lines(load_problem(text).solve())
    assert {"in_z1", "out_y", "d_y", "d_z2"} <= set(shown)
    with pytest.raises(ValueError, match="unit_letters"):
        load_problem(text.replace('["x", "z", "y"]', '["x", "z"]'))
