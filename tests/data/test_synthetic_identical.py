"""The synthetic generator's output, byte for byte, as it was before issue 15's speed work.

Golden values across the suite, the docs and benchmarks/README (final equities,
vectorbt/backtrader parity) are computed on `benchmark_panel` and the demo data, so
a faster generator must give the same bytes, not merely close values: the same
random streams drawn in the same order, the same float64 operations per element.
The known answers below were computed on main before the change (sha256 of each
array's dtype, shape, contiguity and bytes, first 16 hex digits); the large cases
run only with ``RUSTYBT_SLOW=1``.

Unlike ``test_synthetic.py``'s rounded digests these are exact, so they also catch a
re-associated sum; a machine whose libm or SIMD ``exp`` differs in the last bit
would fail them (they were taken on this project's x86-64 AVX-512 build machine).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pytest

from rustybt.data.bars import BarPanel
from rustybt.data.synthetic import (
    SyntheticConfig,
    benchmark_panel,
    demo_config,
    generate,
    generate_bars,
    simulate,
)

FIELDS = ("open", "high", "low", "close", "volume")

BUILDERS: dict[str, Callable[[], BarPanel]] = {
    "1x2520d": lambda: benchmark_panel(1, 2520),
    "50x2520d": lambda: benchmark_panel(50, 2520),
    "3x20000m_crypto": lambda: benchmark_panel(3, 20000, "minute", asset_class="crypto"),
    "demo_equity_daily": lambda: generate_bars(demo_config("daily", "equity")),
    "demo_equity_minute": lambda: generate_bars(demo_config("minute", "equity")),
    "demo_crypto_daily": lambda: generate_bars(demo_config("daily", "crypto")),
    "demo_crypto_minute": lambda: generate_bars(demo_config("minute", "crypto")),
    "2x5000m_equity": lambda: benchmark_panel(2, 5000, "minute"),
    "index_as_asset": lambda: generate_bars(
        SyntheticConfig(n_assets=7, n_sectors=3, n_bars=600, benchmark_as_asset=True)
    ),
    "index_as_asset_wide": lambda: generate_bars(
        SyntheticConfig(n_assets=300, n_sectors=11, n_bars=130, benchmark_as_asset=True, seed=5)
    ),
    "gaussian_no_jumps": lambda: generate_bars(
        SyntheticConfig(n_assets=4, n_bars=300, tail_df=float("inf"), jumps_per_year=0.0, seed=7)
    ),
}

LARGE_BUILDERS: dict[str, Callable[[], BarPanel]] = {
    "500x2520d": lambda: benchmark_panel(500, 2520),
    "2000x2520d": lambda: benchmark_panel(2000, 2520),
    "1x250000m": lambda: benchmark_panel(1, 250_000, "minute"),
    "100x98280m": lambda: benchmark_panel(100, 98_280, "minute"),
}

EXPECTED: dict[str, dict[str, str]] = {
    "1x2520d": {
        "open": "ea9a24f14d00de6a",
        "high": "368c56b15a9e3979",
        "low": "91ebeefcde2366b8",
        "close": "e0d2cfd567488a56",
        "volume": "e68956e6fa03f8cd",
        "index": "6e33bbc045d5f152",
        "assets": "ed2bd9e253ff4df5",
    },
    "50x2520d": {
        "open": "e19e966e2f6b84bc",
        "high": "c93b1c1f91e91d5c",
        "low": "1623e8fb8e6462b5",
        "close": "f78ed79f86376153",
        "volume": "629333dd5bd1b48a",
        "index": "6e33bbc045d5f152",
        "assets": "7ea7531d37556217",
    },
    "3x20000m_crypto": {
        "open": "96faa82a4270724e",
        "high": "c15ad8c5b1f5471b",
        "low": "ef1479695f3f75e7",
        "close": "ccb6c8e35b8ed935",
        "volume": "9ae7de8786fead15",
        "index": "9ac381c1d3afadef",
        "assets": "455a8a1b528c7dca",
    },
    "demo_equity_daily": {
        "open": "ca94d9d41ec24e32",
        "high": "9dc2220da3a973c8",
        "low": "f2d4ebd07e5b604a",
        "close": "83a14882f64723cc",
        "volume": "1fdae1097b1253b1",
        "index": "267f142747633379",
        "assets": "3f87847f31d1c981",
    },
    "demo_equity_minute": {
        "open": "647b42cad691c141",
        "high": "1381abacbd7976e3",
        "low": "bc17e87c36dcf46a",
        "close": "a757113f0720a9bb",
        "volume": "6157b6c459b77d0e",
        "index": "008ac8ba76afd5a9",
        "assets": "8e62e58b622de478",
    },
    "demo_crypto_daily": {
        "open": "5f024f1c8428a476",
        "high": "efa32befc583b402",
        "low": "4cdfd21f39e87d39",
        "close": "27d15087f44368ac",
        "volume": "975441424aebd5f2",
        "index": "219292f07e2ce979",
        "assets": "67240a052dbf1309",
    },
    "demo_crypto_minute": {
        "open": "5eb0024e49e26c28",
        "high": "c1eacbb36df1eea6",
        "low": "aa97c9ddf25379fa",
        "close": "48edb24bf580a362",
        "volume": "1937791677d04193",
        "index": "03298d05efec7f26",
        "assets": "e14969bdc68eb816",
    },
    "2x5000m_equity": {
        "open": "dba10c878b823889",
        "high": "a8c2e35dd5be88b7",
        "low": "37293a4f0643224d",
        "close": "311e982a2d9d9937",
        "volume": "1e54b3459d4d2d73",
        "index": "62984daefe7d5fe7",
        "assets": "7e46dd76ec369098",
    },
    "index_as_asset": {
        "open": "d5505c1234708305",
        "high": "2017b4879bb19fa2",
        "low": "336b8e363acd2056",
        "close": "06b99b0daabfc374",
        "volume": "e34163d388477065",
        "index": "bc278a5292469ec1",
        "assets": "151bcb6bc61a9283",
    },
    "index_as_asset_wide": {
        "open": "0f82b478a5531fa7",
        "high": "21835ed0186d8dc7",
        "low": "d5959eb411eb5fb9",
        "close": "fbe352f6f44bd427",
        "volume": "52cda37db224a812",
        "index": "55d6a475af4bdef8",
        "assets": "89fddb84a77749ec",
    },
    "gaussian_no_jumps": {
        "open": "c4e865631bbe1a40",
        "high": "9ceb7ccb35d579a3",
        "low": "218c21738ec722b4",
        "close": "a881dbbbf3793c35",
        "volume": "7074f9db212490eb",
        "index": "2fb38a832377536f",
        "assets": "65ade3d0ab640b15",
    },
}

LARGE_EXPECTED: dict[str, dict[str, str]] = {
    "500x2520d": {
        "open": "dd51532c584ece32",
        "high": "027083ce6c6014c1",
        "low": "29acc7eab157fe4f",
        "close": "12d3cf378cdc13c3",
        "volume": "2d04b8b11e45829d",
        "index": "6e33bbc045d5f152",
        "assets": "0ffdb427961adf09",
    },
    "2000x2520d": {
        "open": "09e19bfe3bbd66af",
        "high": "cbf6621cc7987d25",
        "low": "5bf8465aaa47d685",
        "close": "47d04d8db5e27016",
        "volume": "2007250c2ca9f5e7",
        "index": "6e33bbc045d5f152",
        "assets": "3c2a10ff57e4ba5c",
    },
    "1x250000m": {
        "open": "5084df1ed62e0b28",
        "high": "5989d099a82a5b27",
        "low": "e77decbbb0497b28",
        "close": "67ed8f8dfaae1a7c",
        "volume": "232192c55108dd0f",
        "index": "2ea5a8748c8a03df",
        "assets": "d82ccae01bd1699b",
    },
    "100x98280m": {
        "open": "6233fe0310e46465",
        "high": "92ca3bf154fcfe3f",
        "low": "522cc2f9d3f7643c",
        "close": "78bf8dc0b8282925",
        "volume": "2529355184c05f3d",
        "index": "a0fc8bf9b9213ef4",
        "assets": "4cb811938c3cfcf0",
    },
}


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:16]


def digest_panel(panel: BarPanel) -> dict[str, str]:
    """One short sha256 per array of the panel, and one for its assets' metadata."""
    found = {}
    for name in FIELDS:
        array = panel.field(name)
        layout = f"{array.dtype.str}{array.shape}{array.flags.c_contiguous}"
        found[name] = _sha(layout.encode(), array.tobytes())
    found["index"] = _sha(str(panel.index.tz).encode(), panel.index.asi8.tobytes())
    meta = [
        (a.symbol, str(a.asset_class), a.fractional, a.sector, a.exchange) for a in panel.assets
    ]
    found["assets"] = _sha((repr(meta) + str(panel.frequency)).encode())
    return found


@pytest.mark.parametrize("case", sorted(BUILDERS))
def test_panel_is_byte_identical(case: str) -> None:
    assert digest_panel(BUILDERS[case]()) == EXPECTED[case]


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("RUSTYBT_SLOW"), reason="large panels: set RUSTYBT_SLOW=1 (about 5 s)"
)
@pytest.mark.parametrize("case", sorted(LARGE_BUILDERS))
def test_large_panel_is_byte_identical(case: str) -> None:
    assert digest_panel(LARGE_BUILDERS[case]()) == LARGE_EXPECTED[case]


def test_simulate_extras_are_byte_identical() -> None:
    market = simulate(SyntheticConfig(benchmark_as_asset=True))
    assert _sha(market.benchmark.to_numpy().tobytes()) == "95eb829008ef9f0c"
    assert _sha(market.stressed.to_numpy().tobytes()) == "a4c677fa3e8cf682"
    params = market.params.to_numpy(dtype=object).astype(str)
    assert _sha(params.tobytes()) == "8424804e0e7f2ac3"


@pytest.mark.parametrize(
    ("case", "block_elements", "thread_min_elements"),
    [
        ("index_as_asset", 1, 10**12),
        ("index_as_asset_wide", 700, 0),
        ("50x2520d", 1_000, 0),
        ("3x20000m_crypto", 2_999, 10**12),
        ("gaussian_no_jumps", 100, 0),
    ],
)
def test_block_size_and_worker_thread_do_not_change_a_bit(
    case: str, block_elements: int, thread_min_elements: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One-bar blocks, a short last block, blocks narrower than a row; the Student-t
    # shocks drawn in the calling thread or by the worker thread.
    monkeypatch.setattr(generate, "BLOCK_ELEMENTS", block_elements)
    monkeypatch.setattr(generate, "THREAD_MIN_ELEMENTS", thread_min_elements)
    monkeypatch.setattr(generate, "_usable_cpus", lambda: 2)  # threaded even if pinned
    assert digest_panel(BUILDERS[case]()) == EXPECTED[case]
