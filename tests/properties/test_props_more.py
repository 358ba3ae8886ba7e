"""Notebooks 06-08 (beta_penalty, beta_stack, autoencoder, ds_tables, capstone, capstone.report), the
package's top-level shortcuts, the rest of surfaces, and the CLIs' argument parsing (table1, capstone)
under the hostile-input contract (hostile.py). Saved results come from the repository's results/
(read only)."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import torch
from hostile import Case, built_once, hostile_test, own_seed
from hypothesis import given, settings, strategies as st

import vglab
from vglab import autoencoder as ae, beta_penalty as bp, beta_stack as bs, capstone, ds_tables, results, runfiles
from vglab import surfaces
from vglab.capstone import report
from vglab.experiments import capstone as cli_capstone, table1 as cli_table1

REPO_RESULTS = Path(__file__).resolve().parents[2] / "results"
G = lambda s=0: torch.Generator().manual_seed(s)  # noqa: E731


def _saved(name):
    return results.load(name, REPO_RESULTS)


def _z(n=40, d=3):
    return torch.rand(n, d, generator=G(0), dtype=torch.float64) * 0.98 + 0.01


@built_once
def _digits():
    from vglab.data import digits
    return digits(n=60, seed=0)


_AE = []


def _aerun():
    if not _AE:
        _AE.append(ae.train_autoencoder(ae.AEConfig(d=2, hidden=8, steps=3, batch=16, record_every=1),
                                        data=_digits(), progress_bar=False))
    return _AE[0]


def _mlp_rows():
    return _saved("capstone_mlp")["data"]["rows"]


def _tiny_mlp():
    from vglab.deep_mlp import build_mlp
    return build_mlp(2, 8, "sigmoid", seed=0)


@built_once
def _tr():
    return surfaces.trajectory("quadratic", "SGD", steps=5)


CASES = [
    # ---- top-level shortcuts (vglab.__init__) ----
    Case("vglab.by_mode", vglab.by_mode, lambda: {"quick": 1, "learner": 2}, finite=False),
    Case("vglab.describe", vglab.describe, lambda: {"dev": torch.device("cpu")}),
    Case("vglab.device", vglab.device, lambda: {"prefer": "cpu"}),
    Case("vglab.seed", vglab.seed, lambda: {"n": 3}),
    Case("vglab.runfiles.RunFileError", runfiles.RunFileError, lambda: {}, probe=()),
    # ---- surfaces, the rest ----
    Case("vglab.surfaces.Surface", lambda name: surfaces.get(name), lambda: {"name": "cliff"}),
    Case("vglab.surfaces.Trajectory", surfaces.Trajectory,
         lambda: {k: getattr(_tr(), k) for k in ("name", "path", "loss", "grad_norm", "clipped_norm")}, finite=False),
    Case("vglab.surfaces.DivergenceError", surfaces.DivergenceError, lambda: {}, probe=()),
    Case("vglab.surfaces.leaves_window", surfaces.leaves_window, lambda: {"surface": "quadratic", "tr": _tr()},
         finite=False),
    Case("vglab.surfaces.exit_edge", surfaces.exit_edge, lambda: {"surface": "quadratic", "tr": _tr()}, finite=False),
    Case("vglab.surfaces.path_gradients", surfaces.path_gradients, lambda: {"surface": "quadratic", "tr": _tr()}),
    # ---- beta_penalty (06) ----
    Case("vglab.beta_penalty.beta_penalty", bp.beta_penalty, lambda: {"z": _z(), "eps": 1e-6}),
    Case("vglab.beta_penalty.beta_penalty_from_logits", bp.beta_penalty_from_logits,
         lambda: {"a": torch.randn(20, 3, generator=G(0))}),
    Case("vglab.beta_penalty.fit_beta", bp.fit_beta, lambda: {"z": _z(), "eps": 1e-6}),
    Case("vglab.beta_penalty.fit_beta_log_moments", bp.fit_beta_log_moments,
         lambda: {"s1": torch.tensor([-1.0]), "s2": torch.tensor([-1.0]), "max_iter": 20, "tol": 1e-8,
                  "max_param": 1e3}),
    Case("vglab.beta_penalty.kl_to_uniform", bp.kl_to_uniform, lambda: {"alpha": torch.ones(2), "beta": 2.0}),
    Case("vglab.beta_penalty.ks_to_uniform", bp.ks_to_uniform, lambda: {"z": _z()}),
    Case("vglab.beta_penalty.fraction_saturated", bp.fraction_saturated, lambda: {"z": _z(), "tol": 0.01}),
    Case("vglab.beta_penalty.unit_correlation", bp.unit_correlation, lambda: {"z": _z()}),
    Case("vglab.beta_penalty.mean_abs_correlation", bp.mean_abs_correlation, lambda: {"z": _z()}),
    Case("vglab.beta_penalty.counterexample", bp.counterexample, lambda: {"n": 90, "low": 1e-3}),
    Case("vglab.beta_penalty.log_moments", bp.log_moments, lambda: {"z": _z(), "eps": 1e-6}),
    Case("vglab.beta_penalty.l2_preactivation", bp.l2_preactivation, lambda: {"a": torch.randn(8, 3, generator=G(0))}),
    Case("vglab.beta_penalty.l2_preactivation_batched", bp.l2_preactivation_batched,
         lambda: {"a": torch.randn(2, 8, 3, generator=G(0))}),
    Case("vglab.beta_penalty.sharded_gradient_gap", bp.sharded_gradient_gap,
         lambda: {"a": torch.randn(8, 3, generator=G(0)), "n_shards": 2}),
    # ---- beta_stack (06) ----
    Case("vglab.beta_stack.SigmoidStack", bs.SigmoidStack,
         lambda: {"depth": 2, "width": 4, "n_in": 64, "n_out": 10, "init_std": 1.0}),
    Case("vglab.beta_stack.SigmoidStacks", bs.SigmoidStacks,
         lambda: {"nets": [bs.SigmoidStack(2, 4), bs.SigmoidStack(2, 4)]}),
    Case("vglab.beta_stack.StackConfig", bs.StackConfig,
         lambda: {"depth": 2, "width": 4, "lam": 0.01, "init_std": 1.0, "steps": 2, "batch": 8, "lr": 0.1,
                  "seeds": (0,), "arms": ("plain", "omega"), "record_every": 1}),
    Case("vglab.beta_stack.train_stacks", bs.train_stacks,
         lambda: {"config": bs.StackConfig(depth=2, width=4, steps=2, batch=8, seeds=(0,), record_every=1),
                  "data": _digits(), "device": "cpu", "progress_bar": False}, finite=False, examples=4),
    Case("vglab.beta_stack.stack_factors", bs.stack_factors,
         lambda: {"config": bs.StackConfig(depth=2, width=4, steps=2, batch=8, seeds=(0,), record_every=1),
                  "data": _digits()}, finite=False, examples=4),
    # ---- autoencoder (06) ----
    Case("vglab.autoencoder.SigmoidAutoencoder", ae.SigmoidAutoencoder, lambda: {"d": 2, "n_in": 64, "hidden": 8}),
    Case("vglab.autoencoder.AEConfig", ae.AEConfig,
         lambda: {"d": 2, "lam": 0.0, "hidden": 8, "steps": 3, "batch": 16, "lr": 0.01, "seed": 0,
                  "record_every": 1, "enc_scale": 1.0}),
    Case("vglab.autoencoder.AERun", lambda: _aerun(), lambda: {}, probe=(), finite=False),
    Case("vglab.autoencoder.reconstruction_nll", ae.reconstruction_nll,
         lambda: {"logits": torch.randn(4, 64, generator=G(0)), "x": torch.rand(4, 64, generator=G(1))}),
    Case("vglab.autoencoder.layer_stats", ae.layer_stats, lambda: {"z": _z()}, finite=False),
    Case("vglab.autoencoder.train_autoencoder", ae.train_autoencoder,
         lambda: {"config": ae.AEConfig(d=2, hidden=8, steps=2, batch=16, record_every=1), "data": _digits(),
                  "device": "cpu", "progress_bar": False}, finite=False, examples=4),
    Case("vglab.autoencoder.train_grid", ae.train_grid,
         lambda: {"lams": [0.0], "ds": [2], "base": ae.AEConfig(hidden=8, steps=2, batch=16, record_every=1),
                  "data": _digits(), "progress_bar": False}, finite=False, examples=3),
    Case("vglab.autoencoder.decode", ae.decode, lambda: {"model": ae.SigmoidAutoencoder(2, 64, 8), "z": _z(4, 2)}),
    Case("vglab.autoencoder.sample_uniform", ae.sample_uniform,
         lambda: {"model": ae.SigmoidAutoencoder(2, 64, 8), "n": 4, "seed": 0}),
    Case("vglab.autoencoder.decode_grid", ae.decode_grid,
         lambda: {"model": ae.SigmoidAutoencoder(2, 64, 8), "n": 3, "margin": 0.02}),
    Case("vglab.autoencoder.count_distinct", ae.count_distinct, lambda: {"images": _z(6, 64), "decimals": 3}),
    Case("vglab.autoencoder.nearest_distance", ae.nearest_distance,
         lambda: {"images": _z(3, 64), "reference": _z(5, 64)}),
    Case("vglab.autoencoder.nearest_labels", ae.nearest_labels,
         lambda: {"images": _z(3, 64), "reference": _z(5, 64), "labels": torch.arange(5)}),
    Case("vglab.autoencoder.effective_classes", ae.effective_classes,
         lambda: {"labels": torch.tensor([0, 1, 1, 2]), "n_classes": 10}),
    Case("vglab.autoencoder.mean_pairwise_distance", ae.mean_pairwise_distance, lambda: {"images": _z(4, 64)}),
    Case("vglab.autoencoder.generation_report", ae.generation_report,
         lambda: {"run": _aerun(), "data": _digits(), "n": 8, "seed": 0}, finite=False),
    Case("vglab.autoencoder.summarize_grid", ae.summarize_grid,
         lambda: {"runs": {(0.0, 2): _aerun()}, "n_samples": 4, "seed": 0}, finite=False),
    # ---- ds_tables (07) ----
    Case("vglab.ds_tables.summarise", ds_tables.summarise,
         lambda: {"r": __import__("test_props_frozen")._run()}, finite=False),
    Case("vglab.ds_tables.table", ds_tables.table,
         lambda: {"args": cli_table1.parse(["--tasks", "temporal_order", "--methods", "ds", "--T", "10"]),
                  "done": {"temporal_order/ds": ds_tables.summarise(__import__("test_props_frozen")._run())}},
         finite=False),
    Case("vglab.ds_tables.epoch_trace", ds_tables.epoch_trace, lambda: {"summ": _epoch_summ()}, finite=False),
    Case("vglab.ds_tables.summarise_epochs", ds_tables.summarise_epochs, lambda: _epochs_args(), finite=False),
    Case("vglab.ds_tables.long_run", ds_tables.long_run,
         lambda: {"name": "table1_T100_temporal_order", "directory": REPO_RESULTS}, finite=False,
         also=(FileNotFoundError, runfiles.RunFileError)),
    Case("vglab.ds_tables.long_run_state", ds_tables.long_run_state,
         lambda: {"view": ds_tables.long_run("table1_T100_temporal_order", REPO_RESULTS)}, finite=False),
    Case("vglab.ds_tables.constant_closed_form", ds_tables.constant_closed_form,
         lambda: {"task": "addition", "criterion": "lstm"}),
    Case("vglab.ds_tables.paper_row", ds_tables.paper_row, lambda: {"reading": "ds"}),
    Case("vglab.ds_tables.size_text", ds_tables.size_text, lambda: {"run": _saved("table1_reduced")}),
    Case("vglab.ds_tables.comparison", ds_tables.comparison, lambda: {"run": _saved("table1_reduced"), "n_const": 200},
         finite=False, examples=4),
    Case("vglab.ds_tables.markdown", ds_tables.markdown,
         lambda: {"rows": ds_tables.comparison(_saved("table1_reduced"), n_const=200)}),
    Case("vglab.ds_tables.paper_tables", ds_tables.paper_tables, lambda: {}),
    # ---- capstone (08) ----
    Case("vglab.capstone.train_mlp", capstone.train_mlp,
         lambda: {"model": _tiny_mlp(), "data": _digits(), "steps": 2, "lr": 0.01, "momentum": 0.9, "batch_size": 8,
                  "lam": 0.0, "seed": 0, "device": "cpu", "progress_bar": False}, finite=False, examples=4,
         long={"steps": 200}),  # more steps: a valid but long training run, not made
    Case("vglab.capstone.mlp_measures", capstone.mlp_measures,
         lambda: {"model": _tiny_mlp(), "x": _digits().x_test, "y": _digits().y_test}, finite=False),
    Case("vglab.capstone.run_mlp", capstone.run_mlp,
         lambda: {"remedies": ["plain (sigmoid)"], "depth": 2, "width": 4, "steps": 2, "seeds": (0,),
                  "data": _digits(), "progress_bar": False},
         probe=("remedies", "depth", "width", "steps", "lr", "seeds", "device"), finite=False, examples=3,
         long={"steps": 200}),  # more steps: a valid but long training run, not made
    Case("vglab.capstone.srn_measures", capstone.srn_measures, lambda: _srn_measures_args(), finite=False),
    Case("vglab.capstone.run_srn", capstone.run_srn,
         lambda: {"remedies": ["plain SGD"], "T": 10, "n_networks": 2, "updates": 2, "adam_steps": 2, "n_train": 20,
                  "n_val": 10, "n_test": 10, "n_probe": 4, "cost_repeats": 1, "progress_bar": False},
         probe=("remedies", "T", "n_networks", "updates", "n_train", "cost_repeats", "device"), finite=False,
         examples=2, long={"updates": 200, "cost_repeats": 50}),
    Case("vglab.capstone.paper_update_seconds", capstone.paper_update_seconds, lambda: _update_seconds_args(),
         probe=("method", "repeats", "device"), finite=False, examples=3, long={"repeats": 200}),
    # ---- capstone.report (08) ----
    Case("vglab.capstone.report.add_verdicts", report.add_verdicts, lambda: {"rows": _mlp_rows(), "margin": 0.05},
         finite=False),
    Case("vglab.capstone.report.helped", report.helped, lambda: {"row": report.add_verdicts(_mlp_rows())[1]}),
    Case("vglab.capstone.report.healthy_flow", report.healthy_flow, lambda: {"row": _mlp_rows()[1], "key": "flow"}),
    Case("vglab.capstone.report.format_table", report.format_table,
         lambda: {"rows": report.add_verdicts(_mlp_rows()), "markdown": True}),
    Case("vglab.capstone.report.rules_of_thumb", report.rules_of_thumb,
         lambda: {"rows": report.add_verdicts(_mlp_rows()), "saved": None}),
    Case("vglab.capstone.report.long_run_summary", report.long_run_summary,
         lambda: {"view": ds_tables.long_run("table1_T100_temporal_order", REPO_RESULTS),
                  "paper": ds_tables.PAPER_T100}),
    # ---- the shared checks plots and widgets use ----
    Case("vglab.results.rows", results.rows,
         lambda: {"name": "v", "v": _mlp_rows(), "keys": ("remedy",), "what": "capstone rows"}, probe=("v",)),
    Case("vglab.widgets.panel.Panel", lambda **kw: _panel(**kw),
         lambda: {"controls": {}, "draw": lambda fig, axes, **kw: axes[0].plot([0, 1]), "nrows": 1, "ncols": 1,
                  "dpi": 40}, probe=("controls", "draw", "nrows", "ncols", "dpi"), examples=4),
    # ---- the CLIs: parsing and checking only (a hostile value goes through parse -> check) ----
    Case("vglab.experiments.table1.parse", cli_table1.parse, lambda: {"argv": ["--T", "10", "--updates", "2"]},
         also=(SystemExit,)),
    Case("vglab.experiments.capstone.parse", cli_capstone.parse, lambda: {"argv": ["--T", "10", "--updates", "2"]},
         also=(SystemExit,)),
    Case("vglab.experiments.table1.check", cli_table1.check, lambda: {"a": cli_table1.parse([])}),
    Case("vglab.experiments.capstone.check", cli_capstone.check, lambda: {"a": cli_capstone.parse([])}),
    Case("vglab.experiments.table1.paper_size", cli_table1.paper_size, lambda: {"args": cli_table1.parse([])}),
    Case("vglab.experiments.table1.use_fast", cli_table1.use_fast,
         lambda: {"args": cli_table1.parse([]), "dev": torch.device("cpu")}),
]


def _panel(**kw):
    import matplotlib
    matplotlib.use("Agg")
    from vglab.widgets.panel import Panel
    return Panel(**kw)


def _epoch_summ():
    from test_props_frozen import _data, _multi
    from vglab import engine, ds_train
    eng = engine.Engine({"temporal_order": (_multi(), _data())}, ("ds",), ds_train.Config(epoch=2, batch_size=4),
                        records="epoch", dtype=torch.float32, test_at=engine.every(4, 0.5))
    eng.run(4, progress_bar=False)
    return eng, eng.summaries()["temporal_order"]["ds"]


def _epochs_args():
    eng, summ = _epoch_summ()
    return {"r": eng.runs()["temporal_order"]["ds"], "summ": summ, "curve": eng.test_curve()["temporal_order"]["ds"]}


_epoch_summ_cached = []


def _srn_measures_args():
    from vglab import srn, tasks
    m = srn.SRN(6, 4, 4, n_networks=2, generator=G(0))
    x, y = tasks.make_batch("temporal_order", 4, 10, generator=G(1))
    return {"model": m, "x": x, "y": y}


def _update_seconds_args():
    from test_props_frozen import _data, _multi
    return {"model": _multi(), "data": _data(), "method": "plain", "repeats": 1, "seed": 0, "device": "cpu"}


# ds_tables.epoch_trace wants the summaries only
CASES[[c.name for c in CASES].index("vglab.ds_tables.epoch_trace")].valid = lambda: {"summ": _epoch_summ()[1]}

# the CLIs' run/main/run_reference/run_fast/initial_networks train: their argument handling is probed by
# test_cli_refuses_bad_arguments_before_training below (training replaced by a tripwire)
COVERS = ("vglab.experiments.table1.run", "vglab.experiments.table1.main", "vglab.experiments.table1.run_reference",
          "vglab.experiments.table1.run_fast", "vglab.experiments.table1.initial_networks",
          "vglab.experiments.capstone.run", "vglab.experiments.capstone.main")

test_valid, test_hostile = hostile_test(CASES)


class _Trained(Exception):
    pass


def _tripwire(*a, **k):
    raise _Trained


BAD_VALUES = ["", "0", "-1", "nan", "inf", "-inf", "1e400", "abc", "1.5", "cuda:7", "../x", ".hidden", "a,a", ",",
              "99999999999999999999999", " "]
FLAGS = {
    cli_table1: ["--tasks", "--T", "--networks", "--updates", "--methods", "--n-train", "--n-val", "--n-test",
                 "--hidden", "--device", "--seed", "--out", "--max-minutes", "--checkpoint-minutes", "--engine",
                 "--mode", "--sweep", "--threads", "--dtype", "--records", "--test-every", "--verify-updates"],
    cli_capstone: ["--testbed", "--seeds", "--steps", "--T", "--networks", "--updates", "--adam-steps", "--n-train",
                   "--n-val", "--n-test", "--cost-repeats", "--remedies", "--device", "--seed", "--out",
                   "--max-minutes"],
}
MUST_REFUSE = {"", "nan", "inf", "-inf", "1e400", "abc", "cuda:7", "../x", ".hidden", "a,a", ",", " "}


@pytest.mark.parametrize("cli", [cli_table1, cli_capstone], ids=["table1", "capstone"])
def test_cli_refuses_bad_arguments_before_training(cli, monkeypatch, capsys):
    """``main([flag, value])``: a bad value exits with status 2 and a message naming the flag, before any
    data or training (the training entry points are tripwires); a value that is clearly not allowed for
    any flag (NaN, words, paths) is never taken."""
    for name in ("run", "run_reference", "run_fast", "initial_networks", "run_mlp", "run_srn"):
        if hasattr(cli, name):
            monkeypatch.setattr(cli, name, _tripwire)

    @own_seed(cli.__name__)
    @settings(max_examples=30)
    @given(data=st.data())
    def run(data):
        flag = data.draw(st.sampled_from(FLAGS[cli]), label="flag")
        value = data.draw(st.one_of(st.sampled_from(BAD_VALUES), st.text(max_size=4)), label="value")
        capsys.readouterr()
        try:
            cli.main([flag, value])
        except SystemExit as e:
            err = capsys.readouterr().err
            assert e.code not in (0, None), f"{flag} {value!r}: exit status {e.code}"
            assert flag in err or flag.lstrip("-") in err, f"{flag} {value!r}: the message does not name it: {err!r}"
            return
        except _Trained:
            clearly_bad = value.strip() in MUST_REFUSE or value != value.strip() and value.strip() == ""
            numeric_flag = flag not in ("--tasks", "--methods", "--remedies", "--device", "--out", "--testbed",
                                        "--engine", "--mode", "--sweep", "--dtype", "--records")
            assert not (clearly_bad and numeric_flag) and value.strip() not in ("", "abc", ",", "a,a", "../x"), \
                f"{cli.__name__}: {flag} {value!r} reached training instead of a refusal"
            return
        pytest.fail(f"{flag} {value!r}: main returned without training or refusing")
    run()
