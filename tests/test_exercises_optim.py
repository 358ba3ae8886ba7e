"""Notebook 02's checkers: a right answer says Correct, a wrong one gets a hint, none raises."""
import math

import numpy as np
import torch

from vglab import exercises as ex


def _verdict(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # one line
    return out


def test_check_momentum_step(capsys):
    def right(w, v, g, lr, gamma):
        v = gamma * v + lr * g
        return w - v, v

    def wrong_order(w, v, g, lr, gamma):  # updates w with the old v
        return w - v, gamma * v + lr * g

    def torch_form(w, v, g, lr, gamma):  # torch.optim.SGD's buffer v/η: the same w, but not eq. (02.2)'s v
        v = gamma * v + g
        return w - lr * v, v

    assert ex.check_momentum_step(right) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_momentum_step(torch_form) is False
    assert "v is not eq. (02.2)'s" in _verdict(capsys)
    assert ex.check_momentum_step(wrong_order) is False
    out = _verdict(capsys)
    assert "eq. (02.2)" in out and "old v or the new one" in out
    assert "γ v + η g" not in out and "w − v" not in out  # the hint must not print the formula itself

    def untouched(w, v, g, lr, gamma):  # the committed, unanswered cell: its output must not give the answer
        return w, v

    assert ex.check_momentum_step(untouched) is False
    out = _verdict(capsys)
    assert "unchanged" in out and "γ v" not in out and "η g" not in out
    assert ex.check_momentum_step(lambda *a: 1 / 0) is False
    assert "ZeroDivisionError" in _verdict(capsys)
    assert ex.check_momentum_step(lambda *a: "nonsense") is False
    assert _verdict(capsys).startswith("Not yet")
    assert ex.check_momentum_step(None) is False
    assert _verdict(capsys).startswith("Not yet")


def test_check_adadelta_factor(capsys):
    assert ex.check_adadelta_factor(1e4) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_adadelta_factor(100) is False
    out = _verdict(capsys)  # the hint sets the derivation up but does not do it (read 02r8, X1)
    assert "Δ = 0" in out and "ε and √ε" not in out and "1e4" not in out
    assert ex.check_adadelta_factor(1e-4) is False
    assert "other way round" in _verdict(capsys)
    assert ex.check_adadelta_factor("lots") is False
    assert _verdict(capsys).startswith("Not yet")
    assert ex.check_adadelta_factor(None) is False  # the committed cell: its hint must not give the answer away
    out = _verdict(capsys)
    assert "√ε" not in out and "1e4" not in out and "10000" not in out


def test_check_clip_threshold(capsys):
    import numpy as np
    from vglab import surfaces
    from vglab.exercises.optim import NEAR, NEAR_STEPS

    assert ex.check_clip_threshold(1.0) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_clip_threshold(100.0) is False  # the committed cell's θ: its hint names the cap only
    out = _verdict(capsys)
    assert "thrown out of the window" in out and "η θ" in out
    assert "small compared" not in out and "100 steps" not in out and str(NEAR) not in out
    for short in (0.05, 0.3):  # 100 steps of η θ cannot cover the way to the foot
        assert ex.check_clip_threshold(short) is False
        assert "too few" in _verdict(capsys)
    for bouncy in (5.0, 30.0):  # stays in the window, but its capped steps bounce far across the foot
        assert ex.check_clip_threshold(bouncy) is False
        assert "bounce" in _verdict(capsys)
    # independent of the checker: with θ = 5 the run stays in the window, yet one of its last points
    # lies further than NEAR from the minimum; with θ = 1 none does
    cliff = surfaces.get("cliff")
    for theta, at_foot in ((5.0, False), (1.0, True)):
        tr = surfaces.trajectory(cliff, "SGD", steps=100, lr=0.1, clip_norm=theta)
        assert surfaces.leaves_window(cliff, tr) is None
        far = np.linalg.norm(tr.path[-NEAR_STEPS:] - np.asarray(cliff.minimum), axis=1).max()
        assert bool(far < NEAR) is at_foot
    # the docstring's and the worked answer's range "about 0.5 to 2": every tenth in it passes
    for ok_theta in (0.5, 0.8, 1.5, 2.0, 2.2):
        assert ex.check_clip_threshold(ok_theta) is True
        assert _verdict(capsys).startswith("Correct")
    for bad in (-1, float("nan"), "big", None):
        assert ex.check_clip_threshold(bad) is False
        assert _verdict(capsys).startswith("Not yet")


def test_check_clip_threshold_prints_a_near_miss_unrounded(capsys):
    """02r16 X1: θ = 2.3 misses the foot by a hair (its last points reach 0.2020); the reply must not
    print that as "0.20", which reads as within the stated 0.2."""
    import re

    from vglab import surfaces
    from vglab.exercises.optim import NEAR, NEAR_STEPS, _distance

    cliff = surfaces.get("cliff")
    tr = surfaces.trajectory(cliff, "SGD", steps=100, lr=0.1, clip_norm=2.3)
    far = float(np.linalg.norm(tr.path[-NEAR_STEPS:] - np.asarray(cliff.minimum), axis=1).max())
    assert NEAR < far < NEAR + 5e-3  # a near miss: the case the finding is about
    assert ex.check_clip_threshold(2.3) is False
    out = _verdict(capsys)
    shown = float(re.search(r"reach ([0-9.]+) from", out).group(1))
    assert shown > NEAR and f"{far:.3f}" in out and "less than 0.2" in out
    assert ex.check_clip_threshold(2.2) is True  # a pass prints its distance below NEAR too
    shown = float(re.search(r"within ([0-9.]+) of", _verdict(capsys)).group(1))
    assert shown < NEAR
    for x in (0.19996, 0.20004, 0.2000001):  # digits are added until the distance differs from NEAR
        assert float(_distance(x)) != NEAR and (float(_distance(x)) > NEAR) is (x > NEAR)


def test_check_best_lr(capsys):
    assert ex.check_best_lr(0.2, 0.6) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_best_lr(0.25, 0.6) is False  # the stability limit 2/λ_max
    assert "stability limit" in _verdict(capsys)
    assert ex.check_best_lr(0.2, 0.5) is False
    assert "your η is right" in _verdict(capsys)
    assert ex.check_best_lr(0.19, 0.6) is False
    assert _verdict(capsys).startswith("Not yet")
    for junk in [("0.2", "0.6"), ((0.2, 0.6), None), (True, 0.6), (float("nan"), 0.6), (10**400, 0.6),
                 (float("inf"), 0.6), (None, None)]:
        assert ex.check_best_lr(*junk) is False
        assert _verdict(capsys).startswith("Not yet")
    assert ex.check_best_lr(np.float32(0.2), torch.tensor(0.6)) is True
    _verdict(capsys)
    assert ex.check_best_lr(..., ...) is False  # the committed, unanswered cell: no answer in its hint
    out = _verdict(capsys)
    assert "0.2" not in out and "0.6" not in out and "2/(" not in out and "κ" not in out


def test_check_momentum_limit(capsys):
    assert ex.check_momentum_limit(0.375) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_momentum_limit(0.25) is False
    assert "plain gradient descent's limit" in _verdict(capsys)
    assert ex.check_momentum_limit(0.125) is False
    assert "sign" in _verdict(capsys)
    assert ex.check_momentum_limit(0.4) is False
    assert _verdict(capsys).startswith("Not yet")
    for junk in ["0.375", (0.375,), [0.375, 1], None, True, float("nan"), -math.inf, 10**400, torch.ones(2)]:
        assert ex.check_momentum_limit(junk) is False
        assert _verdict(capsys).startswith("Not yet")
    assert ex.check_momentum_limit(...) is False
    out = _verdict(capsys)
    assert "0.375" not in out and "2(1 + γ)" not in out and "1.5" not in out


def test_check_torch_momentum_step(capsys):
    def right(w, b, g, lr, gamma):  # torch.optim.SGD's buffer b = v/η
        b = gamma * b + g
        return w - lr * b, b

    def lecture_form(w, v, g, lr, gamma):  # eq. (02.2)'s v: the same w, but η inside the buffer
        v = gamma * v + lr * g
        return w - v, v

    def old_b(w, b, g, lr, gamma):  # moves w by the old buffer
        return w - lr * b, gamma * b + g

    def untouched(w, b, g, lr, gamma):  # the committed, unanswered cell
        return w, b

    assert ex.check_torch_momentum_step(right) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_torch_momentum_step(lecture_form) is False
    assert "not torch's buffer" in _verdict(capsys)
    assert ex.check_torch_momentum_step(old_b) is False
    assert _verdict(capsys).startswith("Not yet")
    assert ex.check_torch_momentum_step(untouched) is False
    first = _verdict(capsys)
    assert "γ b + g" not in first and "gamma * b + g" not in first and "w − η b" not in first
    for bad in (None, ..., "b := γb + g", 3, lambda *a: 1 / 0, lambda *a: (1.0,), lambda *a: ("w", "b")):
        assert ex.check_torch_momentum_step(bad) is False
        assert _verdict(capsys).startswith("Not yet")


def test_positive_number():
    assert ex.positive_number(0.375) == 0.375
    assert ex.positive_number(np.float32(0.5)) == 0.5
    assert ex.positive_number(torch.tensor(2.0)) == 2.0
    assert ex.positive_number(3, at_most=1e6) == 3.0
    for bad in (None, ..., "0.375", b"1", True, 0, -1.0, float("nan"), math.inf, 10**400, (0.3, 0.4), [1.0], 1j):
        assert ex.positive_number(bad) is None, bad
    assert ex.positive_number(1e7, at_most=1e6) is None
    assert ex.positive_number(1.0, at_most="1e6") is None  # a bad bound refuses, never raises
