"""Layers, losses, optimizers, initializers, callbacks and the ``Sequential`` model.

>>> from chainrule.nn import Dense, Sequential
>>> model = Sequential([Dense(2, activation="sigmoid", input_dim=2),
...                     Dense(1, activation="sigmoid")], seed=0)
>>> model.count_params()
9
"""

from chainrule.nn import activations, initializers, losses, metrics, optimizers
from chainrule.nn.callbacks import (
    Callback,
    EarlyStopping,
    History,
    StopWhenCorrect,
)
from chainrule.nn.io import save
from chainrule.nn.layers import Activation, Dense, Layer
from chainrule.nn.loading import load
from chainrule.nn.model import Sequential
from chainrule.nn.optimizers import SGD, Adam, Optimizer
from chainrule.nn.progress import ProgressBar

__all__ = [
    "Activation", "Adam", "Callback", "Dense", "EarlyStopping", "History", "Layer",
    "Optimizer", "ProgressBar", "SGD", "Sequential", "StopWhenCorrect", "activations",
    "initializers", "load", "losses", "metrics", "optimizers", "save",
]
