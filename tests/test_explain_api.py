"""explain(): accepted inputs, bad-input errors, the model left untouched, the engine check."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.derive import ConsistencyError, explain, truth
from chainrule.derive.conventions import PROFILES, get

BLOG_221 = [  # our own weight set for the blog's 2-2-1 XOR step (the post's weights are lost)
    (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, -0.1]), "sigmoid"),
    (np.array([[0.5], [0.6]]), np.array([0.2]), "sigmoid"),
]


def test_explain_a_sequential_and_leave_it_untouched():
    model = cr.Sequential([cr.layers.Dense(2, activation="sigmoid", input_dim=2),
                           cr.layers.Dense(1, activation="sigmoid")], seed=7)
    model.predict(np.zeros((1, 2)))  # builds the weights
    before = [w.copy() for w in model.get_weights()]
    solution = explain(model, [1, 0], [1], learning_rate=0.3)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    plain = [(layer.kernel.data, layer.bias.data, layer.activation) for layer in model.layers]
    assert solution.to_text() == explain(plain, [1, 0], [1], learning_rate=0.3).to_text()


def test_sequential_with_separate_activation_layer_is_folded():
    model = cr.Sequential([cr.layers.Dense(2, input_dim=2), cr.layers.Activation("tanh"),
                           cr.layers.Dense(1, activation="sigmoid")], seed=1)
    model.predict(np.zeros((1, 2)))
    solution = explain(model, [1, 0], [1], learning_rate=0.3)
    assert solution.network.layers[1].activation == "tanh"


def test_one_example_and_several_examples_and_epochs():
    one = explain(BLOG_221, [1, 0], [1], learning_rate=0.3)
    assert [s.id for s in one.steps] == ["s1"] and one.shown == ("s1",)
    xs, ts = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
    epoch = explain(BLOG_221, xs, ts, learning_rate=0.3)
    assert len(epoch.steps) == 4 and len(epoch.shown) == 4 and epoch.epochs == 1
    # online: step 2 starts from step 1's updated weights
    assert epoch.equation("s2.w.1.1.1").exact == epoch.equation("s1.new.w.1.1.1").exact
    many = explain(BLOG_221, xs, ts, learning_rate=0.3, epochs=3)
    assert len(many.steps) == 12 and many.shown == ("s1", "s12") and many.epochs == 3
    row = many.weight_table[0]
    assert row.after == ("s4.new.w.1.1.1", "s8.new.w.1.1.1", "s12.new.w.1.1.1")
    mean = np.mean([many.equation(f"s{i}.E").exact for i in (5, 6, 7, 8)])
    assert many.equation("loss.2").exact == pytest.approx(mean, abs=1e-15)


def test_losses_match_a_fit_of_the_same_model():
    model = cr.Sequential([cr.layers.Dense(2, activation="sigmoid", input_dim=2),
                           cr.layers.Dense(1, activation="sigmoid")], seed=3)
    model.predict(np.zeros((1, 2)))
    xs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    ts = np.array([[0], [1], [1], [0]], float)
    model.compile(optimizer=cr.optimizers.SGD(learning_rate=0.5), loss="sse")
    solution = explain(model, xs, ts, learning_rate=0.5, epochs=2)  # the compiled loss
    assert solution.conventions.error == "sse"
    history = model.fit(xs, ts, epochs=2, batch_size=1, shuffle=False, verbose=0)
    for epoch, loss in enumerate(history.history["loss"], start=1):
        assert solution.equation(f"loss.{epoch}").exact == pytest.approx(loss, abs=1e-12)
    final = solution.weight_table[0].after[-1]
    assert solution.equation(final).exact == pytest.approx(model.layers[0].kernel.data[0, 0],
                                                           abs=1e-12)


def test_bias_forms_map_onto_the_engine_bias():
    threshold = explain(BLOG_221, [1, 0], [1], learning_rate=0.3, bias="threshold")
    assert threshold.equation("b.1.1").exact == -0.1  # θ = −bias
    assert "θ" in threshold.equation("b.1.1").symbol.text
    shared = [(k, np.full(k.shape[1], 0.25), a) for k, _, a in BLOG_221]
    solution = explain(shared, [1, 0], [1], learning_rate=0.3, bias="shared")
    grad = solution.equation("s1.grad.b.1")
    deltas = [solution.equation(f"s1.delta.1.{j}").exact for j in (1, 2)]
    assert grad.exact == pytest.approx(sum(deltas), abs=1e-15)
    frozen = explain(BLOG_221, [1, 0], [1], learning_rate=0.3, update_bias=False)
    assert "s1.new.b.1.1" not in frozen.equations


def test_decimals_and_carry_overrides():
    solution = explain(BLOG_221, [1, 0], [1], learning_rate=0.3, convention="fausett",
                       decimals=3)
    assert solution.equation("s1.out.2.1").printed.count(".") == 1
    assert len(solution.equation("s1.out.2.1").printed.split(".")[1]) == 3
    solution = explain(BLOG_221, [1, 0], [1], learning_rate=0.3, decimals={"out": 6})
    assert len(solution.equation("s1.out.2.1").printed.split(".")[1]) == 6
    assert len(solution.equation("s1.net.2.1").printed.split(".")[1]) == 4


TRAINED_221 = [  # weights as training leaves them: 16 or 17 significant digits
    (np.array([[0.6627933157180583, 0.9354189503561566],
               [0.7598090644897133, 1.0313542634331978]]),
     np.array([0.17434606725578644, 0.5034656933084242]), "sigmoid"),
    (np.array([[-0.8362553573147143], [0.7870639720072198]]),
     np.array([-0.04401543581123265]), "sigmoid"),
]
ROUNDED_NOTE = "The given weights are shown rounded to 4 decimals"


def test_long_given_weights_print_rounded_and_compute_in_full_precision():
    solution = explain(TRAINED_221, [1, 0], [1], learning_rate=0.3)
    w11, v0 = solution.equation("w.1.1.1"), solution.equation("b.2.1")
    assert (w11.printed, w11.decimals, w11.value) == ("0.6628", 4, 0.6627933157180583)
    assert (v0.printed, solution.equation("s1.b.2.1").printed) == ("-0.0440", "-0.0440")
    net = solution.equation("s1.net.1.1")
    full = 0.6627933157180583 * 1 + 0.7598090644897133 * 0 + 0.17434606725578644
    assert net.value == net.exact == pytest.approx(full, abs=1e-15), net
    assert abs(net.engine - net.exact) <= 1e-12
    text = solution.to_text()
    assert "net_h1 = w_11·x_1 + w_21·x_2 + w_01·1 = 0.6628·1 + 0.7598·0 + 0.1743·1 = 0.8371" \
        in text
    assert "  v_0   −0.0440  " in text and "0.6627933157180583" not in text
    notes = [n for n in solution.notes if n.startswith(ROUNDED_NOTE)]
    assert len(notes) == 1 and "full precision" in notes[0], solution.notes


def test_long_given_weights_in_rounded_carry_start_from_the_printed_weights():
    solution = explain(TRAINED_221, [1, 0], [1], learning_rate=0.3, carry="rounded")
    net = solution.equation("s1.net.1.1")
    assert net.value == pytest.approx(0.6628 * 1 + 0.7598 * 0 + 0.1743, abs=1e-15)
    full = 0.6627933157180583 + 0.17434606725578644  # the engine check: full precision
    assert net.exact == pytest.approx(full, abs=1e-15)
    assert abs(net.engine - net.exact) <= 1e-12
    assert any(n.startswith(ROUNDED_NOTE) and "used as shown" in n for n in solution.notes)


def test_given_weights_print_as_given_up_to_the_decimals_a_weight_prints():
    net = [(np.array([[0.15, 0.25]]), np.array([0.35, 0.35]), "sigmoid"),
           (np.array([[0.4], [-0.3]]), np.array([0.12345]), "sigmoid")]
    blog = explain(net, [0.05], [0.01], learning_rate=0.5)
    printed = {i: blog.equation(i).printed for i in ("w.1.1.1", "w.2.2.1", "b.2.1")}
    assert printed == {"w.1.1.1": "0.15", "w.2.2.1": "-0.3", "b.2.1": "0.1235"}  # b: 5 > 4
    assert blog.equation("w.1.1.1").decimals is None
    nine = explain(net, [0.05], [0.01], learning_rate=0.5, decimals=9)
    b = nine.equation("b.2.1")
    assert (b.printed, b.decimals) == ("0.12345", None)
    assert not any(n.startswith("The given weights") for n in nine.notes)


# --- bad input ----------------------------------------------------------------------------
def test_unknown_convention_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        explain(BLOG_221, [1, 0], [1], learning_rate=0.3, convention="haykin")
    message = str(info.value)
    assert "'haykin'" in message
    for name in PROFILES:
        assert name in message


def test_unknown_switch_and_bad_switch_value_are_named():
    with pytest.raises(ValueError, match="colour.*valid switches: notation"):
        explain(BLOG_221, [1, 0], [1], learning_rate=0.3, colour="red")
    with pytest.raises(ValueError, match="sign='down'.*minus, plus"):
        explain(BLOG_221, [1, 0], [1], learning_rate=0.3, sign="down")
    with pytest.raises(ValueError, match="decimals"):
        get("blog", decimals=-1)


def test_wrong_weight_shape_names_the_layer_and_the_expected_shape():
    bad = [BLOG_221[0], (np.array([[0.5], [0.6], [0.7]]), np.array([0.2]), "sigmoid")]
    with pytest.raises(ValueError, match=r"layer 2: expected a kernel of shape \(2, 1\)"):
        explain(bad, [1, 0], [1], learning_rate=0.3)
    bad = [(BLOG_221[0][0], np.array([0.1, 0.1, 0.1]), "sigmoid"), BLOG_221[1]]
    with pytest.raises(ValueError, match=r"layer 1: expected a bias of shape \(2,\)"):
        explain(bad, [1, 0], [1], learning_rate=0.3)


def test_a_missing_weight_is_named():
    with pytest.raises(ValueError, match="missing weight: layer 2 kernel"):
        explain([BLOG_221[0], (None, [0.2], "sigmoid")], [1, 0], [1], learning_rate=0.3)
    with pytest.raises(ValueError, match="layer 1: missing weight 'kernel'"):
        explain([{"bias": [0.1, 0.1]}], [1, 0], [1], learning_rate=0.3)
    unbuilt = cr.Sequential([cr.layers.Dense(1)])
    with pytest.raises(ValueError, match="no weights yet"):
        explain(unbuilt, [1, 0], [1], learning_rate=0.3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=[1, 0, 1]), r"x must have 2 values per example.*shape \(3,\)"),
    (dict(t=[1, 0]), r"t must have 1 value per example"),
    (dict(x=[[1, 0], [0, 1]]), "same number of examples"),
    (dict(learning_rate=0), "learning_rate must be a positive number. Received: learning_rate=0"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(loss="hinge"), "unknown loss.*'hinge'"),
    (dict(loss="categorical_crossentropy"), "softmax output"),
    (dict(loss="binary_crossentropy", bias="none"), "bias form 'none'"),
    (dict(bias="shared"), "one bias per layer"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    args = dict(x=[1, 0], t=[1], learning_rate=0.3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        explain(BLOG_221, args.pop("x"), args.pop("t"), **args)


def test_unexplainable_activation_and_softmax_pairs():
    with pytest.raises(ValueError, match="cannot explain activation 'swish'"):
        explain([(np.eye(2), None, "swish")], [1, 0], [1, 0], learning_rate=0.3)
    softmax = [(np.eye(2), np.zeros(2), "softmax")]
    with pytest.raises(ValueError, match="categorical_crossentropy only"):
        explain(softmax, [1, 0], [1, 0], learning_rate=0.3)
    hidden = [(np.eye(2), np.zeros(2), "softmax"), (np.eye(2), np.zeros(2), "sigmoid")]
    with pytest.raises(ValueError, match="hidden layer"):
        explain(hidden, [1, 0], [1, 0], learning_rate=0.3)


def test_a_derived_value_that_differs_from_the_engine_raises(monkeypatch):
    real = truth.engine_values

    def off_by_a_little(*args, **kwargs):
        values = real(*args, **kwargs)
        values["s1.delta.1.2"] += 1e-9
        return values

    monkeypatch.setattr(truth, "engine_values", off_by_a_little)
    with pytest.raises(ConsistencyError, match=r"s1\.delta\.1\.2 \(δ_h2\).*engine"):
        explain(BLOG_221, [1, 0], [1], learning_rate=0.3)


def test_softmax_cross_entropy_and_sigmoid_bce_write_delta_directly():
    softmax = [(np.array([[0.2, -0.1, 0.4], [0.3, 0.5, -0.2]]), np.zeros(3), "softmax")]
    solution = explain(softmax, [1, 0.5], [0, 1, 0], learning_rate=0.1,
                       loss="categorical_crossentropy")
    assert "s1.fp.1.1" not in solution.equations
    assert solution.equation("s1.delta.1.2").exact == pytest.approx(
        solution.equation("s1.out.1.2").exact - 1, abs=1e-15)
    assert any("cancels" in note for note in solution.notes)


def test_a_books_sgd_rule_never_describes_an_adam_step():
    # the books' update lines are SGD's; with Adam the conventions line keeps Adam's wording
    from chainrule.derive.conventions import get

    adam = dict(get("hagan", optimizer="adam").summary())
    assert "w(k+1) = w(k) − α·s·a" not in adam["sign"] and "Adam" in adam["updates"]
    assert "w(k+1) = w(k) − α·s·a" in dict(get("hagan").summary())["sign"]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_hagans_update_is_one_product_of_alpha_s_and_a(momentum):
    # Hagan's rule W^m(k+1) = W^m(k) − α s^m (a^(m−1))^T: one product, also in the change
    # that momentum carries on, never −α·(s·a); the value checked in plain Python below
    solution = explain(BLOG_221, [1, 0], [1], learning_rate=0.5, convention="hagan",
                       momentum=momentum)
    text = solution.to_text()
    assert "α·s²·a¹_1 = " in text and "α·(s" not in text, text
    eq = solution.equation("s1.change.w.2.1.1" if momentum else "s1.new.w.2.1.1")
    s, a = solution.equation("s1.delta.2.1").exact, solution.equation("s1.out.1.1").exact
    w = solution.equation("s1.w.2.1.1").exact if not momentum else 0.0
    assert eq.exact == pytest.approx(w - 0.5 * s * a, abs=1e-15)


def _significant_digits(printed):
    digits = printed.lstrip("-−").replace(".", "").lstrip("0")
    return len(digits)


@pytest.mark.parametrize("convention", ["blog", "layered", "hagan"])
def test_adams_moments_and_steps_keep_four_significant_figures(convention):
    # v ≈ (1 − β₂)·(∂E/∂w)² ≈ 1e-7 here: at a profile's 3 or 4 decimals it would print 0.000
    solution = explain(BLOG_221, [1, 0], [1], learning_rate=0.01, optimizer="adam",
                       convention=convention, epochs=2)
    changes = [eq for eq in solution.equations.values() if eq.kind == "change"]
    assert {eq.id.split(".")[1] for eq in changes} == {"m", "v", "change"}
    for eq in changes:
        if eq.exact != 0:
            assert _significant_digits(eq.printed) >= 4, (eq.id, eq.printed)
            half_unit = 0.5 * 10.0 ** -eq.decimals
            assert abs(float(eq.printed) - eq.value) <= half_unit * (1 + 1e-9), (
                eq.id, eq.printed, eq.value)


def test_adam_in_rounded_carry_steps_as_in_full_precision():
    # each value used as printed: a v printed 0.0000 made Δw = −η·m̂/ε, thousands
    full = explain(BLOG_221, [1, 0], [1], learning_rate=0.01, optimizer="adam")
    rounded = explain(BLOG_221, [1, 0], [1], learning_rate=0.01, optimizer="adam",
                      carry="rounded")
    for qid, eq in full.equations.items():
        if eq.kind == "change" and ".change." in qid:
            assert rounded.equation(qid).value == pytest.approx(eq.exact, rel=1e-2, abs=1e-9)
