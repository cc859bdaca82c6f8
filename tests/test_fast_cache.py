"""The compiled loops' machine code, cached on disk, follows the calculus table.

Numba keeps a function's cached code while the function's own file is unchanged, but the
loops also hold the table's functions and its activation codes (an entry's place). So a copy
of the package trains in a fresh process (the caches written), its table is edited (tanh
made tanh(z/2) and moved to the top, which renumbers every code), and a second process must
train by the edited table on every loop: the written-out and the flat compiled loops agree
with the plain-Python loop, which always runs the table as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.fast._jit import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="Numba is not installed")

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"

TRAIN = """
import json
import numpy as np
from chainrule.fast import Trainer
from chainrule.fast.compiled import KernelLoop

def losses(loop):
    rng = np.random.default_rng(0)
    net = [(rng.normal(0, 0.7, (2, 3)), rng.normal(0, 0.3, 3), "tanh"),
           (rng.normal(0, 0.7, (3, 1)), rng.normal(0, 0.3, 1), "sigmoid")]
    trainer = Trainer.from_arrays(net, loss="half_sse", optimizer=("sgd", 0.3),
                                  backend="python" if loop == "python" else "compiled")
    if loop == "flat":  # the compiled loop over flat arrays, not the written-out one
        flat = KernelLoop(trainer.layers, trainer.loss, trainer.optimizer, trainer.dtype, True)
        flat.unrolled = False
        trainer._loops["compiled"] = flat
    x = rng.uniform(-1, 1, (4, 2))
    y = rng.uniform(0.1, 0.9, (4, 1))
    return trainer.run(x, y, np.tile(np.arange(4), (20, 1)), 1).tolist()

print(json.dumps({loop: losses(loop) for loop in ("written", "flat", "python")}))
"""

TANH = ('    Activation("tanh", _tanh, _tanh_scalar, Sub(ONE, Pow(A, TWO)), None, (-1.0, 1.0),\n'
        '               tree=Sub(Div(TWO, Add((ONE, Exp(Mul((Const(-2.0), Z)))))), ONE)),\n')


def train(package: Path, caches: Path) -> dict[str, list[float]]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PYTHONPATH=str(package), CHAINRULE_CACHE_DIR=str(caches / "kernels"),
               NUMBA_CACHE_DIR=str(caches / "numba"))
    done = subprocess.run([sys.executable, "-c", TRAIN], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def assert_loops_agree(result: dict[str, list[float]]) -> None:
    for loop in ("written", "flat"):
        np.testing.assert_allclose(result[loop], result["python"], rtol=1e-12, err_msg=loop)


def test_an_edited_table_is_compiled_afresh_not_loaded_from_the_cache(tmp_path):
    package = tmp_path / "package"
    shutil.copytree(SRC, package / "chainrule", ignore=shutil.ignore_patterns("__pycache__"))
    before = train(package, tmp_path)
    assert_loops_agree(before)

    table = package / "chainrule" / "calculus" / "activations.py"
    text = table.read_text(encoding="utf-8")
    assert text.count(TANH) == 1 and text.count("    return math.tanh(z)\n") == 1
    text = text.replace(TANH, "").replace("_TABLE = (\n", "_TABLE = (\n" + TANH)
    table.write_text(text.replace("    return math.tanh(z)\n", "    return math.tanh(0.5 * z)\n"),
                     encoding="utf-8")
    after = train(package, tmp_path)
    assert not np.allclose(after["python"], before["python"])  # the edit changed the numbers
    assert_loops_agree(after)


def _double(value):
    return 2.0 * value


def test_a_loop_that_cannot_be_stamped_is_compiled_in_memory_only(monkeypatch):
    """A source that cannot be read leaves nothing to stamp with: the loop is compiled without
    a file on disk rather than trusted to a stamp of its own file alone."""
    from chainrule.fast import _jit

    def unreadable():
        raise OSError("the calculus sources cannot be read")

    monkeypatch.delenv("CHAINRULE_CACHE_DIR", raising=False)
    assert _jit._stamp(_jit.jit(_double)), "a readable install stamps its cached loops"
    monkeypatch.setattr(_jit, "fingerprint", unreadable)
    kernel = _jit.jit(_double)
    assert kernel(2.5) == 5.0
    assert not hasattr(kernel._cache, "_cache_file")  # Numba's null cache: no file read or written
