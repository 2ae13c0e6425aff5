"""zipline's OLMAR example (on-line moving average reversion, Li & Hoi 2012) on
stocks of the S&P 500 data, written the way the example is: context methods,
numpy weights, ``order`` with numpy amounts."""

import numpy as np

from rustybt.finance import commission, slippage

STOCKS = ["AMD", "CERN", "COST", "GPS", "INTC", "MMM"]


def initialize(algo, eps=1, window_length=5):
    algo.stocks = STOCKS
    algo.sids = [algo.symbol(symbol) for symbol in algo.stocks]
    algo.m = len(algo.stocks)
    algo.b_t = np.ones(algo.m) / algo.m
    algo.eps = eps
    algo.init = True
    algo.days = 0
    algo.window_length = window_length
    algo.set_commission(commission.PerShare(cost=0, min_trade_cost=1.0))
    algo.set_slippage(slippage.VolumeShareSlippage())


def handle_data(algo, data):
    algo.days += 1
    if algo.days < algo.window_length:
        return
    if algo.init:
        rebalance_portfolio(algo, data, algo.b_t)
        algo.init = False
        return
    x_tilde = np.zeros(algo.m)
    mavgs = data.history(algo.sids, "price", algo.window_length, "1d").mean()
    for i, sid in enumerate(algo.sids):
        x_tilde[i] = mavgs[sid] / data.current(sid, "price")
    x_bar = x_tilde.mean()
    market_relative = x_tilde - x_bar
    expected = np.dot(algo.b_t, x_tilde)
    variability = np.linalg.norm(market_relative) ** 2
    step = 0 if variability == 0.0 else max(0, (algo.eps - expected) / variability)
    b_norm = simplex_projection(algo.b_t + step * market_relative)
    np.testing.assert_almost_equal(b_norm.sum(), 1)
    rebalance_portfolio(algo, data, b_norm)
    algo.b_t = b_norm


def rebalance_portfolio(algo, data, desired_port):
    current_amount = np.zeros_like(desired_port)
    prices = np.zeros_like(desired_port)
    if algo.init:
        positions_value = algo.portfolio.starting_cash
    else:
        positions_value = algo.portfolio.positions_value + algo.portfolio.cash
    for i, sid in enumerate(algo.sids):
        current_amount[i] = algo.portfolio.positions[sid].amount
        prices[i] = data.current(sid, "price")
    desired_amount = np.round(desired_port * positions_value / prices)
    for i, sid in enumerate(algo.sids):
        algo.order(sid, desired_amount[i] - current_amount[i])


def simplex_projection(v, b=1):
    """Euclidean projection of v onto the simplex {w >= 0, sum w = b} (Duchi et al. 2008)."""
    v = np.asarray(v)
    v = (v > 0) * v
    u = np.sort(v)[::-1]
    sv = np.cumsum(u)
    rho = np.where(u > (sv - b) / np.arange(1, len(v) + 1))[0][-1]
    theta = np.max([0, (sv[rho] - b) / (rho + 1)])
    w = v - theta
    w[w < 0] = 0
    return w
