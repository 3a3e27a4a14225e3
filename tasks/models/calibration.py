"""Temperature scaling (Guo et al. 2017): one scalar T dividing the logits, fitted on validation.

Fine-tuned transformers are usually over-confident; T > 1 softens them. Dividing by a positive
T never changes the argmax, so accuracy and F1 stay exactly the same and only the
probabilities (and so ECE and any confidence threshold downstream) improve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sentiflow.tasks.models.classifier import softmax
from sentiflow.tasks.models.metrics import expected_calibration_error, negative_log_likelihood

T_RANGE = (0.05, 20.0)  # search bounds for T; outside them the logits carry no usable signal


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The T in T_RANGE minimising validation NLL (1.0 when there is nothing to fit)."""
    from scipy.optimize import minimize_scalar

    if len(gold) == 0:
        return 1.0
    # searching log T makes the problem smooth and symmetric around T = 1
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, gold, float(np.exp(log_t))),
        bounds=(np.log(T_RANGE[0]), np.log(T_RANGE[1])),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def calibration_report(logits: np.ndarray, gold: np.ndarray) -> dict[str, Any]:
    """Fit T on these (validation) logits; ECE and NLL before (T = 1) and after."""
    temperature = fit_temperature(logits, gold)
    return {
        "temperature": temperature,
        "ece_before": expected_calibration_error(softmax(logits, 1.0), gold),
        "ece_after": expected_calibration_error(softmax(logits, temperature), gold),
        "nll_before": negative_log_likelihood(logits, gold, 1.0),
        "nll_after": negative_log_likelihood(logits, gold, temperature),
        "fitted_on": "validation",
        "n": int(len(gold)),
    }
