"""Chinese working days: the State Council holiday arrangement (节假日安排) with 调休.

The ``chinesecalendar`` package holds every year it knows (法定节假日 days off and the 调休
weekend days that are working days). The sites file's ``calendar:`` adds days for years the
package does not know yet (a new year is published each November/December) and may correct
single days of known years. A date in a year nobody knows raises ``UnknownYear``: a deadline
counted on a guessed calendar could report a department late that was on time — unless the
calendar is asked to estimate (the checks do, for the years after the package's last one): then
such a year is counted on an estimated calendar (weekends, and the fixed-date and lunar
法定节假日 of 《全国年节及纪念日放假办法》, no 调休 make-up days, which nobody can guess), and every
verdict that used it says 预估.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Iterable

import chinese_calendar
import yaml
from lunardate import LunarDate

# Years published by the State Council after the installed chinesecalendar was released, shipped
# with GovWatch: one YAML file per year (year, source, holidays, workdays).
SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "calendar"


class UnknownYear(LookupError):
    """The calendar has no holiday arrangement for ``year``."""

    def __init__(self, year: int):
        self.year = year
        low, high = library_years()
        super().__init__(
            f"the working-day calendar does not know {year}: the chinesecalendar package covers "
            f"{low}-{high}. Upgrade it (pip install -U chinesecalendar) once the State Council has "
            f"published the {year} holiday arrangement (节假日安排), or add {year} to the sites file: "
            f"`calendar:` with `holidays:` (every 法定节假日 day off, YYYY-MM-DD) and `workdays:` "
            f"(every 调休 weekend day that is a working day)")


@functools.lru_cache(maxsize=1)
def library_years() -> tuple[int, int]:
    """The first and last year the installed chinesecalendar knows."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return min(years), max(years)


@functools.lru_cache(maxsize=None)
def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# 《全国年节及纪念日放假办法》(国务院令第795号, from 2025): the days off, by the calendar they follow
_FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))  # 元旦, 劳动节 2 days, 国庆节 3 days
_LUNAR_HOLIDAYS = ((5, 5), (8, 15))  # 端午节, 中秋节
ESTIMATED = "预估"


def _qingming(year: int) -> dt.date:
    """清明 (the solar term), 4 or 5 April in this century: [Y·0.2422 + 4.81] − [Y/4], Y = year − 2000."""
    y = year % 100
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


@functools.lru_cache(maxsize=None)
def estimated_holidays(year: int) -> frozenset[dt.date]:
    """The statutory days off of ``year`` without the State Council's arrangement: 元旦, 春节
    (除夕 and 初一 to 初三), 清明, 劳动节 (2), 端午, 中秋, 国庆 (3). The lunar dates come from
    ``lunardate``."""
    days = {dt.date(year, m, d) for m, d in _FIXED_HOLIDAYS}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    days |= {new_year + dt.timedelta(days=k) for k in (-1, 0, 1, 2)}
    days |= {LunarDate(year, m, d).to_solar_date() for m, d in _LUNAR_HOLIDAYS}
    days.add(_qingming(year))
    return frozenset(days)


@functools.lru_cache(maxsize=4)
def shipped_calendar(directory: Path = SHIPPED_DIR) -> tuple[frozenset[dt.date], frozenset[dt.date], dict[int, str]]:
    """(holidays, workdays, year -> source) of the arrangements shipped in ``directory``;
    ValueError names a malformed file."""
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    sources: dict[int, str] = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
            year, source = int(data["year"]), str(data["source"])
            days = {key: {_day(d) for d in data.get(key) or ()} for key in ("holidays", "workdays")}
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a valid holiday arrangement: {exc}") from None
        if any(d.year != year for d in days["holidays"] | days["workdays"]) or not days["holidays"]:
            raise ValueError(f"{path}: every day must be in {year}, and the holidays listed")
        holidays |= days["holidays"]
        workdays |= days["workdays"]
        sources[year] = source
    return frozenset(holidays), frozenset(workdays), sources


def _day(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


class WorkCalendar:
    """Working days from chinesecalendar plus the sites file's extra days.

    ``holidays``: days off (法定节假日); ``workdays``: 调休 weekend days that are working days.
    Both override the package for their dates. A year the package lacks is known when at
    least one of these days falls in it; its other days are Monday-Friday working days.
    """

    def __init__(self, holidays: Iterable[dt.date | str] = (), workdays: Iterable[dt.date | str] = (),
                 estimate: bool = False):
        self.estimate = estimate
        shipped_holidays, shipped_workdays, _ = shipped_calendar(SHIPPED_DIR)
        configured_holidays = frozenset(_day(d) for d in holidays or ())
        configured_workdays = frozenset(_day(d) for d in workdays or ())
        # the sites file's days win over the shipped ones, which fill years the package lacks
        self.holidays = configured_holidays | (shipped_holidays - configured_workdays)
        self.workdays = configured_workdays | (shipped_workdays - configured_holidays)
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a workday")
        self._configured_years = {d.year for d in self.holidays | self.workdays}

    @classmethod
    def for_run(cls, run) -> WorkCalendar:
        """The calendar of a RunView (its ``calendar`` is the sites file's ``calendar:``);
        years after the package's last one are estimated (verdicts marked 预估)."""
        calendar = getattr(run, "calendar", None) or {}
        return cls(calendar.get("holidays") or (), calendar.get("workdays") or (), estimate=True)

    def knows(self, year: int) -> bool:
        return _library_knows(year) or year in self._configured_years

    def is_estimated(self, year: int) -> bool:
        """Whether ``year`` is counted on the estimated calendar."""
        return self.estimate and not self.knows(year) and year > library_years()[1]

    def estimated_between(self, start: dt.date | str, end: dt.date | str) -> list[int]:
        """The estimated years a count from ``start`` to ``end`` goes through."""
        start, end = sorted((_day(start), _day(end)))
        return [y for y in range(start.year, end.year + 1) if self.is_estimated(y)]

    def is_workday(self, d: dt.date | str) -> bool:
        d = _day(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        if _library_knows(d.year):
            return chinese_calendar.is_workday(d)
        if d.year in self._configured_years:
            return d.weekday() < 5
        if self.is_estimated(d.year):
            return d.weekday() < 5 and d not in estimated_holidays(d.year)
        raise UnknownYear(d.year)

    def workdays_between(self, start: dt.date | str, end: dt.date | str) -> int:
        """The number of working days d with start < d <= end (negative when end < start)."""
        start, end = _day(start), _day(end)
        if end < start:
            return -self.workdays_between(end, start)
        count, d = 0, start
        while d < end:
            d += dt.timedelta(days=1)
            count += self.is_workday(d)
        return count

    def add_workdays(self, d: dt.date | str, n: int) -> dt.date:
        """The n-th working day after d (before d when n < 0); d itself when n == 0."""
        d = _day(d)
        step = dt.timedelta(days=1 if n >= 0 else -1)
        left = abs(n)
        while left:
            d += step
            left -= self.is_workday(d)
        return d


def estimated_calendar_note(years: Iterable[int]) -> str:
    """The evidence a verdict counted on the estimated calendar carries (shown in reports)."""
    listed = "、".join(str(y) for y in years)
    return (f"{ESTIMATED}：{listed}年节假日安排尚未收录，按周末及法定节假日估算（未计调休）；"
            f"国务院公布后在站点配置 calendar: 中补充 holidays/workdays，或升级 chinesecalendar")
