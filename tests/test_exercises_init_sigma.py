"""Checkers of notebook 05: right and wrong answers, never raise (capsys)."""
import math

import pytest

from vglab import exercises as ex

CASES = [
    (ex.check_std_for_variance, 0.1, 0.01),
    (ex.check_circle_radius, 2.0, math.sqrt(2)),  # K = 200 (√2 is K = 100's radius)
    (ex.check_q_kind, "Vanishing", "exploding"),
    (ex.check_q_from_norms, 14.0, -14.0),
    (ex.check_variance_for_radius, 1 / 256, 0.01),
]


@pytest.mark.parametrize("check, right, wrong", CASES)
def test_checker_right_and_wrong(check, right, wrong, capsys):
    assert check(right) is True
    assert capsys.readouterr().out.startswith("Correct:")
    assert check(wrong) is False
    assert capsys.readouterr().out.startswith("Not yet:")


@pytest.mark.parametrize("check", [c for c, _, _ in CASES])
@pytest.mark.parametrize("junk", [None, "abc", [1, 2], float("nan")])
def test_checker_never_raises(check, junk, capsys):
    assert check(junk) is False
    assert capsys.readouterr().out.startswith("Not yet:")


@pytest.mark.parametrize("check, rounded, wrong", [
    (ex.check_circle_radius, 1.98, 0.02 * 200),  # a rounding of 2 passes; std²·K (no root) fails
    (ex.check_variance_for_radius, 0.004, 1 / 16),  # 1/256 rounded to 0.004 passes; the std 1/16 fails
    (ex.check_variance_for_radius, 0.0039, 1 / 250 * 1.1),
])
def test_checker_takes_natural_roundings(check, rounded, wrong, capsys):
    assert check(rounded) is True
    assert capsys.readouterr().out.startswith("Correct:")
    assert check(wrong) is False
    assert capsys.readouterr().out.startswith("Not yet:")
