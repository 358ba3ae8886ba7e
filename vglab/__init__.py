"""vglab: a lab for the vanishing/exploding-gradient problem.

Modules, in teaching order (each one concept, each readable in one sitting):

runtime       device(), seed(), QUICK: the only place that reads the environment
show          show_source(fn): a function's real source rendered in a notebook
train         shared training loop pieces: progress bar, NaN/Inf guard, history
modules       hand-written forward/backward of Linear, ReLU, branch, add, max, softmax (NYU lecture)
optim         SGD ... Nadam and clipping, exactly as the lecture writes them (seed 002)
surfaces      2-D loss surfaces (ill-conditioned bowl, Rosenbrock, saddle, cliff)
saturation    activations, derivatives, deep-MLP probes of saturation and gradient flow
tasks         the synthetic long-term-dependency benchmarks (paper section 7)
srn           the simple recurrent network, paper eq. (1)-(3)
bptt          local gradients, Jacobian products, the Q-factor, paper eq. (5)-(10), (25)
ds_sampling   dS, the accept/skip rule and its training loop, paper eq. (14)-(24)
beta_penalty  the patent's omega, Beta MLE fit, KL to uniform
exercises     the check functions behind every notebook's exercises
results       load(name): saved full-scale runs with their provenance
plots, widgets  figures (ax=None -> ax) and slider panels over the compute modules
"""
from .runtime import QUICK, by_mode, describe, device, seed

__all__ = ["QUICK", "by_mode", "describe", "device", "seed"]
__version__ = "0.1.0"
