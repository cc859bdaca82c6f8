"""Text rendering: golden output, byte-identical across processes, the line format."""

import os
import subprocess
import sys

import numpy as np

from chainrule.derive import explain
from chainrule.render.printing import equation_parts as equation_forms

# our own weight set for the blog's 2-2-1 step (the post's weights were images and are lost)
NET = [
    (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, -0.1]), "sigmoid"),
    (np.array([[0.5], [0.6]]), np.array([0.2]), "sigmoid"),
]

SCRIPT = """
import numpy as np
from chainrule.derive import explain
net = [(np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, -0.1]), 'sigmoid'),
       (np.array([[0.5], [0.6]]), np.array([0.2]), 'sigmoid')]
xs = [[0, 0], [0, 1], [1, 0], [1, 1]]
ts = [[0], [1], [1], [0]]
import sys
sys.stdout.buffer.write(explain(net, xs, ts, learning_rate=0.3, epochs=2).to_text().encode())
"""

GOLDEN = "\n".join([
    'Conventions: E = ½Σ(t − y)² per example; w⁺ = w − η·∂E/∂w, δ = ∂E/∂net; bias as '
    'a constant input of 1 with its own weight, updated; hidden δ from the weights be'
    'fore the update; blog notation (weight letters w, v; w_ij from unit i to unit j '
    'of the next layer (0 = bias)); 4 decimals; values carried at full precision; tie'
    's rounded half away from zero; online updates, no momentum',
    '',
    'Network 2-2-1: inputs x_1, x_2; hidden h_1, h_2: sigmoid; outputs o: sigmoid; lo'
    'ss half_sse',
    'Given: η = 0.3, w_11 = 0.1, w_21 = 0.3, w_01 = 0.1, w_12 = 0.2, w_22 = 0.4, w_02'
    ' = −0.1, v_1 = 0.5, v_2 = 0.6, v_0 = 0.2',
    '',
    'General derivation',
    '  E = ½(t − out_o)²    (the error of one example)',
    '  E = ½(t − f(v_1·f(w_11·x_1 + w_21·x_2 + w_01·1) + v_2·f(w_12·x_1 + w_22·x_2 + '
    'w_02·1) + v_0·1))²    (as a function of the weights, f the activation)',
    '  δ_o = ∂E/∂out_o·∂out_o/∂net_o = −(t − out_o)·out_o·(1 − out_o)    (δ = ∂E/∂net'
    ': chain rule)',
    '  ∂E/∂v_1 = ∂E/∂net_o·∂net_o/∂v_1 = δ_o·out_h1    (the delta rule)',
    '  ∂E/∂out_h1 = ∂E/∂net_o·∂net_o/∂out_h1 = δ_o·v_1    (chain rule, summed over th'
    'e units it feeds)',
    '  δ_h1 = ∂E/∂out_h1·∂out_h1/∂net_h1 = δ_o·v_1·out_h1·(1 − out_h1)    (δ = ∂E/∂ne'
    't: chain rule)',
    '  ∂E/∂w_11 = ∂E/∂net_h1·∂net_h1/∂w_11 = δ_h1·x_1    (the delta rule)',
    '  w_11⁺ = w_11 − η·∂E/∂w_11    (the update, for every weight)',
    '',
    'Step 1 (epoch 1, example 1)',
    '  Given: x_1 = 1, x_2 = 0, t = 1',
    '  Forward pass',
    '    net_h1 = w_11·x_1 + w_21·x_2 + w_01·1 = 0.1·1 + 0.3·0 + 0.1·1 = 0.2000',
    '    net_h2 = w_12·x_1 + w_22·x_2 + w_02·1 = 0.2·1 + 0.4·0 + (−0.1)·1 = 0.1000',
    '    out_h1 = 1/(1 + e^(−net_h1)) = 1/(1 + e^(−0.2000)) = 0.5498',
    '    out_h2 = 1/(1 + e^(−net_h2)) = 1/(1 + e^(−0.1000)) = 0.5250',
    '    net_o = v_1·out_h1 + v_2·out_h2 + v_0·1 = 0.5·0.5498 + 0.6·0.5250 + 0.2·1 = '
    '0.7899',
    '    out_o = 1/(1 + e^(−net_o)) = 1/(1 + e^(−0.7899)) = 0.6878',
    '  Error',
    '    E = ½(t − out_o)² = ½(1 − 0.6878)² = 0.0487',
    '  Backward pass',
    '    ∂E/∂out_o = −(t − out_o) = −(1 − 0.6878) = −0.3122',
    '    ∂out_o/∂net_o = out_o·(1 − out_o) = 0.6878·(1 − 0.6878) = 0.2147',
    '    δ_o = ∂E/∂out_o·∂out_o/∂net_o = (−0.3122)·0.2147 = −0.0670',
    '    ∂E/∂v_1 = ∂E/∂out_o·∂out_o/∂net_o·∂net_o/∂v_1 = δ_o·out_h1 = (−0.0670)·0.549'
    '8 = −0.0369',
    '    ∂E/∂v_2 = ∂E/∂out_o·∂out_o/∂net_o·∂net_o/∂v_2 = δ_o·out_h2 = (−0.0670)·0.525'
    '0 = −0.0352',
    '    ∂E/∂v_0 = ∂E/∂out_o·∂out_o/∂net_o·∂net_o/∂v_0 = δ_o·1 = (−0.0670)·1 = −0.067'
    '0',
    '    ∂E/∂out_h1 = δ_o·v_1 = (−0.0670)·0.5 = −0.0335',
    '    ∂out_h1/∂net_h1 = out_h1·(1 − out_h1) = 0.5498·(1 − 0.5498) = 0.2475',
    '    δ_h1 = ∂E/∂out_h1·∂out_h1/∂net_h1 = (−0.0335)·0.2475 = −0.0083',
    '    ∂E/∂out_h2 = δ_o·v_2 = (−0.0670)·0.6 = −0.0402',
    '    ∂out_h2/∂net_h2 = out_h2·(1 − out_h2) = 0.5250·(1 − 0.5250) = 0.2494',
    '    δ_h2 = ∂E/∂out_h2·∂out_h2/∂net_h2 = (−0.0402)·0.2494 = −0.0100',
    '    ∂E/∂w_11 = ∂E/∂out_h1·∂out_h1/∂net_h1·∂net_h1/∂w_11 = δ_h1·x_1 = (−0.0083)·1'
    ' = −0.0083',
    '    ∂E/∂w_21 = ∂E/∂out_h1·∂out_h1/∂net_h1·∂net_h1/∂w_21 = δ_h1·x_2 = (−0.0083)·0'
    ' = 0.0000',
    '    ∂E/∂w_01 = ∂E/∂out_h1·∂out_h1/∂net_h1·∂net_h1/∂w_01 = δ_h1·1 = (−0.0083)·1 ='
    ' −0.0083',
    '    ∂E/∂w_12 = ∂E/∂out_h2·∂out_h2/∂net_h2·∂net_h2/∂w_12 = δ_h2·x_1 = (−0.0100)·1'
    ' = −0.0100',
    '    ∂E/∂w_22 = ∂E/∂out_h2·∂out_h2/∂net_h2·∂net_h2/∂w_22 = δ_h2·x_2 = (−0.0100)·0'
    ' = 0.0000',
    '    ∂E/∂w_02 = ∂E/∂out_h2·∂out_h2/∂net_h2·∂net_h2/∂w_02 = δ_h2·1 = (−0.0100)·1 ='
    ' −0.0100',
    '  Updates',
    '    w_11⁺ = w_11 − η·∂E/∂w_11 = 0.1 − 0.3·(−0.0083) = 0.1025',
    '    w_21⁺ = w_21 − η·∂E/∂w_21 = 0.3 − 0.3·0.0000 = 0.3000',
    '    w_01⁺ = w_01 − η·∂E/∂w_01 = 0.1 − 0.3·(−0.0083) = 0.1025',
    '    w_12⁺ = w_12 − η·∂E/∂w_12 = 0.2 − 0.3·(−0.0100) = 0.2030',
    '    w_22⁺ = w_22 − η·∂E/∂w_22 = 0.4 − 0.3·0.0000 = 0.4000',
    '    w_02⁺ = w_02 − η·∂E/∂w_02 = −0.1 − 0.3·(−0.0100) = −0.0970',
    '    v_1⁺ = v_1 − η·∂E/∂v_1 = 0.5 − 0.3·(−0.0369) = 0.5111',
    '    v_2⁺ = v_2 − η·∂E/∂v_2 = 0.6 − 0.3·(−0.0352) = 0.6106',
    '    v_0⁺ = v_0 − η·∂E/∂v_0 = 0.2 − 0.3·(−0.0670) = 0.2201',
    '',
    'Weights',
    '        initial  after epoch 1',
    '  w_11      0.1         0.1025',
    '  w_21      0.3         0.3000',
    '  w_01      0.1         0.1025',
    '  w_12      0.2         0.2030',
    '  w_22      0.4         0.4000',
    '  w_02     −0.1        −0.0970',
    '  v_1       0.5         0.5111',
    '  v_2       0.6         0.6106',
    '  v_0       0.2         0.2201',
    '',
    'Loss per epoch',
    '  Ē_1 = E = 0.0487',
]) + "\n"


def test_golden_text_of_the_blog_step():
    text = explain(NET, [1, 0], [1], learning_rate=0.3).to_text()
    assert text == GOLDEN, "\n".join(
        f"{i}: {a!r} != {b!r}" for i, (a, b) in enumerate(zip(text.splitlines(),
                                                               GOLDEN.splitlines())) if a != b)


def test_text_is_byte_identical_across_processes():
    outputs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, env=env,
                              check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"Step 8 (epoch 2, example 4)" in outputs[0]
    assert b"(6 further steps computed the same way are not shown.)" in outputs[0]


def test_counts_agree_with_their_nouns():
    one_hidden = explain(NET, [1, 0], [1], learning_rate=0.3, epochs=3).to_text()
    assert "(1 further step computed the same way is not shown.)" in one_hidden
    assert "; 1 decimal;" in explain(NET, [1, 0], [1], learning_rate=0.3, decimals=1).to_text()


def test_equation_forms_drop_repeats():
    solution = explain(NET, [1, 0], [1], learning_rate=0.3)
    weight = solution.equation("s1.w.1.1.1")  # carried over from the given value
    assert equation_forms(weight, solution) == ["w_11", "0.1"]
    net = solution.equation("s1.net.1.1")
    assert equation_forms(net, solution) == [
        "net_h1", "w_11·x_1 + w_21·x_2 + w_01·1", "0.1·1 + 0.3·0 + 0.1·1", "0.2000"]


def test_several_epochs_show_first_and_last_steps_and_the_loss_per_epoch():
    xs, ts = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
    text = explain(NET, xs, ts, learning_rate=0.3, epochs=3).to_text()
    assert "Step 1 (epoch 1, example 1)" in text and "Step 12 (epoch 3, example 4)" in text
    assert "Step 2 (" not in text
    assert "Weights at the start: " in text
    assert "after epoch 3" in text
    for epoch in (1, 2, 3):
        assert f"Ē_{epoch} = (E⁽¹⁾ + E⁽²⁾ + E⁽³⁾ + E⁽⁴⁾)/4 = " in text


def test_notes_and_title_are_printed():
    text = explain(NET, [1, 0], [1], learning_rate=0.3, title="XOR, one step",
                   notes=["The weights are our own choice."]).to_text()
    assert text.startswith("XOR, one step\n\nConventions: ")
    assert text.endswith("Notes\n  - The weights are our own choice.\n")
