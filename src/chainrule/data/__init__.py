"""Data for small networks: toy datasets from a seed, and loaders for CSV and NumPy files.

>>> from chainrule import data
>>> x, y = data.xor()
>>> x.shape, y.shape
((4, 2), (4, 1))
>>> x, y = data.load("circles", n=100, seed=0)
>>> x.shape
(100, 2)
"""

from chainrule.data.datasets import (
    DATASETS,
    and_,
    circles,
    load,
    moons,
    nand,
    or_,
    spirals,
    xor,
)
from chainrule.data.loaders import DatasetInfo, check_finite, load_csv, load_file, load_npy

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "and_",
    "check_finite",
    "circles",
    "load",
    "load_csv",
    "load_file",
    "load_npy",
    "moons",
    "nand",
    "or_",
    "spirals",
    "xor",
]
