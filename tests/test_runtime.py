"""vglab.device(), vglab.seed(), vglab.QUICK (DESIGN.md: runtime)."""
import importlib
import random

import numpy as np
import pytest
import torch

import vglab
from vglab import runtime


def test_cpu_fallback_when_no_accelerator(monkeypatch):
    monkeypatch.delenv("VGLAB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(runtime, "_available", lambda d: d.type == "cpu")
    assert vglab.device() == torch.device("cpu")


def test_cuda_preferred_when_available(monkeypatch):
    monkeypatch.delenv("VGLAB_DEVICE", raising=False)
    monkeypatch.setattr(runtime, "_available", lambda d: d.type in ("cpu", "cuda"))
    assert vglab.device() == torch.device("cuda")


def test_mps_before_cpu(monkeypatch):
    monkeypatch.delenv("VGLAB_DEVICE", raising=False)
    monkeypatch.setattr(runtime, "_available", lambda d: d.type in ("cpu", "mps"))
    assert vglab.device() == torch.device("mps")


def test_env_override(monkeypatch):
    monkeypatch.setenv("VGLAB_DEVICE", "cpu")
    monkeypatch.setattr(runtime, "_available", lambda d: True)  # even if cuda were there
    assert vglab.device() == torch.device("cpu")


def test_prefer_beats_env(monkeypatch):
    monkeypatch.setenv("VGLAB_DEVICE", "cuda")
    assert vglab.device("cpu") == torch.device("cpu")


def test_unavailable_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(runtime, "_available", lambda d: d.type == "cpu")
    monkeypatch.setenv("VGLAB_DEVICE", "cuda")
    with pytest.raises(ValueError, match="VGLAB_DEVICE='cuda' is not available.*cpu"):
        vglab.device()
    with pytest.raises(ValueError, match="prefer='mps'"):
        vglab.device("mps")


def test_nonsense_device_name(monkeypatch):
    monkeypatch.delenv("VGLAB_DEVICE", raising=False)
    with pytest.raises(ValueError, match="prefer='gpu0' is not a device"):
        vglab.device("gpu0")


def test_seed_makes_python_numpy_torch_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    vglab.seed(123)
    a = draw()
    vglab.seed(123)
    assert draw() == a
    vglab.seed(124)
    assert draw() != a


@pytest.mark.parametrize("bad,err", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)])
def test_seed_rejects_bad_input(bad, err):
    with pytest.raises(err, match="seed: n must"):
        vglab.seed(bad)


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False), (None, False)])
def test_quick_parsing(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("VGLAB_QUICK", raising=False)
    else:
        monkeypatch.setenv("VGLAB_QUICK", value)
    try:
        mod = importlib.reload(runtime)
        assert mod.QUICK is expected
        assert mod.by_mode("q", "l") == ("q" if expected else "l")
    finally:
        monkeypatch.undo()
        importlib.reload(runtime)


def test_quick_rejects_garbage(monkeypatch):
    monkeypatch.setenv("VGLAB_QUICK", "maybe")
    try:
        with pytest.raises(ValueError, match="VGLAB_QUICK='maybe'"):
            importlib.reload(runtime)
    finally:
        monkeypatch.undo()
        importlib.reload(runtime)


def test_package_exports_the_contract():
    assert callable(vglab.device) and callable(vglab.seed) and isinstance(vglab.QUICK, bool)
    assert "cpu" in vglab.describe(torch.device("cpu"))


def test_cpu_threads_restores_the_count():
    before = torch.get_num_threads()
    with runtime.cpu_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"):
        with runtime.cpu_threads(1):
            raise RuntimeError("inside")
    assert torch.get_num_threads() == before
    with runtime.cpu_threads(1, device="meta"):  # not a CPU device: left alone
        assert torch.get_num_threads() == before
