"""Exercise checkers for notebook 01, backprop through modules (re-exported by vglab.exercises).

Each compares the learner's function with autograd on the same inputs (exercise 6, a number, with the
closed form K/(K − 1)²), prints ``Correct: ...`` or ``Not yet: <hint>``, and
returns True/False without raising.
"""

from __future__ import annotations

import functools
import math

import torch

from . import _checks as E
from .. import modules as M

__all__ = [
    "check_leaky_relu_backward",
    "check_sub_backward",
    "check_square_backward",
    "check_max_tie_backward",
    "check_tied_linear_dW",
    "check_mse_prefactor",
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


def _blank(o) -> bool:
    return o is None or o is Ellipsis


def _unanswered(out) -> bool:
    """The stub as committed: the function returned ``...`` (or None), or a tuple of them."""
    return _blank(out) or (isinstance(out, (tuple, list)) and len(out) > 0 and all(_blank(o) for o in out))


def _run(fn, *args, first, hint):
    """Call the learner's function: ``(True, result)``, or print a hint and return ``(False, None)``.

    ``first`` is the hint for an unanswered exercise (the checker given ``...`` or a stub that
    returns ``...``): a first step of the derivation, never the answer. ``hint`` is for a function
    that raises: a step further, still short of the answer."""
    if _blank(fn):
        E.report(False, "", f"{first}; then fill in the function and pass it to the checker")
        return False, None
    ok, out = E.run_learner_fn(fn, *args, hint=hint)
    if not ok:
        return False, None
    if _unanswered(out):
        E.report(False, "", f"{first}; then fill in the function (it returned {out!r})")
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


LEAKY_SLOPE = 0.1  # exercise 1: y = x for x > 0, 0.1·x otherwise


def _autograd(f, *xs, dY):
    """dC/dx for C = Σ f(xs) ⊙ dY, by autograd: the reference the exercise checkers compare with."""
    xs = [x.clone().requires_grad_(True) for x in xs]
    (f(*xs) * dY).sum().backward()
    return [x.grad for x in xs]


@_never_raises
def check_leaky_relu_backward(fn) -> bool:
    """Exercise 1, ``fn(X, dY) -> dX`` for the leaky ReLU y = x (x > 0), 0.1·x (x ≤ 0). Reference:
    autograd through ``torch.nn.functional.leaky_relu`` (not the lab's ReLU module)."""
    X, dY = _data((4, 5), (4, 5), seed=1)
    first = ("derive it like eq. (01.3): the leaky ReLU acts on each element alone, so its Jacobian is "
             "diagonal; find y's slope for X > 0 and for X < 0")
    hint = "dC/dX is dC/dY times y's slope, element by element; check the slope on each side of 0"
    ok, dX = _run(fn, X.clone(), dY.clone(), first=first, hint=hint)
    if not ok or not _tensor(dX, hint):
        return False
    (ref,) = _autograd(lambda x: torch.nn.functional.leaky_relu(x, LEAKY_SLOPE), X, dY=dY)
    if dX.shape == X.shape and torch.allclose(dX.double(), dY * (X > 0)):
        return E.report(False, "", "that is the plain ReLU's backward: the leaky ReLU still passes "
                                   "0.1 of the gradient where X < 0")
    if dX.shape == X.shape and torch.allclose(dX.double(), torch.where(X > 0, 1.0, LEAKY_SLOPE).double()):
        return E.report(False, "", "that is dY/dX, the slope, alone; a backward maps dC/dY to dC/dX: where does the incoming "
                                   "dC/dY enter (eq. 01.3)?")
    return E.tensors_close(dX, ref, success="the leaky ReLU scales dC/dY by its slope: 1 or 0.1.", hint=hint)


@_never_raises
def check_sub_backward(fn) -> bool:
    """Exercise 2, ``fn(dY) -> (dX1, dX2)`` for Y = X1 − X2. Reference: autograd."""
    X1, X2, dY = _data((3, 4), (3, 4), (3, 4), seed=2)
    first = "derive it like eq. (01.5): nudge X1, then X2, by a small ε and see how Y moves"
    hint = ("nudge each input by ε in turn, the other held fixed: how far and which way Y moves is the factor "
            "that input's dC/dY is multiplied by")
    ok, out = _run(fn, dY.clone(), first=first, hint=hint)
    if not ok or _pair(out, 2, hint) is None:
        return False
    ref = _autograd(lambda a, b: a - b, X1, X2, dY=dY)
    good = _all_close(out, ref)
    if not good and all(isinstance(o, torch.Tensor) and o.shape == dY.shape for o in out) \
            and torch.allclose(out[1].double(), dY):
        return E.report(False, "", "X2 enters with a minus sign: increasing X2 decreases Y")
    return E.report(good, "subtract copies dC/dY to X1 and −dC/dY to X2.", hint)


@_never_raises
def check_square_backward(fn) -> bool:
    """Exercise 3, ``fn(X, dY) -> dX`` for Y = X ⊙ X: a branch (X copied twice) into an elementwise
    product. Reference: autograd."""
    X, dY = _data((3, 4), (3, 4), seed=3)
    first = ("see Y = X ⊙ X as a branch (eq. 01.4) into a product X1 ⊙ X2: work out what each factor "
             "of the product receives, then what the branch does with the two")
    hint = "in the product X1 ⊙ X2 each factor's slope is the other factor; then apply the branch rule (eq. 01.4)"
    ok, dX = _run(fn, X.clone(), dY.clone(), first=first, hint=hint)
    if not ok or not _tensor(dX, hint):
        return False
    (ref,) = _autograd(lambda x: x * x, X, dY=dY)
    if dX.shape == X.shape and torch.allclose(dX.double(), dY * X):
        return E.report(False, "", "that is what one factor of the product receives; X feeds Y along two paths: "
                                   "what does a branch do with its paths' gradients (eq. 01.4)?")
    return E.tensors_close(dX, ref, success="2 X ⊙ dC/dY: each of the two uses adds dC/dY ⊙ X.", hint=hint)


@_never_raises
def check_max_tie_backward(fn) -> bool:
    """Exercise 4, ``fn(X1, X2, dY) -> (dX1, dX2)`` for Y = max(X1, X2) with torch's tie rule (a tie
    splits dC/dY half and half). The data have ties. Reference: autograd through ``torch.maximum``."""
    X1, X2, dY = _data((4, 3), (4, 3), (4, 3), seed=4)
    X2[::2] = X1[::2]  # every other row a tie
    first = ("start from eq. (01.6) away from ties, then decide what each input gets on a tie (the "
             "exercise says how torch splits it)")
    hint = ("check the three cases one by one: X1 > X2, X1 < X2 and X1 == X2 (every other row of the "
            "checker's data is a tie)")
    ok, out = _run(fn, X1.clone(), X2.clone(), dY.clone(), first=first, hint=hint)
    if not ok or _pair(out, 2, hint) is None:
        return False
    ref = _autograd(torch.maximum, X1, X2, dY=dY)
    good = _all_close(out, ref)
    if not good and all(isinstance(o, torch.Tensor) and o.shape == dY.shape for o in out):
        won = X1 > X2
        if _all_close(out, (dY * won, dY * ~won)) or _all_close(out, (dY * (X1 >= X2), dY * ~(X1 >= X2))):
            return E.report(False, "", "right away from ties; on a tie (every other row here) torch "
                                       "gives each input half of dC/dY")
    return E.report(good, "max routes dC/dY to the winner and splits it on a tie, like torch.maximum.", hint)


@_never_raises
def check_tied_linear_dW(fn) -> bool:
    """Exercise 5, ``fn(X, W, dY) -> dC/dW`` for the tied linear autoencoder Y = (X W) Wᵀ: W of shape
    (n_in, n_hidden) = (4, 3) is used twice (encoder X W, decoder H Wᵀ), so its gradient is the sum
    of two uses, Xᵀ (dC/dY W) + dC/dYᵀ (X W). Reference: autograd."""
    X, dY = _data((5, 4), (5, 4), seed=5)
    (W,) = _data((4, 3), seed=55)
    first = ("W is used twice: write Y = H V with H = X W and V = Wᵀ, get each use's gradient from "
             "eq. (01.2r), then combine them as in section 4")
    hint = ("take the decoder first: eq. (01.2r) for Y = H V gives a gradient for V = Wᵀ and one for H; the "
            "one for H then feeds the encoder H = X W; check each share's shape against W's (4, 3)")
    ok, dW = _run(fn, X.clone(), W.clone(), dY.clone(), first=first, hint=hint)
    if not ok or not _tensor(dW, hint):
        return False
    (ref,) = _autograd(lambda w: X @ w @ w.T, W, dY=dY)
    enc, dec = X.T @ (dY @ W), dY.T @ (X @ W)
    if dW.shape == W.shape and (torch.allclose(dW.double(), enc) or torch.allclose(dW.double(), dec)):
        return E.report(False, "", "that is one use's share; W is used twice (encoder and decoder): "
                                   "what does section 4 say a shared weight gets?")
    if dW.shape == (3, 4):
        return E.report(False, "", "dC/dW has W's shape (4, 3): bring the decoder's gradient (for Wᵀ) "
                                   "back by a transpose")
    return E.tensors_close(dW, ref, success="the encoder's and the decoder's shares, added.", hint=hint)


K_CLASSES = 10  # exercise 6: the number of classes
SIG3_TOL = 5e-4 * (1 + 1e-9)  # exercise 6: half a unit of A's third significant figure (A ≈ 0.123)


@_never_raises
def check_mse_prefactor(answer) -> bool:
    """Exercise 6: for K = 10 classes and logits (0, m, …, m), softmax → squared error's gradient on the
    true logit is ≈ −A e^−m for m ≫ 0, with A = K/(K − 1)² = 10/81: p_y ≈ e^−m/(K − 1), each wrong
    class p ≈ 1/(K − 1), ⟨p − onehot, p⟩ → 1/(K − 1), so dC/ds_y ≈ −p_y (1 + 1/(K − 1)). The exercise
    asks for 3 significant figures: accepts 10/81 = 0.12346… to within half a unit of the third, when
    the answer also rounds to 0.123 (0.123, 0.1235, 10/81; not 0.124, nor 0.1239). 0.12, right to 2
    significant figures only, gets its own hint (at 2, a nearby wrong value rounds to the same number);
    so do −10/81, 3/4 and 1/9."""
    hint = ("for K classes write p_y and each wrong class's p for m ≫ 0, then put dC/dp = p − onehot into "
            "softmax's backward (01.8) for the true logit")
    if answer is None or answer is Ellipsis:
        return E.report(False, "", f"{hint}; then replace ... with A")
    ok, x = E.answer_number(answer, hint=hint, why=True)  # not "10/81", not a tuple, not NaN
    if not ok:
        return False
    right = K_CLASSES / (K_CLASSES - 1) ** 2
    near = lambda v: math.isclose(x, v, rel_tol=1e-2)
    if x == round(right, 2):  # 0.12: A to 2 significant figures, as the exercise's 3 would not be
        return E.report(False, "", "right to 2 significant figures, but the exercise asks for 3 (at 2, "
                                   "nearby wrong values round to the same number); carry one more digit")
    if near(-right):
        return E.report(False, "", "the gradient is −A e^−m: give A itself, a positive number")
    if near(3 / 4):
        return E.report(False, "", "that is the value for K = 3 classes; here K = 10")
    if near(1 / (K_CLASSES - 1)):
        return E.report(False, "", "that is p_y's own prefactor; the squared error adds the term "
                                   "⟨dC/dp, p⟩, which does not vanish for m ≫ 0")
    # within half a unit of the third figure, and 0.123 when rounded to 3 figures (so 0.1239, which rounds
    # to 0.124, is not accepted although it is that close to 10/81)
    sig3 = abs(x - right) <= SIG3_TOL and f"{x:.3g}" == f"{right:.3g}"
    return E.report(sig3, "A = K/(K − 1)² = 10/81 ≈ 0.123: the gradient keeps "
                    "softmax's p_y.", f"{hint} (the checker wants A to 3 significant figures)")
