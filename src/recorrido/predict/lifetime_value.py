"""What a customer is worth: BG/NBD for how often they buy again, Gamma-Gamma for how much.

Written with numpy/scipy (``lifetimes`` is unmaintained and breaks on pandas 3). The models:

- **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a
  customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
  probability p ~ Beta(a, b). Input per customer: ``x`` repeat purchases, ``t_x`` the time of the
  last one and ``T`` the time observed, both from the first purchase.
- **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"): the mean spend of a customer's repeat
  purchases, with parameters p, q, γ; fitted on customers with at least one repeat purchase.

Both are fitted by maximum likelihood with the likelihood in log space (sums of ``gammaln`` and
``betaln``, ``logaddexp`` for the BG/NBD's two terms) and L-BFGS-B over the logarithms of the
parameters, so every parameter stays positive without bounds that the optimiser could stick to.

``p_alive`` is NOT a churn score: a customer who never bought again (``x = 0``) gets exactly 1,
because the model says people drop out only right after a purchase. See ``docs/predictions.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from recorrido.errors import RecorridoError


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters and the log-likelihood they reach on the data they came from."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def to_dict(self) -> dict:
        return asdict(self)

    def expected_purchases_new(self, t: np.ndarray | float) -> np.ndarray:
        """E[X(t)]: purchases a new customer makes in ``t`` time units after their first."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=float)
        head = (a + b - 1) / (a - 1)
        return head * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

    def expected_purchases(self, t: float, x, t_x, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: purchases in the next ``t`` time units (FHL 2005, eq. 10)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, t / (alpha + T + t)
        )
        return head * tail * self.p_alive(x, t_x, T)

    def p_alive(self, x, t_x, T) -> np.ndarray:
        """P(still alive | x, t_x, T). It is 1 for every customer with ``x = 0``: not churn."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        odds = np.where(x > 0, np.exp(np.minimum(log_odds, 700)), 0.0)
        return 1.0 / (1.0 + odds)


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters (p, q, γ)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    def to_dict(self) -> dict:
        return asdict(self)

    def expected_spend(self, x, mean_spend) -> np.ndarray:
        """E[M | x, m̄]: the expected mean spend of a customer's future purchases.

        A customer with no repeat purchase gets the population mean p·γ/(q − 1)."""
        x = np.asarray(x, dtype=float)
        m = np.nan_to_num(np.asarray(mean_spend, dtype=float))
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)


def bgnbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood at ``params = (r, alpha, a, b)``."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    stays = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped = betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x)
    dropped = np.where(x > 0, dropped, -np.inf)
    return common + np.logaddexp(stays, dropped)


def fit_bgnbd(x, t_x, T, *, start=(1.0, 1.0, 1.0, 1.0)) -> BGNBD:
    """Maximum-likelihood BG/NBD on ``x`` repeat purchases, last at ``t_x``, observed for ``T``."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    _check_summary(x, t_x, T)

    def negative(log_params):
        return -np.sum(bgnbd_log_likelihood(np.exp(log_params), x, t_x, T))

    best = _minimize(negative, np.log(start))
    r, alpha, a, b = np.exp(best.x)
    return BGNBD(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=float(-best.fun),
        customers=len(x),
    )


def gamma_gamma_log_likelihood(params, x, mean_spend) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend ``mean_spend`` over ``x``."""
    p, q, gamma = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m)
    )


def fit_gamma_gamma(x, mean_spend, *, start=(1.0, 1.0, 1.0)) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma on customers with ``x > 0`` and a positive mean spend."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < 3:
        raise RecorridoError("predict_ltv_too_few", customers=int(keep.sum()))
    x, m = x[keep], m[keep]

    def negative(log_params):
        return -np.sum(gamma_gamma_log_likelihood(np.exp(log_params), x, m))

    best = _minimize(negative, np.log(start))
    p, q, gamma = np.exp(best.x)
    return GammaGamma(
        p=float(p),
        q=float(q),
        gamma=float(gamma),
        log_likelihood=float(-best.fun),
        customers=len(x),
    )


def customer_lifetime_value(
    bgnbd: BGNBD,
    spend: GammaGamma,
    x,
    t_x,
    T,
    mean_spend,
    *,
    horizon: float,
    discount_rate: float = 0.0,
    steps: int = 12,
) -> np.ndarray:
    """Expected spend over ``horizon`` time units: purchases per step × expected spend, each
    step discounted by ``(1 + discount_rate) ** step`` (``discount_rate`` per step)."""
    edges = np.linspace(0.0, horizon, steps + 1)
    cumulative = [bgnbd.expected_purchases(edge, x, t_x, T) for edge in edges]
    value = spend.expected_spend(x, mean_spend)
    total = np.zeros_like(np.asarray(value, dtype=float))
    for step in range(1, steps + 1):
        purchases = cumulative[step] - cumulative[step - 1]
        total = total + purchases * value / (1 + discount_rate) ** step
    return total


def _minimize(negative, start):
    best = minimize(negative, start, method="L-BFGS-B")
    if not np.isfinite(best.fun):
        raise RecorridoError("predict_ltv_no_fit", detail=str(best.message))
    return best


def _check_summary(x, t_x, T) -> None:
    if len(x) == 0:
        raise RecorridoError("predict_ltv_too_few", customers=0)
    # Published summaries are rounded to two decimals: allow t_x a hair above T.
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T * 1.001 + 0.01):
        raise RecorridoError("predict_ltv_bad_summary")
