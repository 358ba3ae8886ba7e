"""The patent's experiment: a sigmoid-bottleneck autoencoder with R′ = R + λω (SOURCES.md §2).

After Fig. 1 of the patent: encoder → a small squashing layer z (the only one) → decoder (the
figure narrows the layers gradually toward z; ours go straight to d and back). R is the
reconstruction negative log-likelihood (Bernoulli pixels: binary cross-entropy, summed over the
64 pixels of a digit); ω (patent claim 1) is computed from the bottleneck's pre-activations (finite
even where z rounds to 0 or 1); like anything computed from the bottleneck, its gradient reaches only the encoder. ``train_autoencoder`` records, over training, what the
notebook plots: per-unit histograms, the fitted (α, β), KL to U(0, 1), % saturated, KS distance,
the encoder's gradient norm and the reconstruction error. Then generation (decode z ~ U(0, 1)^d):
how digit-like the samples are and how diverse. Claim 3 (a deep stack) is in ``vglab.beta_stack``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from . import _args, _checked
from . import beta_penalty as bp
from .data import Split, digits
from .runtime import cpu_threads
from .train import History, check_finite, progress

N_BINS = 20  # histogram bins over [0, 1] for the bottleneck units


class SigmoidAutoencoder(nn.Module):
    """x (B, 64) → encoder → a (B, d) → z = σ(a) → decoder → pixel logits (B, 64)."""

    @_checked.checked(d=_args.size, n_in=_args.size, hidden=_args.size)
    def __init__(self, d: int = 2, n_in: int = 64, hidden: int = 64):
        super().__init__()
        self.d = d
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, d))
        self.decoder = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, n_in))

    def encode(self, x):
        """The bottleneck pre-activations a (B, d) and the squashed code z = σ(a) (B, d)."""
        a = self.encoder(x)
        return a, torch.sigmoid(a)

    def forward(self, x):
        a, z = self.encode(x)
        return self.decoder(z), a, z


@dataclass
class AEConfig:
    """One training run. ``lam`` is λ in R′ = R + λω; steps are Adam minibatch steps."""
    d: int = 2
    lam: float = 0.0
    hidden: int = 64
    steps: int = 1000
    batch: int = 256
    lr: float = 1e-2
    seed: int = 0
    record_every: int = 100
    enc_scale: float = 1.0  # multiplies the encoder's last layer at init: > 1 saturates the bottleneck

    def __post_init__(self):
        _args.fields(self, d=(_args.integer, 1), lam=(_args.real, 0), hidden=(_args.integer, 1),
                     steps=(_args.integer, 1), batch=(_args.integer, 2), lr=(_args.learning_rate,),
                     seed=(_args.integer, 0), record_every=(_args.period,), enc_scale=(_args.positive_real,))


@dataclass
class AERun:
    """A trained model and its records (``history`` lists, one entry per record step)."""
    config: AEConfig
    model: SigmoidAutoencoder
    history: dict = field(default_factory=dict)
    z_test: torch.Tensor | None = None  # (N_test, d) final codes of the test images

    @property
    def label(self) -> str:
        return f"λ = {self.config.lam:g}"


def reconstruction_nll(logits, x):
    """R: Bernoulli negative log-likelihood of the pixels, summed over pixels, mean over images."""
    logits, x = _checked.tensor("logits", logits, dims=2), _checked.tensor("x", x, dims=2, lo=0, hi=1)
    if logits.shape != x.shape:
        raise ValueError(f"logits and x must have one shape, got {tuple(logits.shape)} and {tuple(x.shape)}")
    return _nll(logits, x)


def _nll(logits, x):
    """``reconstruction_nll`` without its checks (training loops: a NaN there is a divergence, caught after)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]



def _grad_norm(grads) -> float:
    return float(torch.sqrt(sum((g.detach() ** 2).sum() for g in grads if g is not None)))


@torch.no_grad()
def layer_stats(z: torch.Tensor) -> dict:
    """Everything the notebook measures on a bottleneck z (N, d): fit, KL, KS, % saturated, corr."""
    alpha, beta = bp.fit_beta(z)
    return {"alpha": alpha.cpu(), "beta": beta.cpu(), "kl": bp.kl_to_uniform(alpha, beta).cpu(),
            "ks": bp.ks_to_uniform(z).cpu(), "saturated": bp.fraction_saturated(z).cpu(),
            "omega": float(bp.beta_penalty(z)), "corr": bp.mean_abs_correlation(z) if z.shape[1] > 1 else 0.0,
            "hist": torch.stack([torch.histc(z[:, j].float().cpu(), N_BINS, 0, 1) for j in range(z.shape[1])])}


@_checked.checked(config=(_checked.instance, AEConfig), data=_checked.split, progress_bar=_args.boolean)
def train_autoencoder(config: AEConfig, *, data=None, device=None, progress_bar: bool = True) -> AERun:
    """Train one autoencoder on digits with R′ = R + λω (patent claim 1, from the logits).

    Records every ``config.record_every`` steps on the test images: ``layer_stats`` of z, the
    test reconstruction NLL, and on the training step the norm of ∂R/∂θ_encoder and of
    ∂(λω)/∂θ_encoder. A NaN/Inf loss stops the run with ``DivergenceError``.
    """
    return _run(_train_autoencoder, config, data, device, progress_bar)


def _run(train, config, data, device, progress_bar):
    """The shared entry of ``train_autoencoder``/``beta_stack.train_stacks``: device (CPU by default), the
    digits unless ``data`` is given, moved there, and one CPU thread (``runtime.cpu_threads``)."""
    device = _args.device("device", device) or torch.device("cpu")
    data = (data if data is not None else digits(seed=0)).to(device)
    with cpu_threads(1, device):
        return train(config, data, device, progress_bar)


def _train_autoencoder(config, data, device, progress_bar):
    g = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    model = SigmoidAutoencoder(config.d, data.x_train.shape[1], config.hidden).to(device)
    with torch.no_grad():  # a saturating start: a = enc_scale × (the default pre-activations)
        model.encoder[-1].weight.mul_(config.enc_scale)
        model.encoder[-1].bias.mul_(config.enc_scale)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    enc = list(model.encoder.parameters())
    hist, n = History(), data.x_train.shape[0]
    desc = f"AE d={config.d} λ={config.lam:g} seed={config.seed}"  # the seed tells repeated runs apart
    for step in progress(range(config.steps + 1), desc=desc, enabled=progress_bar):
        x = data.x_train[torch.randint(n, (min(config.batch, n),), generator=g).to(device)]  # (B, 64)
        logits, a, _ = model(x)
        R = _nll(logits, x)
        check_finite(R + a.sum(), step, "R (or the bottleneck)")
        omega = bp._omega_from_logits(a)  # a checked finite just above: no second scan
        loss = R + config.lam * omega
        check_finite(loss, step, "R + λω")
        opt.zero_grad()
        record = step % config.record_every == 0 or step == config.steps
        if record:  # the reconstruction signal alone reaching the encoder: ∂R/∂θ_enc
            grads_R = torch.autograd.grad(R, enc, retain_graph=True)
        loss.backward()
        if record:
            grads_all = [p.grad for p in enc]
            grads_w = [ga - gr for ga, gr in zip(grads_all, grads_R)]  # λ ∂ω/∂θ_enc
            _record(hist, model, data, step, R, omega, _grad_norm(grads_R), _grad_norm(grads_w))
        if step < config.steps:
            opt.step()
    model.eval()
    with torch.no_grad():
        z_test = model.encode(data.x_test)[1].cpu()
    return AERun(config, model.cpu(), dict(hist), z_test)


@torch.no_grad()
def _record(hist, model, data, step, R, omega, g_R, g_omega):
    logits, _, z = model(data.x_test)
    st = layer_stats(z)
    hist.log(step=step, train_R=R, train_omega=omega, enc_grad_R=g_R, enc_grad_omega=g_omega,
             test_R=_nll(logits, data.x_test),
             test_mse=F.mse_loss(torch.sigmoid(logits), data.x_test), **st)


@_checked.checked(lams=(_args.reals, 0), ds=(_args.ints, 1, 1 << 16), base=_checked.opt(_checked.instance, AEConfig),
               data=_checked.split, progress_bar=_args.boolean)
def train_grid(lams, ds, base: AEConfig | None = None, *, data=None, device=None,
               progress_bar: bool = True) -> dict:
    """Train one autoencoder per (λ, d): the precomputed grid behind the slider panel."""
    base = base or AEConfig()
    data = data if data is not None else digits(seed=0)
    runs = {}
    for d in ds:
        for lam in lams:
            cfg = AEConfig(**{**base.__dict__, "d": int(d), "lam": float(lam)})
            runs[(float(lam), int(d))] = train_autoencoder(cfg, data=data, device=device, progress_bar=progress_bar)
    return runs


# ---- generation: decode z ~ U(0, 1)^d ---------------------------------------------------------

@torch.no_grad()
@_checked.checked(model=(_checked.model, SigmoidAutoencoder), z=_checked.rule(_checked.tensor, dims=2, lo=0, hi=1, convert=True))
def decode(model: SigmoidAutoencoder, z: torch.Tensor) -> torch.Tensor:
    """Images (n, 64) in [0, 1] decoded from codes z (n, d) in [0, 1]."""
    if z.shape[1] != model.d:
        raise ValueError(f"z must have shape (n, {model.d}), got {tuple(z.shape)}")
    p = next(model.parameters())
    return torch.sigmoid(model.decoder(z.to(p.device, p.dtype))).cpu()


@_checked.checked(model=(_checked.model, SigmoidAutoencoder), n=_args.size, seed=_args.seed)
def sample_uniform(model: SigmoidAutoencoder, n: int = 16, seed: int = 0) -> torch.Tensor:
    """Decode n codes drawn from U(0, 1)^d: the patent's generative use of the bottleneck."""
    z = torch.rand(n, model.d, generator=torch.Generator().manual_seed(seed))
    return decode(model, z)


@_checked.checked(model=(_checked.model, SigmoidAutoencoder), n=(_args.size, 1, 1000), margin=(_args.real, 0, 0.5))
def decode_grid(model: SigmoidAutoencoder, n: int = 10, margin: float = 0.02) -> torch.Tensor:
    """For d = 2: images (n*n, 64) decoded on an n×n grid over the unit square (row = z₂, col = z₁)."""
    if model.d != 2:
        raise ValueError(f"decode_grid needs a bottleneck of size d = 2, this model has d = {model.d}")
    t = torch.linspace(margin, 1 - margin, n)
    z2, z1 = torch.meshgrid(t.flip(0), t, indexing="ij")
    return decode(model, torch.stack([z1.reshape(-1), z2.reshape(-1)], 1))


_images = _checked.rule(_checked.tensor, dims=2, convert=True)  # (n, pixels), finite


@torch.no_grad()
def count_distinct(images: torch.Tensor, decimals: int = 3) -> int:
    """How many different images (n, P) there are, pixels rounded to ``decimals`` places: 1 when a
    decoder draws the same image for every code."""
    if not isinstance(images, torch.Tensor) or images.dim() != 2:
        raise ValueError(f"images must be a 2-D tensor (n, pixels), got {getattr(images, 'shape', type(images))}")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be an int >= 0, got {decimals!r}")
    return int(torch.unique(images.detach().cpu().double().round(decimals=decimals), dim=0).shape[0])


@torch.no_grad()
@_checked.checked(images=_images, reference=_images)
def nearest_distance(images: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Per image, the root-mean-square pixel distance to its nearest reference image; (n,)."""
    _same_width(images, reference)
    return torch.cdist(images.double(), reference.double().cpu()).min(1).values / images.shape[1] ** 0.5


def _same_width(images, reference):
    if images.shape[1] != reference.shape[1]:
        raise ValueError(f"images and reference must have one number of pixels, got {images.shape[1]} and "
                         f"{reference.shape[1]}")


@torch.no_grad()
@_checked.checked(images=_images, reference=_images)
def nearest_labels(images: torch.Tensor, reference: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per image, the class of its nearest reference image (a 1-nearest-neighbour classifier); (n,)."""
    _same_width(images, reference)
    labels = _checked.labels("labels", labels, n=reference.shape[0])
    return labels.cpu()[torch.cdist(images.double(), reference.double().cpu()).argmin(1)]


def effective_classes(labels: torch.Tensor, n_classes: int = 10) -> float:
    """exp(entropy) of the class histogram: 1 when every image is one class, ``n_classes`` when even."""
    n_classes = _args.size("n_classes", n_classes)
    labels = _checked.labels("labels", labels, n_classes=n_classes)
    p = torch.bincount(torch.as_tensor(labels).long(), minlength=n_classes).double()
    p = p[p > 0] / p.sum()
    return float(torch.exp(-(p * p.log()).sum()))


@torch.no_grad()
@_checked.checked(images=_images)
def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean RMS pixel distance over all pairs of distinct images: how different the images are."""
    n = images.shape[0]
    if n < 2:
        raise ValueError(f"images must hold at least 2 images, got {n}")
    return float(torch.cdist(images.double(), images.double()).sum() / (n * (n - 1)) / images.shape[1] ** 0.5)


@_checked.checked(run=(_checked.instance, AERun), data=(_checked.instance, Split), n=_args.size, seed=_args.seed)
def generation_report(run: AERun, data, n: int = 500, seed: int = 0) -> dict:
    """Decoded U(0, 1)^d samples against reconstructions of test digits (digits by construction).

    How digit-like: RMS distance to the nearest training digit. How diverse: the effective number of
    classes of their nearest training digits (``effective_classes``, 1 to 10) and the mean pairwise
    distance (``mean_pairwise_distance``). Plus the codes' max KS to U(0, 1) and mean |correlation|.
    """
    gen = sample_uniform(run.model, n, seed)
    rec = decode(run.model, run.z_test[:n])
    x_tr, y_tr = data.x_train.cpu(), data.y_train.cpu()
    return {"uniform_samples": float(nearest_distance(gen, x_tr).mean()),
            "test_reconstructions": float(nearest_distance(rec, x_tr).mean()),
            "classes_samples": effective_classes(nearest_labels(gen, x_tr, y_tr)),
            "classes_reconstructions": effective_classes(nearest_labels(rec, x_tr, y_tr)),
            "spread_samples": mean_pairwise_distance(gen), "spread_reconstructions": mean_pairwise_distance(rec),
            "ks_max": float(bp.ks_to_uniform(run.z_test).max()),
            "mean_abs_corr": bp.mean_abs_correlation(run.z_test) if run.model.d > 1 else 0.0}


@_checked.checked(runs=(_checked.instance, dict, "a dict {(λ, d): AERun} from train_grid"), n_samples=_args.size,
               seed=_args.seed)
def summarize_grid(runs: dict, n_samples: int = 24, seed: int = 0) -> dict:
    """What the (λ, d) slider panel draws, computed once: {(λ, d): final codes, fit, curves, samples}."""
    for key, r in runs.items():
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(r, AERun)):
            raise TypeError(f"runs must map (λ, d) to an AERun (train_grid's result), got {key!r:.40}: {r!r:.40}")
    out = {}
    for (lam, d), r in runs.items():
        h = r.history
        out[(lam, d)] = {"lam": lam, "d": d, "z": r.z_test, "alpha": h["alpha"][-1], "beta": h["beta"][-1],
                         "step": h["step"], "kl": [float(t.mean()) for t in h["kl"]],
                         "saturated": [100 * float(t.mean()) for t in h["saturated"]],
                         "test_R": h["test_R"][-1], "ks_max": float(h["ks"][-1].max()), "corr": h["corr"][-1],
                         "omega": h["omega"][-1], "samples": sample_uniform(r.model, n_samples, seed)}
    return out
