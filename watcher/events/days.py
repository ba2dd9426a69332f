"""When strikes were: whether the days and times of a report and of an event allow one strike."""

from __future__ import annotations

from datetime import timedelta

from watcher.events.model import EventState, Report
from watcher.events.settings import EventSettings


def _times_fit(report: Report, state: EventState, settings: EventSettings) -> bool:
    window = timedelta(hours=settings.window_hours)
    if report.when - state.opened > window or state.last_report - report.when > window:
        return False
    if report.another and report.when - state.opened > timedelta(hours=settings.undated_hours):
        return False
    if report.event_date is None:
        # No day named: the report is about a strike of its own day, or of the day before.
        undated = timedelta(hours=settings.undated_hours)
        return report.when - state.opened <= undated and _days_fit(report, state, settings)
    # Stated days that disagree veto a join, unless the report came out within hours of the
    # event's first one: a second strike on another day is reported on another day, while
    # reports of one strike that name different days more likely carry a misread day
    # ("overnight" against "on Tuesday", a weekday from another sentence). match_score then
    # asks for more evidence.
    close = max(settings.misdated_within_hours, settings.misdated_site_hours)
    return _dates_agree(report, state, settings) or _hours_apart(report, state) <= close


def _days_conflict(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether the report and the event each hold their strike's day firmly, and those days are
    too far apart: two strikes, however close in time, place and wording.

    A day is held firmly when the lead strike's own sentences name it (a weekday or a date,
    `day_stated`) or count it from publication ("struck ... overnight", `day_counted`): a strike
    told as "overnight" fell within a day of the report. The event's firm days are those its
    reports stated, else those they counted. A day read from another sentence is no firm day,
    and a follow-up may name the later day of the deaths it tells (_day_after). Two stated days
    disagree whenever they do; a counted day only for a report out more than
    `counted_within_hours` after the event's first one."""
    if report.event_date is None or _day_after(report, state):
        return False
    slack = timedelta(days=settings.date_slack_days)
    if report.day_stated and state.stated_dates:
        return not any(abs(report.event_date - d) <= slack for d in state.stated_dates)
    firm = state.stated_dates or state.counted_dates
    if not firm or not (report.day_stated or report.day_counted):
        return False
    if _rushed(report, state, settings):
        return False
    return not any(abs(report.event_date - d) <= slack for d in firm)


def _stated_against_weak(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether, in a report out more than `counted_within_hours` after the event's first one,
    one side's day is stated by a lead (`day_stated`) and the other's only read from another
    sentence (neither stated nor counted)."""
    if _rushed(report, state, settings):
        return False
    report_weak = report.event_date is not None and not (report.day_stated or report.day_counted)
    event_weak = bool(state.event_dates) and not (state.stated_dates or state.counted_dates)
    return (report_weak and bool(state.stated_dates)) or (report.day_stated and event_weak)


def _names_first_day(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether the report names the day the event was first reported (± the slack): then the
    event's own stated day is the misread one."""
    slack = timedelta(days=settings.date_slack_days)
    return report.event_date is not None and abs(report.event_date - state.opened.date()) <= slack


def _rushed(report: Report, state: EventState, settings: EventSettings) -> bool:
    """Whether the report came out within `counted_within_hours` of the event's first one:
    reports rushed out together may each word the day carelessly."""
    return _hours_apart(report, state) <= settings.counted_within_hours


def _hours_apart(report: Report, state: EventState) -> float:
    return abs(report.when - state.opened) / timedelta(hours=1)


def _days_fit(report: Report, state: EventState, settings: EventSettings) -> bool:
    """A report naming no day, out after the days the event's reports name, reports a later
    strike: the day of a report is its publication's, or the day before it."""
    if not state.event_dates:
        return True
    slack = timedelta(days=settings.date_slack_days)
    return report.when.date() - max(state.event_dates) <= slack


def _dates_agree(report: Report, state: EventState, settings: EventSettings) -> bool:
    slack = timedelta(days=settings.date_slack_days)
    if report.event_date and state.event_dates:
        return any(abs(report.event_date - d) <= slack for d in state.event_dates) or (
            _day_after(report, state)
        )
    if report.event_date:
        return abs(report.event_date - state.opened.date()) <= slack or _day_after(report, state)
    return True


def _day_after(report: Report, state: EventState) -> bool:
    """Whether a follow-up names a day after the event's: that of the deaths or the count
    it tells, after the strike ("an Iraqi wounded last week died on Monday")."""
    days = state.event_dates or (state.opened.date(),)
    return (
        report.follow_up
        and report.event_date is not None
        and max(days) < report.event_date <= report.when.date()
    )
