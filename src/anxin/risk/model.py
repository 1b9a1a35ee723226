"""The learned score: logistic regression over transformed features, scored in plain Python.

Why logistic regression: its log-odds are a sum of per-input contributions, so "why did the
model say 0.93" has an exact answer, and the largest contributions become reasons. And it is
~30 multiplications per event, so the model costs microseconds without sklearn on the hot
path (sklearn's per-call overhead alone is ~100 µs). Interactions a linear model cannot see
(a new payee *and* an unusual amount) are explicit inputs.

The model ships as `model.json` beside this module, trained by `train` on the transaction
simulator with a fixed seed (`anxin risk train-model` rebuilds it byte for byte); nothing is
downloaded or trained at run time.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from anxin.core.errors import InvalidInput
from anxin.risk.events import Event

MODEL_FILE: Final = "model.json"
TRAINING_SEED: Final = 20261101
MODEL_INPUTS: Final = (
    "is_login",
    "is_application",
    "log_amount",
    "amount_high",
    "fresh_payee",
    "new_device",
    "fresh_device",
    "device_shared",
    "fresh_ip",
    "new_place",
    "fast_travel",
    "hour_rarity",
    "password_fresh",
    "burst_1h",
    "new_payees_1h",
    "history",
    "account_age",
    "linked_accounts",
    "ring_density",
    "linked_applications",
    "ip_accounts",
    "payee_senders",
    "payee_ring",
    "payee_young",
    "inbound_senders",
    "cash_out",
    "fresh_payee_x_amount",
    "fresh_device_x_fresh_payee",
    "fresh_ip_x_odd_hour",
)


def vectorize(f: Mapping[str, Any]) -> list[float]:
    """Model inputs from features, in `MODEL_INPUTS` order.

    Counts are log-compressed and recencies turned into exp(-age / scale), so one extreme
    value cannot dominate a linear score. Behaviour signals are only meaningful for an
    account with some history, so they are gated on it.
    """
    kind = f["type"]
    payment = kind == "payment"
    known = f["user_events"] >= 5
    amount = float(f["amount"]) if payment else 0.0
    z = f["amount_z"] if payment and f["user_payments"] >= 5 else 0.0
    amount_high = math.log1p(min(max(z, 0.0), 1000.0))
    fresh_payee = math.exp(-f["payee_age_min"] / 120.0) if payment and known else 0.0
    new_device = 1.0 if f["new_device"] and known else 0.0
    fresh_device = math.exp(-f["device_age_min"] / 60.0) if known else 0.0
    fresh_ip = math.exp(-f["ip_age_min"] / 120.0) if known else 0.0
    rarity = f["hour_rarity"]
    fast = min(f["travel_speed_kmh"], 5000.0) / 1000.0 if f["km_from_last"] > 100 else 0.0
    inbound = float(f["inbound_amount_24h"])
    cash_out = min(amount / inbound, 2.0) if payment and inbound > 0 else 0.0
    return [
        1.0 if kind == "login" else 0.0,
        1.0 if kind == "application" else 0.0,
        math.log1p(amount),
        amount_high,
        fresh_payee,
        new_device,
        fresh_device,
        math.log1p(max(f["device_accounts"] - 1, 0)),
        fresh_ip,
        1.0 if f["new_place"] and known else 0.0,
        fast,
        rarity,
        math.exp(-f["password_changed_min"] / 120.0),
        math.log1p(f["user_count_1h"] - 1),
        math.log1p(max(f["new_payees_1h"] - 1, 0)),
        math.log1p(f["user_events"]),
        math.log1p(f["account_age_days"]),
        math.log1p(f["linked_accounts"] - 1),
        min(f["linked_accounts"] / max(f["linked_devices"], 1), 5.0),
        math.log1p(max(f["linked_applications_1h"] - 1, 0)),
        math.log1p(f["ip_accounts_24h"]),
        math.log1p(max(f["payee_senders_24h"] - 1, 0)) if payment else 0.0,
        math.log1p(f["payee_linked_accounts"]),
        math.exp(-f["payee_age_days"] / 7.0) if payment else 0.0,
        math.log1p(f["inbound_senders_24h"]),
        cash_out,
        fresh_payee * amount_high,
        fresh_device * fresh_payee,
        fresh_ip * rarity,
    ]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Standardised logistic regression, folded so scoring is one dot product."""

    version: str
    inputs: tuple[str, ...]
    weights: tuple[float, ...]
    """coef / scale: the weight of each raw input."""
    means: tuple[float, ...]
    offset: float
    """intercept - sum(coef * mean / scale)."""

    def probability(self, x: list[float]) -> float:
        total: float = sum(map(operator.mul, self.weights, x))
        return _sigmoid(self.offset + total)

    def contributions(self, x: list[float]) -> list[tuple[float, str]]:
        """Inputs that raise the log-odds by being present, with how much (vs the average
        event), largest first.

        Inputs with a negative weight are left out: "the payee is not a new account" lowering
        the average cannot be stated as a reason for an application, say.
        """
        pushes = [
            (w * (value - mean), name)
            for w, value, mean, name in zip(self.weights, x, self.means, self.inputs, strict=True)
            if w > 0 and value > mean
        ]
        return sorted(pushes, reverse=True)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], origin: str) -> LinearModel:
        inputs = tuple(doc.get("inputs", ()))
        if inputs != MODEL_INPUTS:
            raise InvalidInput(f"{origin}: model inputs do not match this version of Anxin")
        coef, mean, scale = doc["coef"], doc["mean"], doc["scale"]
        weights = tuple(c / s for c, s in zip(coef, scale, strict=True))
        offset = doc["intercept"] - sum(w * m for w, m in zip(weights, mean, strict=True))
        return cls(doc["version"], inputs, weights, tuple(mean), offset)


def _sigmoid(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def model_path() -> Path:
    return Path(str(resources.files("anxin.risk") / MODEL_FILE))


def load_model(path: Path | None = None) -> LinearModel:
    path = path or model_path()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read the risk model {path}: {exc}") from None
    return LinearModel.from_json(doc, str(path))


def train(
    events: Iterable[tuple[Event, bool]],
    *,
    seed: int,
    progress: Callable[[int], None] | None = None,
    extra: Iterable[tuple[Mapping[str, Any], bool]] = (),
) -> dict[str, Any]:
    """Fit the model on labelled events replayed in order; returns the JSON document.

    Features are computed exactly as the engine computes them (state carried from event to
    event). `extra` adds events already featurised, with their labels: the feature
    snapshots of logged decisions that analysts labelled (`--labels-from-db`). The fit is
    deterministic (lbfgs), so the same events give the same file.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from anxin.risk.features import FeatureState

    state = FeatureState()
    rows: list[list[float]] = []
    labels: list[int] = []
    for count, (event, fraud) in enumerate(events, 1):
        features = state.extract(event)
        rows.append(vectorize(features))
        labels.append(int(fraud))
        state.observe(event, features, "allow")
        if progress is not None and count % 10_000 == 0:
            progress(count)
    added = 0
    for snapshot, fraud in extra:
        rows.append(vectorize(snapshot))
        labels.append(int(fraud))
        added += 1
    x, y = np.asarray(rows), np.asarray(labels)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    fit = LogisticRegression(C=1.0, max_iter=5000).fit((x - scaler.mean_) / scale, y)
    doc: dict[str, Any] = {
        "format": 1,
        "kind": "logistic-regression",
        "seed": seed,
        "events": len(labels),
        "frauds": int(y.sum()),
        "inputs": list(MODEL_INPUTS),
        "intercept": round(float(fit.intercept_[0]), 10),
        "coef": [round(float(c), 10) for c in fit.coef_[0]],
        "mean": [round(float(m), 10) for m in scaler.mean_],
        "scale": [round(float(s), 10) for s in scale],
    }
    if added:  # only then: the default training run must reproduce model.json byte for byte
        doc["analyst_labels"] = added
    body = json.dumps(doc, sort_keys=True).encode()
    doc["version"] = "lr-" + hashlib.sha256(body).hexdigest()[:12]
    return doc
