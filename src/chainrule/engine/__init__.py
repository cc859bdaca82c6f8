"""The autodiff engine: ``Tensor``, primitive ops with their VJPs, ``gradcheck``."""

from chainrule.engine import functional, fused, ops
from chainrule.engine.gradcheck import GradcheckReport, gradcheck
from chainrule.engine.tensor import Tensor, apply, is_grad_enabled, no_grad, unbroadcast

__all__ = [
    "Tensor", "no_grad", "is_grad_enabled", "unbroadcast", "gradcheck", "GradcheckReport",
    "ops", "fused", "functional", "apply",
]
