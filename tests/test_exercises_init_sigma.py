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


def test_q_kind_hint_does_not_state_the_answer(capsys):
    assert not ex.check_q_kind("exploding")
    out = capsys.readouterr().out
    assert "Not yet" in out and "tiny" not in out and "vanishing" not in out.split("[")[-1].split("]")[-1]


def test_circle_radius_success_names_the_spectral_radius_not_all_eigenvalues(capsys):
    assert ex.check_circle_radius(2.0)
    out = capsys.readouterr().out
    assert "spectral radius" in out and "eigenvalues far outside" not in out


@pytest.mark.parametrize("check, method", [
    (ex.check_std_for_variance, "square root"),
    (ex.check_circle_radius, "std·√K"),
    (ex.check_variance_for_radius, "std·√K"),
])
def test_unanswered_cell_gets_a_nudge_not_the_method(check, method, capsys):
    """The committed exercise cell (answer None) prints its hint; it must not give the method away,
    which a wrong answer still gets."""
    assert not check(None)
    assert method not in capsys.readouterr().out
    assert not check(123.0)
    assert method in capsys.readouterr().out
