"""Notebook 08's checkers: a right answer, wrong answers (near misses included) and junk, which must give a
hint and never raise; the first hint (the placeholder ``...``) never holds the answer."""
import math

import numpy as np
import pytest

from vglab import exercises
from vglab.exercises import capstone as cx

JUNK = [None, ..., "abc", "", (1, 2), [0.87], {"a": 1}, float("nan"), float("inf"), -float("inf"), 10**400,
        True, object(), np.array([1.0, 2.0])]


def _junk_id(v) -> str:
    """A test id that is the same in every xdist worker (an object's repr holds its address)."""
    s = repr(v)
    return type(v).__name__ if " at 0x" in s else s[:40]


def _one_line(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(("Correct: ", "Not yet: ")), out
    return out


@pytest.mark.parametrize("check", [cx.check_fix_for_symptom, cx.check_capstone_q, cx.check_capstone_orthogonal_q,
                                   cx.check_layer_factor])
@pytest.mark.parametrize("junk", JUNK, ids=_junk_id)
def test_junk_gives_a_hint_and_never_raises(check, junk, capsys):
    assert check(junk) is False
    assert _one_line(capsys).startswith("Not yet: ")


def test_fix_for_symptom(capsys):
    assert cx.check_fix_for_symptom("residual") is True and cx.check_fix_for_symptom(" Residual ") is True
    for wrong in ("clipping", "dS sampling", "LSTM", "Adam", "adam ", "batchnorm", "residual, clipping"):
        assert cx.check_fix_for_symptom(wrong) is False
    capsys.readouterr()
    cx.check_fix_for_symptom(...)
    assert "residual" not in capsys.readouterr().out.lower()  # the first hint does not list the answer
    for wrong in ("clipping", "dS sampling", "LSTM", "Adam"):  # a wrong choice's hint names only that choice's role
        cx.check_fix_for_symptom(wrong)
        out = capsys.readouterr().out.lower()
        others = [o for o in ("clipping", "ds sampling", "lstm", "adam") if o != wrong.lower()]
        assert not any(o in out for o in others) and "residual" not in out
    cx.check_fix_for_symptom("clipping")  # the real reason: one common factor for every layer's gradient
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and "one common factor" in out and "too small" not in out
    cx.check_fix_for_symptom("LSTM")  # agrees with §1: the LSTM adds a cell path, it replaces no factor
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and "adds a cell path" in out and "replaces" not in out
    cx.check_fix_for_symptom("Adam")  # the distractor (read 08r15 X4): it rescales steps, not the gradients
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and "already computed" in out
    assert cx.check_fix_for_symptom("residual") is True and capsys.readouterr().out.startswith("Correct: ")


def test_orthogonal_q_asks_for_two_decimals(capsys):
    assert cx.check_capstone_orthogonal_q(0.9) is False and "two decimals" in capsys.readouterr().out
    assert cx.check_capstone_orthogonal_q(0.87) is True
    for wrong in (0.86, 0.88, 0.85, 0.89, 0.84):  # wrong at two decimals: rejected, and told to recompute
        assert cx.check_capstone_orthogonal_q(wrong) is False and "recompute" in capsys.readouterr().out
    for n in (18, 20):  # one step too few or too many: a counting error, told to count the steps
        for wrong in (-n * math.log10(0.9), round(-n * math.log10(0.9), 2)):
            assert cx.check_capstone_orthogonal_q(wrong) is False and "count the steps" in capsys.readouterr().out


def test_capstone_q(capsys):
    right = math.log10(0.2 / 4e-6)
    assert cx.check_capstone_q(right) is True and cx.check_capstone_q(np.float32(right)) is True
    for wrong in (-right, right * 1.05, 4.0, 5.0, 0.2 / 4e-6):
        assert cx.check_capstone_q(wrong) is False
    capsys.readouterr()
    cx.check_capstone_q(...)
    assert "4.7" not in capsys.readouterr().out


def test_orthogonal_q(capsys):
    right = -19 * math.log10(0.9)
    assert cx.check_capstone_orthogonal_q(right) is True and cx.check_capstone_orthogonal_q(np.float64(right)) is True
    for wrong in (-right, 0.0, 0.9 ** 19, 19 * 0.1, math.log10(0.9), 1.0, float(int(right)), right * 0.95):
        assert cx.check_capstone_orthogonal_q(wrong) is False
    capsys.readouterr()
    cx.check_capstone_orthogonal_q(...)
    assert "0.87" not in capsys.readouterr().out


def test_layer_factor(capsys):
    right = lambda p: float(p.grad_a[0] / p.grad_a[-1]) ** (1 / (len(p.grad_a) - 1))  # noqa: E731
    assert cx.check_layer_factor(right) is True
    from vglab import deep_mlp as dm
    capsys.readouterr()
    assert cx.check_layer_factor(lambda p: 10 ** dm.log_slope(p.grad_a)[0]) is False  # §3's fitted slope
    assert "fitted" in capsys.readouterr().out
    wrongs = [lambda p: float(p.grad_a[-1] / p.grad_a[0]) ** (1 / (len(p.grad_a) - 1)),  # last / first
              lambda p: float(p.grad_a[0] / p.grad_a[-1]),  # the whole ratio
              lambda p: float(p.grad_a[0] / p.grad_a[-1]) ** (1 / len(p.grad_a)),  # L instead of L − 1
              lambda p: float(p.grad_a.min() / p.grad_a.max()) ** (1 / (len(p.grad_a) - 1)),  # order-free
              lambda p: 1 / 0, lambda p: None, lambda p: p.grad_a]
    for w in wrongs:
        assert cx.check_layer_factor(w) is False
    capsys.readouterr()
    # the L − 2 layers strictly between layer L and layer 1 (read 08r5 X2) get their own hint
    assert cx.check_layer_factor(lambda p: float(p.grad_a[0] / p.grad_a[-1]) ** (1 / (len(p.grad_a) - 2))) is False
    assert "strictly between" in capsys.readouterr().out
    capsys.readouterr()

    def placeholder(probe):
        ...
    cx.check_layer_factor(placeholder)
    assert "**" not in capsys.readouterr().out and "root" not in capsys.readouterr().out


def test_exported():
    assert set(cx.__all__) <= set(dir(exercises))
