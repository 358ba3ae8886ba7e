"""Notebook 08's summary panel for benchmarks/slider_latency.py: testbed × view over precomputed rows
(the deep-MLP rows at a tiny training size, built once; the saved T = 100 SRN rows from results/)."""
from vglab import capstone, results


def _panel():
    from vglab.widgets.capstone import summary_panel

    mlp = capstone.run_mlp(steps=5, seeds=(0,), progress_bar=False)
    saved = capstone.add_verdicts(results.load("capstone_T100")["data"]["rows"])
    return summary_panel(mlp, saved)


from vglab.widgets.capstone import VIEWS as _V

_VIEWS = list(_V)
MOVES = [{"testbed": ("deep MLP", "SRN T=100")[(i // 4) % 2], "view": _VIEWS[i % 4]} for i in range(32)]
PANELS = [("08 which fix when: testbed x view (drop-downs)", _panel, MOVES)]
