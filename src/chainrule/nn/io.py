"""Saving and loading models: one ``.npz`` archive, no pickle, written atomically.

The archive holds:

- ``config``: UTF-8 JSON stored as a uint8 array —
  ``{"format": "chainrule.Sequential", "format_version": 1, "chainrule_version": ...,
  "model": Sequential.get_config(), "compile": Sequential.get_compile_config(),
  "weights": ["dense.kernel", "dense.bias", ...]}``;
- ``weight_0``, ``weight_1``, …: the weights in Keras order (kernel, then bias, layer by
  layer), named in ``config["weights"]``.

The optimizer's state (momenta, Adam's moments) is not saved: a loaded model trains on with
a fresh optimizer of the saved configuration.

``save`` writes a temporary file in the target's directory, flushes and fsyncs it, then
``os.replace``-s it over the target, so a crash mid-save leaves any old file whole.
``load`` reads with ``allow_pickle=False`` and checks everything; whatever is wrong is a
``ValueError`` naming the file.

>>> import tempfile, pathlib
>>> from chainrule.nn.layers import Dense
>>> from chainrule.nn.loading import load
>>> from chainrule.nn.model import Sequential
>>> model = Sequential([Dense(1, input_dim=2)], seed=0)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
>>> save(model, path)
>>> [w.shape for w in load(path).get_weights()]
[(2, 1), (1,)]
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._util.files import DAMAGED, atomic_writer, check_npz
from chainrule._util.toml import check_nesting
from chainrule._util.version import __version__

__all__ = ["save", "read", "FORMAT", "FORMAT_VERSION"]

FORMAT = "chainrule.Sequential"
FORMAT_VERSION = 1


def _config(model: Any) -> dict[str, Any]:
    names = [f"{layer.name}.{name}" for layer in model.layers for name in layer.weight_names()]
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "chainrule_version": __version__,
        "model": model.get_config(), "compile": model.get_compile_config(), "weights": names,
    }


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (architecture, compile settings, weights) to ``path`` atomically.

    The path is used as given (no suffix is added).
    """
    path = Path(path)
    weights = model.get_weights()
    bad = next((i for i, w in enumerate(weights) if not np.all(np.isfinite(w))), None)
    if bad is not None:  # a diverged run must not replace a good checkpoint
        raise ValueError(f"cannot save to {str(path)!r}: weight {bad} holds NaN or infinity "
                         "(training diverged); the file is left as it was")
    text = json.dumps(_config(model), indent=1, sort_keys=True, allow_nan=False)
    arrays = {"config": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    arrays.update({f"weight_{i}": w for i, w in enumerate(weights)})
    with atomic_writer(path, "wb") as handle:
        np.savez(handle, **arrays)


class _Bad(ValueError):
    pass


def read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The config and the weights of an archive written by :func:`save`, checked
    (``chainrule.nn.loading.load`` builds the model from them).

    Raises:
        ValueError: the file is not a chainrule model; the message names the file.
        OSError: the file cannot be read (e.g. it does not exist).
    """
    try:
        arrays = _open(Path(path))
        config = _read_config(arrays)
        return config, _weights(arrays, config["weights"])
    except _Bad as exc:
        raise unreadable(path, exc) from None


def unreadable(path: str | os.PathLike[str], exc: Exception) -> ValueError:
    """The error ``load`` raises for ``path``, saying what is wrong."""
    what = str(exc) if isinstance(exc, _Bad) else f"{type(exc).__name__}: {exc}"
    return ValueError(f"cannot load model from {str(Path(path))!r}: {what}")


def check_names(config: dict[str, Any], model: Any) -> None:
    """The weights named in ``config`` must be the ones ``model``'s layers have."""
    names = _config(model)["weights"]
    if names != config["weights"]:
        raise _Bad(f"the weights are named {config['weights']}; the layers need {names}")


def _open(path: Path) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise _Bad("it is a single .npy array, not a chainrule .npz archive")
        with loaded as archive:
            _check_members(archive)
            return {name: archive[name] for name in archive.files}
    except (_Bad, FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise _Bad("it holds pickled objects, which are never loaded") from None
        raise _Bad(f"not a valid .npz archive ({exc})") from None
    except (OSError, *DAMAGED) as exc:
        raise _Bad(f"not a valid .npz archive ({type(exc).__name__}: {exc})") from None


def _check_members(archive: Any) -> None:
    """Refuse, before any array is decompressed, a member a model never has or one larger
    than the ``array_bytes`` limit: a small file can unpack into gigabytes."""
    if "config" not in archive.files:
        raise _Bad(f"no 'config' entry; it holds {sorted(archive.files)[:5]} (not a chainrule "
                   "model)")
    foreign = [n for n in archive.files if not re.fullmatch(r"config|weight_\d{1,6}", n)]
    if foreign:
        raise _Bad(f"it holds arrays a chainrule model never has: {sorted(foreign)[:3]}")
    try:
        check_npz(archive, "the archive")
    except ValueError as exc:
        raise _Bad(str(exc)) from None


def _read_config(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    raw = arrays["config"]  # _check_members refused an archive without one
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Bad(f"'config' must be a 1-D uint8 array. Received: {raw.dtype} {raw.shape}")
    try:
        text = raw.tobytes().decode("utf-8")
        check_nesting(text, "'config'")
        config = json.loads(text)
    except ValueError as exc:  # not UTF-8, nested too deeply, or not JSON
        raise _Bad(f"'config' is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        found = config.get("format") if isinstance(config, dict) else type(config).__name__
        raise _Bad(f"format must be {FORMAT!r}. Received: format={found!r}")
    if config.get("format_version") != FORMAT_VERSION:
        raise _Bad(
            f"unsupported format_version. Received: format_version="
            f"{config.get('format_version')!r}; this chainrule reads {FORMAT_VERSION}"
        )
    for key, kind in (("model", dict), ("weights", list)):
        if not isinstance(config.get(key), kind):
            raise _Bad(f"config field {key!r} must be a {kind.__name__}. "
                       f"Received: {config.get(key)!r}")
    return config


def _weights(arrays: dict[str, np.ndarray], names: list[Any]) -> list[np.ndarray]:
    expected = {f"weight_{i}" for i in range(len(names))}
    present = {name for name in arrays if name != "config"}
    if present != expected:
        raise _Bad(
            f"weight arrays {sorted(present)} do not match the {len(names)} named in the "
            f"config ({names})"
        )
    weights = [arrays[f"weight_{i}"] for i in range(len(names))]
    for name, w in zip(names, weights):
        if w.dtype.kind != "f":
            raise _Bad(f"weight {name!r} must be floating point. Received: dtype {w.dtype}")
    return weights
