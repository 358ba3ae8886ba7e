"""Exercise checkers for notebook 01, backprop through modules (re-exported by vglab.exercises).

Each compares the learner's function with the hand-written modules in ``vglab.modules``
(themselves tested against autograd), prints ``Correct: ...`` or ``Not yet: <hint>``, and
returns True/False without raising.
"""

from __future__ import annotations

import functools
import math

import torch

from . import _checks as E
from .. import modules as M

__all__ = [
    "check_relu_backward",
    "check_add_backward",
    "check_branch_backward",
    "check_max_backward",
    "check_linear_dW",
    "check_mse_shrink_factor",
]


def _never_raises(check):
    """A learner's odd answer (a list, a numpy array, a dtype) becomes a hint, not a traceback."""

    @functools.wraps(check)
    def wrapped(answer):
        try:
            return check(answer)
        except Exception as e:  # noqa: BLE001
            return E.report(
                False, "", "could not check that answer: return torch tensors of the shapes the exercise asks for"
            )

    return wrapped


def _unanswered(out) -> bool:
    """The stub as committed: the function returned None, or a tuple of Nones."""
    return out is None or (isinstance(out, (tuple, list)) and len(out) > 0 and all(o is None for o in out))


def _run(fn, *args, hint):
    """Call the learner's function: ``(True, result)``, or print one neutral line and return
    ``(False, None)`` for an unfilled stub (None), an exception, or a result that holds no tensor."""
    ok, out = E.run_learner_fn(fn, *args, hint=hint)
    if not ok:
        return False, None
    if _unanswered(out):
        E.report(False, "", f"fill in the function (it returned {out!r})")
        return False, None
    return True, out


def _tensor(out, hint) -> bool:
    """True if ``out`` is a tensor; else print the hint with what came back (never a raw torch error)."""
    if isinstance(out, torch.Tensor):
        return True
    E.report(False, "", f"{hint} (return a torch tensor, got {type(out).__name__})")
    return False


def _data(*shapes, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g, dtype=torch.float64) for s in shapes]


def _pair(out, n, hint):
    if not isinstance(out, (tuple, list)) or len(out) != n:
        E.report(False, "", f"{hint} (return a tuple of {n} tensors)")
        return None
    return out


def _all_close(out, ref):
    """Every tensor the learner returned has its reference's shape and values (float64)."""
    return all(
        isinstance(o, torch.Tensor) and o.shape == r.shape and torch.allclose(o.double(), r)
        for o, r in zip(out, ref)
    )


@_never_raises
def check_relu_backward(fn) -> bool:
    """``fn(X, dY) -> dX`` for ReLU: dC/dX = 0 where x < 0, else dC/dY (lecture)."""
    X, dY = _data((4, 5), (4, 5), seed=1)
    hint = "ReLU passes dC/dY where the input X was positive and blocks it (0) where X was negative"
    ok, dX = _run(fn, X.clone(), dY.clone(), hint=hint)
    if not ok or not _tensor(dX, hint):
        return False
    relu = M.ReLU()
    relu.forward(X)
    if (
        isinstance(dX, torch.Tensor)
        and dX.shape == X.shape
        and torch.allclose(dX.double(), (X > 0).double())
    ):
        return E.report(False, "", "that is dY/dX, the mask; multiply it by the incoming dC/dY")
    return E.tensors_close(
        dX, relu.backward(dY), success="ReLU's backward is a mask on dC/dY.", hint=hint
    )


@_never_raises
def check_add_backward(fn) -> bool:
    """``fn(dY) -> (dX1, dX2)`` for Y = X1 + X2."""
    (dY,) = _data((3, 4), seed=2)
    hint = "perturb X1 by ε and Y moves by ε: each input gets dC/dY times 1"
    ok, out = _run(fn, dY.clone(), hint=hint)
    if not ok or _pair(out, 2, hint) is None:
        return False
    ref = M.Add().backward(dY)
    good = _all_close(out, ref)
    if not good and isinstance(out[0], torch.Tensor) and torch.allclose(out[0].double(), dY / 2):
        return E.report(
            False, "", "add does not split the gradient in half: each input gets all of dC/dY"
        )
    return E.report(good, "add copies dC/dY to both inputs.", hint)


@_never_raises
def check_branch_backward(fn) -> bool:
    """``fn(dY1, dY2) -> dX`` for the branch (copy) Y1 = Y2 = X."""
    dY1, dY2 = _data((3, 4), (3, 4), seed=3)
    hint = "X reaches the cost along two paths; the chain rule adds the two contributions"
    ok, dX = _run(fn, dY1.clone(), dY2.clone(), hint=hint)
    if not ok or not _tensor(dX, hint):
        return False
    return E.tensors_close(
        dX,
        M.Branch().backward(dY1, dY2),
        success="a branch sums the gradients (the dual of add).",
        hint=hint,
    )


@_never_raises
def check_max_backward(fn) -> bool:
    """``fn(X1, X2, dY) -> (dX1, dX2)`` for Y = max(X1, X2) (no ties in the data)."""
    X1, X2, dY = _data((4, 3), (4, 3), (4, 3), seed=4)
    hint = "only the input that won (was larger) gets dC/dY; the other gets 0"
    ok, out = _run(fn, X1.clone(), X2.clone(), dY.clone(), hint=hint)
    if not ok or _pair(out, 2, hint) is None:
        return False
    mx = M.Max()
    mx.forward(X1, X2)
    ref = mx.backward(dY)
    good = _all_close(out, ref)
    return E.report(good, "max routes the whole gradient to its argmax.", hint)


@_never_raises
def check_linear_dW(fn) -> bool:
    """``fn(X, dY) -> dC/dW`` for the row form Y = X W + b, X (B, n_in), W (n_in, n_out)."""
    X, dY = _data((5, 4), (5, 3), seed=5)
    hint = "dC/dW must have W's shape (n_in, n_out) = (4, 3): combine Xᵀ (4, B) with dC/dY (B, 3)"
    ok, dW = _run(fn, X.clone(), dY.clone(), hint=hint)
    if not ok or not _tensor(dW, hint):
        return False
    lin = M.Linear(4, 3, W=M.Param(torch.zeros(4, 3, dtype=torch.float64)))  # no draw from the RNG
    lin.forward(X)
    lin.backward(dY)
    if (
        isinstance(dW, torch.Tensor)
        and dW.shape == (3, 4)
        and torch.allclose(dW.double(), lin.W.grad.T)
    ):
        return E.report(
            False,
            "",
            "that is the lecture's column form dC/dY Xᵀ; in the row form Y = X W it is Xᵀ dC/dY",
        )
    return E.tensors_close(
        dW, lin.W.grad, success="dC/dW = Xᵀ dC/dY, summed over the minibatch.", hint=hint
    )


@_never_raises
def check_mse_shrink_factor(answer) -> bool:
    """Exercise 6: softmax → squared error's gradient on the true logit falls like e^−m (p_y ≈ e^−m / (K − 1)
    for m well above 0), so one more unit of margin divides it by e. Accepts e to 0.1 %."""
    hint = ("compare softmax → squared error's gradient on the true logit at two margins one apart, "
            "e.g. M.confident_logits([20.0, 21.0]) and M.head_gradient(..., 'softmax+mse')")
    if answer is None or answer is Ellipsis or isinstance(answer, bool):
        return E.report(False, "", f"{hint}; then replace None with the factor")
    ok, x = E.answer_number(answer, hint=f"{hint}; answer with one number")
    if not ok:
        return False
    if math.isfinite(x) and math.isclose(x, 1 / math.e, rel_tol=1e-3):
        return E.report(False, "", "that is new / old, the factor it is multiplied by; "
                                   "by what factor does it shrink (old / new)?")
    good = math.isfinite(x) and math.isclose(x, math.e, rel_tol=1e-3)
    return E.report(good, "e ≈ 2.718 per unit of margin: the gradient carries p_y ∝ e^−m, one factor e "
                          "per unit, like c per layer in notebook 00.", hint)
