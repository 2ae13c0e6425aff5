"""Named historical stress windows.

Each scenario is a window of sessions ``[start, end]`` (both inclusive). Its
market move is the compounded return of the sessions inside the window, i.e.
``close(end) / close(last session before start) - 1``. The windows:

| name | start | end | what happened |
|---|---|---|---|
| black_monday_1987 | 1987-10-14 | 1987-10-19 | the week into Black Monday; the S&P 500 fell 20.47% on 19 Oct alone |
| lehman_2008 | 2008-09-15 | 2008-11-20 | Lehman's bankruptcy to the November 2008 low |
| gfc_2008_2009 | 2008-09-15 | 2009-03-09 | Lehman's bankruptcy to the March 2009 bottom of the financial crisis |
| flash_crash_2010 | 2010-05-06 | 2010-05-06 | the 6 May 2010 flash crash (one session) |
| covid_2020 | 2020-02-19 | 2020-03-23 | the S&P 500 record close of 19 Feb to the 23 Mar low |
| rate_shock_2022 | 2022-01-03 | 2022-06-16 | the 2022 inflation and rate-hike sell-off, first session to the June low |
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rustybt.errors import ConfigError

__all__ = ["HISTORICAL_SCENARIOS", "HistoricalScenario", "historical_scenario"]


@dataclass(frozen=True, slots=True)
class HistoricalScenario:
    """A dated market episode.

    Attributes:
        name: identifier (``covid_2020``).
        start: first session of the window (inclusive), ``YYYY-MM-DD``.
        end: last session of the window (inclusive).
        description: what happened.
    """

    name: str
    start: str
    end: str
    description: str

    def __post_init__(self) -> None:
        if pd.Timestamp(self.end) < pd.Timestamp(self.start):
            raise ConfigError(
                "a scenario must end on or after its start",
                context={"name": self.name, "start": self.start, "end": self.end},
            )

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(start, end) as timestamps."""
        return pd.Timestamp(self.start), pd.Timestamp(self.end)


HISTORICAL_SCENARIOS: tuple[HistoricalScenario, ...] = (
    HistoricalScenario(
        "black_monday_1987",
        "1987-10-14",
        "1987-10-19",
        "The week into Black Monday: the S&P 500 lost 20.47% on 19 Oct 1987 alone",
    ),
    HistoricalScenario(
        "lehman_2008",
        "2008-09-15",
        "2008-11-20",
        "Lehman Brothers' bankruptcy to the November 2008 low",
    ),
    HistoricalScenario(
        "gfc_2008_2009",
        "2008-09-15",
        "2009-03-09",
        "Lehman's bankruptcy to the March 2009 bottom of the financial crisis",
    ),
    HistoricalScenario(
        "flash_crash_2010",
        "2010-05-06",
        "2010-05-06",
        "The 6 May 2010 flash crash (one session)",
    ),
    HistoricalScenario(
        "covid_2020",
        "2020-02-19",
        "2020-03-23",
        "COVID-19 crash: the 19 Feb 2020 record close to the 23 Mar low",
    ),
    HistoricalScenario(
        "rate_shock_2022",
        "2022-01-03",
        "2022-06-16",
        "2022 inflation and rate-hike sell-off, to the June low",
    ),
)


def historical_scenario(name: str) -> HistoricalScenario:
    """The shipped scenario called ``name``."""
    for scenario in HISTORICAL_SCENARIOS:
        if scenario.name == name:
            return scenario
    raise ConfigError(
        f"unknown scenario {name!r}",
        context={"name": name},
        hint="one of: " + ", ".join(s.name for s in HISTORICAL_SCENARIOS),
    )
