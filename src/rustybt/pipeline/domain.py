"""zipline's ``zipline.pipeline.domain`` names, so ``Pipeline(domain=US_EQUITIES)``
runs unchanged. A domain is accepted and ignored: a pipeline's assets and
sessions are those of the data it runs on."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GENERIC", "US_EQUITIES", "Domain", "EquityCalendarDomain"]


@dataclass(frozen=True)
class Domain:
    """A named market; informational only (see module docstring)."""

    name: str


@dataclass(frozen=True)
class EquityCalendarDomain(Domain):
    country_code: str = ""
    calendar_name: str = ""


GENERIC = Domain("GENERIC")
US_EQUITIES = EquityCalendarDomain("US_EQUITIES", country_code="US", calendar_name="XNYS")
