"""Supervised training of a whole network: fine-tuning a pretrained encoder, or the from-scratch baseline.

Hyper-parameters follow the paper's Appendix B (StarcNet supervised training): Adam, lr 1e-4, batch 64, 10
epochs, lr x 0.1 from the 6th epoch. With 20 labels, 10 epochs are only 10 steps, which would make the
"scratch" baseline look worse than it is; ``min_steps`` (default 100) guarantees a fair minimum of
optimisation. Training views get flips, 90-degree rotations and 1-px shifts (all label-preserving).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.augment import Compose, RandomFlipRotate, RandomShift
from models.device import autocast, autocast_dtype, resolve_device
from models.embed import embed
from models.errors import LabelError
from models.probe import balanced_class_weights


class Classifier(nn.Module):
    """Encoder followed by a linear layer to ``n_classes`` logits."""

    def __init__(self, encoder: nn.Module, n_classes: int):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(int(encoder.out_dim), n_classes)  # type: ignore[arg-type]
        self.out_dim = n_classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


def finetune(
    encoder: nn.Module,
    cutouts: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-4,
    lr_drop_epoch: int = 6,
    min_steps: int = 100,
    class_weight: str | None = "balanced",
    seed: int = 0,
    device: str | torch.device | None = None,
    precision: str = "auto",
    augment: bool = True,
) -> Classifier:
    """Train a copy of ``encoder`` + a linear head on (N, bands, H, W) noise-unit cutouts and class indices.

    The caller's encoder is left untouched (deep copy); pass a freshly built encoder for the scratch baseline.
    ``augment=False`` for inputs that are not images (catalogue features).
    """
    y = np.asarray(labels, dtype=np.int64).ravel()
    if len(cutouts) != y.size or y.size == 0:
        raise LabelError(f"{len(cutouts)} cutouts and {y.size} labels: need one label per cutout (and >= 1)")
    if y.min() < 0 or y.max() >= n_classes:
        raise LabelError(f"class indices must lie in [0, {n_classes}), got {y.min()}..{y.max()}")
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = Classifier(copy.deepcopy(encoder), n_classes).to(dev).train()
    x_all = torch.as_tensor(np.asarray(cutouts, dtype=np.float32), device=dev)
    y_all = torch.as_tensor(y, device=dev)
    w = balanced_class_weights(y, n_classes) if class_weight == "balanced" else np.ones(y.size)
    w_all = torch.as_tensor(w, dtype=torch.float32, device=dev)
    steps_per_epoch = math.ceil(y.size / batch_size)
    total = max(epochs * steps_per_epoch, min_steps)
    drop_at = int(total * (lr_drop_epoch - 1) / epochs) if epochs else total
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    views = Compose([RandomFlipRotate(), RandomShift(1)] if augment else [])
    gen = torch.Generator().manual_seed(seed)
    aug_gen = torch.Generator(device=dev).manual_seed(seed + 1)
    dtype = autocast_dtype(dev, precision, training=True)
    scaler = torch.amp.GradScaler(dev.type) if dtype == torch.float16 else None
    for step in range(total):
        if step == drop_at:
            for group in opt.param_groups:
                group["lr"] = lr * 0.1
        idx = torch.randint(0, y.size, (min(batch_size, y.size),), generator=gen).to(dev)
        with autocast(dev, dtype):
            logits = model(views(x_all[idx], aug_gen))
        loss = (F.cross_entropy(logits.float(), y_all[idx], reduction="none") * w_all[idx]).mean()
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
    return model.eval()


def predict_proba_network(
    model: nn.Module, cutouts: np.ndarray, batch_size: int = 512, device: str | torch.device | None = None
) -> np.ndarray:
    """(N, K) softmax probabilities of a :class:`Classifier` for every cutout."""
    logits = embed(model, cutouts, batch_size=batch_size, device=device)
    return torch.softmax(torch.from_numpy(logits), dim=1).numpy()
