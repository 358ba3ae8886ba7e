"""Checkers of notebook 05: right and wrong answers, never raise (capsys)."""
import math

import pytest

from vglab import exercises as ex

CASES = [
    (ex.check_std_for_variance, 0.03, 0.0009),  # std = √variance (0.1 is the paper's 0.01)
    (ex.check_circle_radius, 2.0, math.sqrt(2)),  # K = 200 (√2 is K = 100's radius)
    (ex.check_q_kind, "Vanishing", "exploding"),
    (ex.check_q_from_norms, 14.0, -14.0),
    (ex.check_variance_for_radius, 0.81 / 256, 1 / 256),  # radius 0.9 at K = 256 (1/256 is radius 1)
    (ex.check_q_from_gain, -100 * math.log10(0.8), -100 * math.log10(0.64)),  # c = gain, not gain²
    (ex.check_pascanu_variance, 0.0625, 1 / 256),  # sigmoid γ = 1/4, K = 64 (1/256 is tanh's limit)
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
    (ex.check_variance_for_radius, 0.0032, 0.9 / 16),  # 0.81/256 rounded passes; the std 0.05625 fails
    (ex.check_variance_for_radius, 0.00316, 0.9 / 256),  # radius², not radius, over K
    (ex.check_variance_for_radius, 0.003, 1 / 256),  # one significant figure passes; radius 1 fails
    (ex.check_q_from_gain, 9.7, -9.7),  # the sign: the gradient vanishes, Q > 0
    (ex.check_q_from_gain, 10, 4.8),  # a whole-number rounding passes; half of it fails
    (ex.check_pascanu_variance, 0.0625, 0.25),  # the std 0.25 is not the variance (nor is 0.25 = std² without the 2)
    (ex.check_pascanu_variance, 0.06, 0.04),  # one significant figure passes; K = 100's answer (§3's std 0.2 row) fails
    (ex.check_pascanu_variance, 0.0625, 1 / 16 * 1.06),  # σ_max ≈ 2·std·√K is an estimate: no finite-K correction
    (ex.check_pascanu_variance, 1 / 16 * (1 + 1e-12), 0.063),  # one-sided: float rounding passes, above 1/16 fails
    (ex.check_pascanu_variance, 0.0594, 0.065),  # just under 5 % below passes; 0.065 lies above the limit
    (ex.check_pascanu_variance, 0.06, 0.059),  # more than 5 % below the limit fails
])
def test_checker_takes_natural_roundings(check, rounded, wrong, capsys):
    assert check(rounded) is True
    assert capsys.readouterr().out.startswith("Correct:")
    assert check(wrong) is False
    assert capsys.readouterr().out.startswith("Not yet:")


def test_pascanu_variance_rounded_up_is_told_to_round_down(capsys):
    """0.063 is 1/16 rounded up: the condition is strict, so it fails, and the hint says to give the exact
    limit or round down (as the question does); a value well above the limit does not get that hint."""
    assert ex.check_pascanu_variance(0.063) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and "round it down" in out and "0.0625" not in out
    assert ex.check_pascanu_variance(0.065) is False
    assert "round it down" not in capsys.readouterr().out
    assert ex.check_pascanu_variance(0.062) is True  # rounded down passes
    assert capsys.readouterr().out.startswith("Correct:")


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
    (ex.check_q_from_gain, "std·√K"),
    (ex.check_pascanu_variance, "2·std·√K"),
    (ex.check_q_from_norms, "log10(‖δ(k)‖)"),
])
def test_unanswered_cell_gets_a_nudge_not_the_method(check, method, capsys):
    """The committed exercise cell (answer None) prints its hint; it must not give the method away,
    which a wrong answer still gets."""
    assert not check(None)
    assert method not in capsys.readouterr().out
    assert not check(123.0)
    assert method in capsys.readouterr().out


ANSWERS = [(ex.check_std_for_variance, ("0.03", "3e-2")), (ex.check_circle_radius, ("2", "2.0")),
           (ex.check_q_from_norms, ("14",)), (ex.check_q_kind, ("vanishing",)),
           (ex.check_variance_for_radius, ("0.0032", "0.00316", "0.81/256")),
           (ex.check_q_from_gain, ("9.7", "10", "9.69")), (ex.check_pascanu_variance, ("0.0625", "1/16", "0.06"))]


@pytest.mark.parametrize("check, words", ANSWERS)
def test_first_hint_does_not_contain_the_answer(check, words, capsys):
    """The unanswered cell (answer ...) prints the first hint: no number, word or formula that is the answer."""
    assert check(...) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    for w in words:
        assert w not in out.replace("(replace ... with your number)", ""), (w, out)


@pytest.mark.parametrize("check", [c for c, _, _ in CASES])
@pytest.mark.parametrize("junk", [float("inf"), -float("inf"), 10**400, (0.04, 0.04), "0.04, 0.04", b"x",
                                  object(), ..., True])
def test_checker_never_raises_on_hostile_input(check, junk, capsys):
    assert check(junk) is False
    assert capsys.readouterr().out.startswith("Not yet:")


@pytest.mark.parametrize("check, corrected, right", [
    (ex.check_circle_radius, 2.0 * 1.06, 2.0),  # ρ/r ≈ 1.06 at finite K (section 2): not the law's limit
    (ex.check_variance_for_radius, (0.9 / 1.05) ** 2 / 256, 0.81 / 256),
])
def test_finite_k_correction_is_rejected_with_a_hint_naming_the_limit(check, corrected, right, capsys):
    """A learner who adds §2's finite-K excess is told to give the law's limit value (tolerance kept)."""
    assert not check(corrected)
    out = capsys.readouterr().out
    assert "limit value" in out and "excess over it" in out
    assert check(right)
    capsys.readouterr()
    check(...)  # the unanswered cell's nudge does not carry the longer hint
    assert "excess" not in capsys.readouterr().out
