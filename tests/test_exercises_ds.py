"""Notebook 07's checkers: right, wrong and nonsense answers (they print, never raise); the committed
placeholder (``...``) prints the format only."""
import numpy as np
import torch

from vglab import ds_sampling, exercises

JUNK = ["skip ", "0.5", "(0.6, -0.8)", float("nan"), float("inf"), 10 ** 400, True, {}, object(), None, ...]

def test_accept_decision(capsys):
    assert exercises.check_accept_decision("skip") is True
    assert exercises.check_accept_decision(" Skip ") is True
    # the rule itself agrees (the independent reference: vglab.ds_sampling.accept)
    assert ds_sampling.accept(2.0, -0.3) is False
    assert exercises.check_accept_decision("apply") is False
    assert exercises.check_accept_decision(("skip",)) is False
    assert exercises.check_accept_decision(3) is False
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 3

def test_accept_share_against_the_rule(capsys):
    """The accepted shares are those of vglab.ds_sampling.accept on a fine grid of dS values."""
    dss = np.linspace(-0.5, 1.5, 200_001)
    corrected = ds_sampling.accept(np.full_like(dss, 3.0), dss).mean()
    printed = ds_sampling.accept(np.full_like(dss, 3.0), dss, rule="as_printed").mean()
    assert abs(corrected - 0.5) < 1e-3 and abs(printed - 0.25) < 1e-3
    assert exercises.check_accept_share(0.5, 0.25) and exercises.check_accept_share(np.float64(0.5), 1 / 4)
    assert "Correct" in capsys.readouterr().out
    for c, p, word in ((0.25, 0.5, "other way round"), (50, 25, "fraction"), (0.75, 0.25, "corrected rule"),
                       (0.5, 0.5, "printed rule"), ("0.5", 0.25, "two numbers"), ((0.5, 0.25), None, "replace")):
        assert exercises.check_accept_share(c, p) is False
        assert word in capsys.readouterr().out, word
    for junk in JUNK:
        assert exercises.check_accept_share(junk, 0.25) is False and exercises.check_accept_share(0.5, junk) is False
    assert "Correct" not in capsys.readouterr().out

def test_factor_two(capsys):
    assert exercises.check_factor_two(1.2, "skip") is True
    out = capsys.readouterr().out
    assert "without the 2 it would pass that test and be applied" in out
    assert ds_sampling.accept(0.4, 1.2) is False and ds_sampling.accept(0.4, 0.6) is True  # the rule agrees
    assert exercises.check_factor_two(1.2, "apply") is False
    assert "which test comes first" in capsys.readouterr().out
    assert exercises.check_factor_two(0.6, "skip") is False
    assert exercises.check_factor_two("1.2", "skip") is False
    assert exercises.check_factor_two(1.2) is False  # the decision is part of the answer
    assert exercises.check_factor_two(1.2, 1) is False
    assert capsys.readouterr().out.count("Not yet") == 4

def test_clipped(capsys):
    p = torch.zeros(2, requires_grad=True)
    p.grad = torch.tensor([6.0, -8.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # the independent reference: torch's own clipping
    ref = p.grad.tolist()
    assert exercises.check_clipped(ref) and exercises.check_clipped((0.6, -0.8))
    assert exercises.check_clipped(np.array([0.6, -0.8])) and exercises.check_clipped(torch.tensor([0.6, -0.8]))
    assert capsys.readouterr().out.count("Correct") == 4
    for wrong, word in (((6, -8), "above θ"), ((1, -1), "each component"), ((0.06, -0.08), "compute ‖∇E‖"),
                        ("(0.6, -0.8)", "two components"), ("0.6-0.8", "two components"), ((0.6,), "two components"),
                        ((0.6, -0.8, 0.0), "two components"), (("0.6", "-0.8"), "two components"),
                        ((float("nan"), -0.8), "two components"), (..., "replace"), (0.6, "two components")):
        assert exercises.check_clipped(wrong) is False
        assert word in capsys.readouterr().out, word

def test_placeholders_print_the_format_only(capsys):
    """Rule 7(b): the unanswered cells' replies hold neither the answer nor its working."""
    assert exercises.check_accept_decision(...) is False
    assert exercises.check_accept_share(..., ...) is False
    assert exercises.check_factor_two(..., ...) is False
    assert exercises.check_clipped(...) is False
    assert exercises.check_ds_2x2(...) is False

    def unanswered(W, dW, D1, D2, delta):
        ...  # the committed exercise cell's body
    assert exercises.check_ds_2x2(unanswered) is False
    out = capsys.readouterr().out
    assert "W appears twice" not in out and "dG" not in out  # the format, not the hint
    for banned in ("skip", "apply", "0.5", "1/2", "1/4", "0.25", "1.2", "0.6", "0.8", "factor", "@"):
        assert banned not in out, banned
    assert out.count("Not yet") == 6

def test_ds_2x2(capsys):
    def right(W, dW, D1, D2, delta):
        G = D1 @ W @ D2 @ W @ delta
        return 2 * G @ (D1 @ dW @ D2 @ W @ delta + D1 @ W @ D2 @ dW @ delta)

    def by_autograd(W, dW, D1, D2, delta):  # an independent reference: d/dt ‖G(W + t dW)‖² at t = 0
        t = torch.zeros((), dtype=torch.float64, requires_grad=True)
        Wt = W + t * dW
        S = (D1 @ Wt @ D2 @ Wt @ delta).pow(2).sum()
        return torch.autograd.grad(S, t)[0]

    def no_two(W, dW, D1, D2, delta):
        return right(W, dW, D1, D2, delta) / 2

    def one_term(W, dW, D1, D2, delta):
        G = D1 @ W @ D2 @ W @ delta
        return 2 * G @ (D1 @ dW @ D2 @ W @ delta)

    def broken(*_):
        raise RuntimeError("oops")

    assert exercises.check_ds_2x2(right) is True
    assert exercises.check_ds_2x2(by_autograd) is True
    assert exercises.check_ds_2x2(no_two) is False
    assert "factor 2" in capsys.readouterr().out
    assert exercises.check_ds_2x2(one_term) is False
    assert exercises.check_ds_2x2(broken) is False
    assert exercises.check_ds_2x2(lambda *a: torch.ones(3)) is False
    assert exercises.check_ds_2x2(lambda *a: float("nan")) is False
    assert exercises.check_ds_2x2(lambda *a: 10 ** 400) is False
    assert exercises.check_ds_2x2(None) is False
    assert capsys.readouterr().out.count("Not yet") == 6


def test_ds_2x2_accepts_float32_and_a_finite_difference(capsys):
    def in_float32(W, dW, D1, D2, delta):  # the right formula, in single precision
        W, dW, D1, D2, delta = (a.float() for a in (W, dW, D1, D2, delta))
        G = D1 @ W @ D2 @ W @ delta
        return 2 * G @ (D1 @ dW @ D2 @ W @ delta + D1 @ W @ D2 @ dW @ delta)

    def central_difference(W, dW, D1, D2, delta, eps=1e-4):  # independent: (S(W + ε dW) − S(W − ε dW)) / 2ε
        S = lambda M: float((D1 @ M @ D2 @ M @ delta).pow(2).sum())
        return (S(W + eps * dW) - S(W - eps * dW)) / (2 * eps)

    assert exercises.check_ds_2x2(in_float32) is True
    assert exercises.check_ds_2x2(central_difference) is True
    assert exercises.check_ds_2x2(lambda *a: 1.01 * central_difference(*a)) is False  # 1 % off is wrong
    assert capsys.readouterr().out.count("Correct") == 2

def test_ds_2x2_rejects_a_memorised_number_and_hints_without_the_formula(capsys):
    from vglab.exercises.ds import _case_2x2
    _, first = _case_2x2(7)
    assert exercises.check_ds_2x2(lambda *a: first) is False
    assert exercises.check_ds_2x2(lambda *a: None) is False
    out = capsys.readouterr().out
    assert "@" not in out and "D1 @ W" not in out
