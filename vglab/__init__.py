"""vglab: a lab for the vanishing/exploding-gradient problem.

Modules, in teaching order (each one concept, each readable in one sitting); a name ending in / is a
subpackage whose modules are listed under it:

runtime       device(), seed(), QUICK: the only place that reads the environment
show          show_source(fn): a function's real source rendered in a notebook; say(text) a computed sentence; typeset_minus
train         shared training-loop pieces: progress bar, NaN/Inf guard, history
data          scikit-learn's digits, shipped inside the installed package (no network)
intro         the whole problem as a product of per-layer factors (notebook 00)
modules       hand-written forward/backward of Linear, ReLU, branch, add, max, softmax (NYU lecture)
optim         SGD ... Nadam and clipping, exactly as the lecture writes them (SOURCES.md §3)
surfaces      2-D loss surfaces (ill-conditioned bowl, Rosenbrock, saddle, cliff) and trajectories
saturation    activations, derivatives, what "saturated" means, per-layer probes
deep_mlp      deep MLPs (init schemes, gain, residual, BatchNorm/LayerNorm), gradient profiles, training on digits
norm          what BatchNorm costs (batch dependence, train vs eval mode) and the initial-loss check
tasks         the synthetic long-term-dependency benchmarks (paper section 7)
srn           the simple recurrent network, paper eq. (1)-(3)
bptt          local gradients, Jacobian products, the Q-factor, paper eq. (5)-(10), (25)
lstm          an unrolled LSTM cell whose per-step state gradients can be read (notebook 04)
gru           M GRUs unrolled step by step, equal to torch's nn.GRU; the update gate's additive path
rnn_fixes     SRN remedies: ReLU, orthogonal / identity W_rec, LayerNorm, truncated BPTT, M seeds side by side
init_scale    the paper's Fig. 2-3: init-variance sensitivity, eigenvalues, the circular law
init_sigma    Pascanu's σ_max conditions and Bengio's latching, beside notebook 05's networks
beta_penalty  the patent's omega, Beta MLE fit, KL to uniform, measurements of uniformity
autoencoder   the sigmoid-bottleneck autoencoder with omega, and generation from U(0,1)^d
beta_stack    claim 3: omega on every layer of a deep sigmoid stack, seeds and a control batched
ds_sampling   dS by one forward-mode sweep, paper eq. (14)-(24), and the accept/skip rule
ds_train      the paper's training loop with dS sampling, for M networks at once
pascanu       Pascanu et al. 2013's regulariser and clipping: the baselines
ds_tables     saved Table-1 runs beside the paper's Tables 1-2, sizes and the constant predictor
ds_long_run   the full-size long run in words from its state: status, dS vs plain per network, verdict
engine/       the fast batched engine (all Table-1 networks, one step): compare, compare_tasks, verify
  core        its Engine class: the batched step, eager / compiled / CUDA-graph modes, the loop
  pack        tasks and networks as one padded batch (SOURCES.md §1.4, §1.6), and back to Runs and checkpoints
  step        the maths of one engine step, batched and without autograd, eq. (1)-(6), (20)-(25)
  records     per-epoch summaries and test scores along a run: small checkpoints for long runs
capstone/     which fix when: every remedy on a deep MLP and an SRN, rows per remedy (notebook 08)
  report      verdicts, the summary table and rules of thumb read off the capstone rows
exercises/    the check functions behind every notebook's exercises, one module per notebook:
  intro (00), backprop (01), optim (02), saturation (03), recurrent (04), init_sigma (05),
  beta (06), ds (07), capstone (08); their shared helpers in _checks
results       load(name): saved full-scale runs with their provenance
runfiles      run files that survive a kill: atomic writes, checkpoint fallback, settings check, locks
experiments/  full-scale runs as command-line programs (python -m vglab.experiments.NAME)
plots/, widgets/  figures (ax=None -> ax) and slider panels over the compute modules
"""
from .runtime import QUICK, by_mode, describe, device, seed

__all__ = ["QUICK", "by_mode", "describe", "device", "seed"]
__version__ = "0.1.0"
