"""`Asset`: identity by symbol, immutability, and a hash equal to the symbol's
(held in a slot so dict lookups run no Python code) that survives pickling."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rustybt.assets import Asset, AssetClass


@given(st.text(min_size=1, max_size=12))
def test_hash_is_the_symbols_and_equal_assets_are_one_key(symbol: str) -> None:
    equity, crypto = Asset(symbol), Asset.crypto(symbol, sector="x")
    assert hash(equity) == hash(crypto) == hash(symbol)
    assert equity == crypto
    assert {equity: 1}[crypto] == 1
    assert len({equity, crypto}) == 1


def test_fields_defaults_and_constructor_forms() -> None:
    asset = Asset("AAPL")
    assert (asset.symbol, asset.asset_class, asset.fractional) == ("AAPL", AssetClass.EQUITY, False)
    assert (asset.sector, asset.exchange) == (None, "XNYS")
    coin = Asset.crypto("BTCUSDT", sector="coins")
    assert (coin.asset_class, coin.fractional, coin.sector, coin.exchange) == (
        AssetClass.CRYPTO,
        True,
        "coins",
        "24/7",
    )
    keyword = Asset(symbol="ES", asset_class=AssetClass.FUTURE, exchange="CME")
    assert (keyword.asset_class, keyword.exchange) == (AssetClass.FUTURE, "CME")


def test_not_equal_to_its_symbol_string_and_ordered_by_symbol() -> None:
    assert Asset("AAPL") != "AAPL"
    assert Asset("AAPL") != Asset("MSFT")
    assert sorted([Asset("MSFT"), Asset("AAPL")]) == [Asset("AAPL"), Asset("MSFT")]
    assert Asset("AAPL").__lt__("cash") is NotImplemented
    assert repr(Asset("AAPL")) == "Asset('AAPL')"
    assert str(Asset("AAPL")) == "AAPL"


def test_immutable() -> None:
    asset = Asset("AAPL")
    with pytest.raises(FrozenInstanceError):
        asset.symbol = "MSFT"  # type: ignore[misc]  # the point: assignment is refused
    with pytest.raises(FrozenInstanceError):
        asset.__hash__ = lambda: 1  # type: ignore[method-assign]  # nor may the hash change
    with pytest.raises(FrozenInstanceError):
        del asset.sector
    assert hash(asset) == hash("AAPL")


def test_pickle_and_copies_keep_every_field() -> None:
    coin = Asset.crypto("ETHUSDT", sector="coins")
    for clone in (pickle.loads(pickle.dumps(coin)), copy.copy(coin), copy.deepcopy(coin)):
        assert clone == coin
        assert hash(clone) == hash(coin)
        assert (clone.asset_class, clone.fractional, clone.sector, clone.exchange) == (
            AssetClass.CRYPTO,
            True,
            "coins",
            "24/7",
        )


def test_unpickled_in_another_process_hashes_as_its_symbol_there() -> None:
    # String hashes are salted per process: the pickled hash must not travel.
    code = (
        "import pickle, sys; a = pickle.loads(sys.stdin.buffer.read()); "
        "print(hash(a) == hash('AAPL'), {'AAPL': 1}.get(a.symbol), {a: 2}[a])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(Asset("AAPL")),
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "123"},
    )
    assert done.stdout.decode().split() == ["True", "1", "2"]
