"""Real venue adapters: `CCXTBroker` (ccxt, crypto spot) and `AlpacaBroker` (alpaca-py, US equities).

They need the ``live`` extra (see ``rustybt.install.extra_hint('live')``: never ``pip install rustybt``, an unrelated package); each module
imports its client library only when a broker is built, so importing
``rustybt.live`` never requires them.
"""

from __future__ import annotations
