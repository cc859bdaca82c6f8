"""Slips: the mistakes students make in a backpropagation step, as variant derivations.

A slip is a rule applied wrongly. Each one here rewrites the formula trees of the worked
solution's equations (``formula.substitute`` and a small tree rewriter) into the formulas a
student who makes that slip evaluates; ``check`` then re-evaluates them (``world.World``)
and sees which variant reproduces the student's numbers. A slip with several places it can
happen has one variant per place (``Variant.where``).

========================  =============================================================
slip                      the rewritten equations
========================  =============================================================
``fprime_missing``        δ = ∂E/∂out (or δ_in) without the factor f′(net)
``net_for_out``           net where out belongs: the next layer's net input from net_h,
                          f′ written in net (net(1 − net)), ∂E/∂w = δ·net_h
``out_for_net``           out where net belongs: f′ evaluated at out, f′(out)
``error_sign``            (y − t) instead of (t − y) in the output δ
``half_dropped``          E and ∂E/∂out twice as large (the ½ of ½Σ(t − y)² dropped)
``half_doubled``          E and ∂E/∂out half as large (a ½ that the 2 should cancel)
``updated_weights``       hidden δ from the output weights after this step's update
``eta_missing``           Δw = δ·x (the learning rate not applied)
``eta_twice``             Δw = η²·δ·x (the learning rate applied twice)
``index_swap``            w_ji used for w_ij: in net inputs, in hidden δ, in Δw
``bias_frozen``           a bias left at its old value though the convention updates it
``bias_updated``          a bias updated though the convention keeps it fixed
``update_sign``           w⁺ = w + η·∂E/∂w (the step taken uphill)
``carry``                 the other carry rule: values carried rounded instead of at full
                          precision, or the reverse (rounding drift, no marks lost)
``tie``                   the other tie rule: half to even instead of half away from zero,
                          or the reverse (rounding drift, no marks lost)
========================  =============================================================

The f′ factor is recognised as the calculus table writes it (``out·(1 − out)`` for the
sigmoid, ``½(1 + out)(1 − out)`` bipolar, ``1 − out²`` tanh, ``relu′(net)`` for ReLU) or as
a reference to the f′ equation when the convention writes one.

This one mechanism serves both the grading of a student's sheet (``grading.grade``) and the
replay of a source's printed numbers (``problems.replay``): a variant is evaluated by
``world_of``, alone or combined with others (``combine``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from chainrule.calculus.formula import Const, Node, Ref
from chainrule.derive import ids
from chainrule.derive.solution import Equation, WorkedSolution
from chainrule.teach.slips.rewrites import REWRITES, Context, plain
from chainrule.teach.slips.world import Pin, World, rederive

__all__ = [
    "SLIPS", "ROUNDING", "Slip", "Variant", "variants", "candidates", "combine", "world_of",
    "frozen_bias_variant",
]


@dataclass(frozen=True)
class Slip:
    """A named mistake: ``title`` for a heading, ``rule`` says what the student did,
    ``phrase`` names the rule followed (a number "follows from …")."""

    name: str
    title: str
    rule: str
    phrase: str = ""


#: Every slip ``check`` looks for, the more common first (the order breaks ties).
SLIPS: dict[str, Slip] = {s.name: s for s in (
    Slip("fprime_missing", "derivative factor f′ missing",
         "δ was computed without the factor f′(net) = ∂out/∂net",
         "δ computed without the factor f′(net)"),
    Slip("error_sign", "sign of the error flipped",
         "the output error was taken as (y − t) instead of (t − y)",
         "the output error taken as (y − t)"),
    Slip("half_dropped", "the ½ dropped",
         "the ½ of E = ½Σ(t − y)² was dropped, doubling E and ∂E/∂out",
         "the ½ of E dropped"),
    Slip("half_doubled", "the ½ doubled",
         "an extra ½ halves E or ∂E/∂out (the 2 from the square should cancel the ½)",
         "an extra ½ in E and ∂E/∂out"),
    Slip("updated_weights", "hidden δ from the updated weights",
         "hidden δ used the output weights after this step's update instead of before",
         "hidden δ computed from the already-updated weights of the layer above"),
    Slip("eta_missing", "learning rate not applied",
         "the change Δw was not multiplied by the learning rate",
         "Δw not multiplied by the learning rate"),
    Slip("eta_twice", "learning rate applied twice",
         "the learning rate was applied twice (η² instead of η)",
         "the learning rate applied twice"),
    Slip("net_for_out", "net used where out belongs",
         "a unit's net input was used where its output belongs",
         "a net input used where the output belongs"),
    Slip("out_for_net", "out used where net belongs",
         "f′ was evaluated at the unit's output instead of its net input",
         "f′ evaluated at the output instead of the net input"),
    Slip("index_swap", "indices of a weight swapped",
         "w_ji was used where w_ij belongs",
         "w_ji used where w_ij belongs"),
    Slip("bias_frozen", "bias not updated",
         "a bias was left at its old value, but this convention updates biases",
         "the biases left at their old values"),
    Slip("bias_updated", "bias updated though frozen",
         "a bias was updated, but this convention keeps biases fixed",
         "the biases updated"),
    Slip("update_sign", "update in the wrong direction",
         "the weight change was applied with the wrong sign (w + η·∂E/∂w)",
         "the weight change applied with the wrong sign"),
    Slip("carry", "rounding drift",
         "values were carried the other way (rounded instead of full precision, or the "
         "reverse), which moves the last digits"),
    Slip("tie", "tie rule",
         "values lying exactly on a half were rounded the other way (half to even instead "
         "of half away from zero, or the reverse), which moves a last digit"),
)}

#: The slips that only move last digits: the same method, rounded another way.
ROUNDING = ("carry", "tie")


@dataclass(frozen=True)
class Variant:
    """A variant derivation: equation id → rewritten formula, plus extra equations and
    rounding rules where the slip needs them."""

    slip: str
    where: str
    formulas: dict[str, Node]
    extra: dict[str, Equation] = field(default_factory=dict)
    carry: str | None = None
    tie: str | None = None
    phrase: str = ""

    @property
    def follows(self) -> str:
        """The rule a number computed this way follows, for "follows from …"."""
        return self.phrase or SLIPS[self.slip].phrase


def variants(solution: WorkedSolution) -> list[Variant]:
    """Every variant derivation of ``solution`` that changes at least one formula, in the
    order of ``SLIPS``; then the bias and carry variants that need a re-derivation."""
    ctx = Context(solution)
    found = []
    for slip, where, rewrite in REWRITES:
        if slip == "bias_frozen" and not ctx.c.update_bias:
            continue
        formulas = {k: v for k, v in rewrite(ctx).items() if v != plain(ctx.eqs[k].formula)}
        if formulas:
            found.append(Variant(slip, where, formulas))
    other = "full" if ctx.c.carry == "rounded" else "rounded"
    where = f"values carried {_CARRY[other]}, not {_CARRY[ctx.c.carry]} as the solution does"
    found.append(Variant("carry", where, {}, carry=other, phrase=_CARRY_RULE[other]))
    tie = "half_even" if ctx.c.tie == "half_away" else "half_away"
    found.append(Variant("tie", f"ties rounded {_TIE[tie]}, not {_TIE[ctx.c.tie]}", {},
                         tie=tie, phrase=f"ties rounded {_TIE[tie]}"))
    return found


_CARRY = {"full": "at full precision", "rounded": "rounded as printed",
          "calculator": "as printed, by calculator"}
_CARRY_RULE = {"full": "full-precision carry",
               "rounded": "rounded carry (each value used as printed)"}
_TIE = {"half_away": "half away from zero", "half_even": "half to even"}


def candidates(solution: WorkedSolution) -> list[Variant]:
    """Every variant a number of ``solution`` may follow: the rewrites and rounding rules
    of ``variants``, and the bias variant of a convention that keeps biases fixed."""
    frozen = frozen_bias_variant(solution)
    return variants(solution) + ([frozen[0]] if frozen else [])


def combine(*parts: Variant) -> Variant:
    """Several variants at once (their rewrites merged, the last rounding rule winning)."""
    if len(parts) == 1:
        return parts[0]
    formulas: dict[str, Node] = {}
    extra: dict[str, Equation] = {}
    carry = tie = None
    for v in parts:
        formulas.update(v.formulas)
        extra.update(v.extra)
        carry, tie = v.carry or carry, v.tie or tie
    return Variant("+".join(v.slip for v in parts), "; ".join(v.where for v in parts),
                   formulas, extra, carry, tie, " with ".join(v.follows for v in parts))


def world_of(solution: WorkedSolution, variant: Variant, *,
             extra: Mapping[str, Equation] | None = None,
             pinned: Mapping[str, Pin] | None = None) -> World:
    """The values of ``solution``'s equations under ``variant`` (and a student's ``pinned``
    values): the one place a variant derivation is evaluated."""
    return World(solution, formulas=variant.formulas, extra={**(extra or {}), **variant.extra},
                 carry=variant.carry, tie=variant.tie, pinned=pinned)


def frozen_bias_variant(solution: WorkedSolution) -> tuple[Variant, dict[str, Equation]] | None:
    """For a convention that keeps biases fixed: the variant that updates them, and the
    key's own view of the extra equations (Δb = 0, b⁺ = b; the gradient as it is)."""
    c = solution.conventions
    if c.update_bias or c.bias == "none":
        return None

    updated = rederive(solution, update_bias=True)
    extra = {i: eq for i, eq in updated.equations.items() if i not in solution.equations}
    formulas = {i: eq.formula for i, eq in updated.equations.items()
                if eq.formula is not None and (i in extra or eq.formula != solution.equations[
                    i].formula)}
    key: dict[str, Equation] = {}
    for i, eq in extra.items():
        if eq.kind == "update":
            formula: Node | None = Ref(ids.weight(eq.step, ids.parse(i).index))
        elif eq.kind == "change":
            formula = Const(0.0)
        else:
            formula = eq.formula
        key[i] = _with_formula(eq, formula)
    return Variant("bias_updated", "in the bias updates", formulas, extra), key


def _with_formula(eq: Equation, formula: Node | None) -> Equation:
    return replace(eq, formula=formula)
