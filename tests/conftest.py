"""Shared test settings: every floating-point warning is an error."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _raise_on_float_errors():
    # Underflow to zero is the correct result of e^-x in the tails of sigmoid and softmax;
    # overflow, division by zero and invalid operations are errors.
    old = np.seterr(all="raise", under="ignore")
    try:
        yield
    finally:
        np.seterr(**old)
