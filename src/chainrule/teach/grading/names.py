"""Find the equation a student means by a name: Unicode as printed, or an ASCII spelling.

Every name is reduced to a *canonical* form before it is compared, so the printed symbol and
its usual plain-text spellings meet::

    δ_o, delta_o, \\delta_o, delta o           → deltao
    w_11⁺, w_11+, w_11^+, new w_11, w_11_new   → w11+
    ∂E/∂w_11, dE/dw_11, dE_dw_11               → dEdw11
    Δv_11, Delta v_11, dv_11                   → Deltav11 (dv11)
    f′(z_in_1), f'(z_in_1), fprime(z_in_1)     → fprimezin1
    a⁽²⁾_1, a^(2)_1, a^{(2)}_1                 → a21

A name that matches no symbol of the step is tried again ignoring case. Two symbols of one
step that reduce to the same canonical form are only found by their exact Unicode text (or
their id). A name may also be an equation id (``s1.delta.2.1``) or carry a step in front
(``s2.net_h1``, ``s2: net_h1``, ``step 2 net_h1``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from chainrule.derive import ids
from chainrule.derive.solution import Equation

__all__ = ["canonical", "NameTable", "split_step"]

_ASCII = {
    "δ": "delta", "Δ": "Delta", "θ": "theta", "η": "eta", "α": "alpha", "μ": "mu",
    "σ": "sigma", "ε": "epsilon", "∂": "d", "′": "'", "’": "'", "⁺": "+", "−": "-", "⁻": "-",
    "Ē": "Ebar", "·": "*", "⁽": "(", "⁾": ")",
}
_ASCII.update({chr(0x2070 + d) if d not in (1, 2, 3) else "¹²³"[d - 1]: str(d)
               for d in range(10)})
_ASCII.update({chr(0x2080 + d): str(d) for d in range(10)})  # subscript digits
_DROP = re.compile(r"[\s_{}^$\\()/]")
_LATEX = (("\\partial", "d"), ("\\prime", "'"), ("\\bar{E}", "Ebar"), ("\\mathrm", ""))
_NEW_FIRST = re.compile(r"(?i)^new[\s_]+(.+)$")
_NEW_LAST = re.compile(r"(?i)^(.+?)[\s_]*\(?new\)?$")
_STEP = re.compile(r"(?i)^(?:s|step[\s_.]*)(\d+)\s*[.:\s]\s*(.+)$")
_ID = re.compile(r"^(?:s\d+\.)?[a-zA-Z]+(?:\.\w+)*$")


def canonical(name: str) -> str:
    """The form names are compared in (see the module doc)."""
    text = unicodedata.normalize("NFC", name).strip()
    for latex, plain in _LATEX:
        text = text.replace(latex, plain)
    match = _NEW_FIRST.match(text) or _NEW_LAST.match(text)
    if match and match.group(1).strip():
        text = match.group(1).strip() + "+"
    text = "".join(_ASCII.get(ch, ch) for ch in text)
    text = _DROP.sub("", text)
    return text.replace("'", "prime")


def _aliases_of(text: str) -> set[str]:
    forms = {canonical(text)}
    if text.startswith("Δ"):  # Δv_11 is also written dv_11
        forms.add("d" + canonical(text[1:]))
    return forms


def _aliases(eq: Equation) -> set[str]:
    text = eq.symbol.text
    forms = _aliases_of(text)
    mark = getattr(eq.symbol, "mark", "")
    if eq.kind == "update" and mark.endswith("+1)"):  # w_35(p+1), w¹_11(k+1) is also w_35+
        forms.add(canonical(text[: -len(mark)]) + "+")
    if eq.kind == "change" and mark == "(t)":  # momentum's Δw_1(t) is also Δw_1
        forms |= _aliases_of(text[: -len(mark)])
    return forms


def split_step(name: str) -> tuple[str | None, str]:
    """``"s2.net_h1"`` → ``("s2", "net_h1")``; a name without a step → ``(None, name)``."""
    match = _STEP.match(name.strip())
    if match:
        return ids.step(int(match.group(1))), match.group(2).strip()
    return None, name.strip()


class NameTable:
    """Names of the equations of a solution, step by step.

    ``equations`` are the equations a student may name (any order); ``default_step`` is the
    step a name without a step refers to; ``unlisted`` are ids that may be named but are
    not offered in the list of valid symbols (a frozen bias's update).
    """

    def __init__(self, equations: Iterable[Equation], default_step: str,
                 unlisted: Iterable[str] = ()) -> None:
        self.default_step = default_step
        self.unlisted = set(unlisted)
        self.ids: dict[str, Equation] = {}
        self._exact: dict[str | None, dict[str, list[str]]] = {}
        self._canon: dict[str | None, dict[str, list[str]]] = {}
        self._lower: dict[str | None, dict[str, list[str]]] = {}
        for eq in equations:
            self.ids[eq.id] = eq
            self._exact.setdefault(eq.step, {}).setdefault(eq.symbol.text, []).append(eq.id)
            for form in _aliases(eq):
                self._canon.setdefault(eq.step, {}).setdefault(form, []).append(eq.id)
                self._lower.setdefault(eq.step, {}).setdefault(form.lower(), []).append(eq.id)

    @property
    def steps(self) -> list[str]:
        return [s for s in self._exact if s is not None]

    def resolve(self, name: str, step: str | None = None) -> str:
        """The id of the equation ``name`` means.

        Raises:
            ValueError: unknown or ambiguous name (the message lists the valid symbols).
        """
        if name in self.ids and _ID.match(name):
            return name
        prefix, bare = split_step(name)
        if prefix is not None:
            if prefix not in self._exact and not self._find(name, step or self.default_step):
                raise ValueError(f"unknown step {prefix!r} in {name!r}; the solution has steps "
                                 f"{', '.join(self.steps)}")
            if prefix in self._exact:
                step, name = prefix, bare
        step = step or self.default_step
        if step not in self._exact:
            raise ValueError(f"unknown step {step!r} for {name!r}; the solution has steps "
                             f"{', '.join(self.steps)}")
        for scope in (step, None):  # the step's symbols, then solution-level ones (loss)
            found = self._find(name, scope)
            if found:
                return found
        raise ValueError(f"unknown symbol {name!r} in step {step}. Valid symbols: "
                         f"{', '.join(self.valid(step))}")

    def _find(self, name: str, scope: str | None) -> str | None:
        exact = self._exact.get(scope, {}).get(name.strip())
        if exact and len(exact) == 1:
            return exact[0]
        for table, key in ((self._canon, canonical(name)), (self._lower, canonical(name).lower())):
            ids = sorted(set(table.get(scope, {}).get(key, [])))
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                names = " or ".join(self.ids[i].symbol.text for i in ids)
                raise ValueError(f"{name!r} could mean {names}: write the symbol exactly as "
                                 "the solution prints it, or its id")
        return None

    def valid(self, step: str | None = None) -> list[str]:
        """The symbols of ``step`` (default: the default step) and the solution-level ones."""
        step = step or self.default_step
        names = [name for scope in (step, None) for name, ids in self._exact.get(scope, {}).items()
                 if not set(ids) <= self.unlisted]
        return list(dict.fromkeys(names))
