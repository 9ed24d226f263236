"""YearRange: reading the URL form, checking, clamping to the data's span, and writing itself."""

import datetime as dt

import pytest

from metrics.domain.i18n import Problem, Text
from metrics.domain.programme import MIN_YEAR
from metrics.domain.years import InvalidYears, YearRange

THIS_YEAR = dt.date.today().year
SPAN = YearRange(2014, 2025)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2018-2025", YearRange(2018, 2025)),
        ("2018-2018", YearRange(2018, 2018)),
        (" 2018 - 2025 ", YearRange(2018, 2025)),  # int() reads around spaces
        ("1990-2040", YearRange(1990, 2040)),  # read as written: clamping is the caller's
    ],
)
def test_parse_reads_the_url_form(raw, expected):
    assert YearRange.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "en"),
    [
        ("", "Cannot read the years '': write them as 2018-2025."),
        ("2018", "Cannot read the years '2018': write them as 2018-2025."),
        ("2018-2019-2020", "Cannot read the years '2018-2019-2020': write them as 2018-2025."),
        ("2018–2025", "Cannot read the years '2018–2025': write them as 2018-2025."),  # an en dash
        ("-5", "Cannot read the years '-5': write them as 2018-2025."),
        ("x-y", "Cannot read the years 'x-y': write them as 2018-2025."),
        (
            "2025-2018",
            f"Invalid years 2025-2018: they must lie between {MIN_YEAR} and {THIS_YEAR}, the first not after the last.",
        ),
    ],
)
def test_unreadable_or_reversed_text_is_a_problem_with_a_message_in_both_languages(raw, en):
    with pytest.raises(InvalidYears) as caught:
        YearRange.parse(raw)
    assert isinstance(caught.value, Problem) and isinstance(caught.value, ValueError)  # the CLI's and series' errors
    assert isinstance(caught.value.text, Text) and caught.value.text.en == en
    assert "年份范围" in caught.value.text.zh


@pytest.mark.parametrize(
    ("first", "last", "ok"),
    [
        (MIN_YEAR, THIS_YEAR, True),
        (2014, 2014, True),
        (MIN_YEAR - 1, 2014, False),
        (2014, THIS_YEAR + 1, False),
        (-5000000, 2014, False),
    ],
)
def test_checked_bounds_the_years_to_valid_ones(first, last, ok):
    years = YearRange(first, last)
    if ok:
        assert years.checked() is years
    else:
        with pytest.raises(InvalidYears, match="Invalid years"):
            years.checked()


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (2016, 2020, YearRange(2016, 2020)),  # within: unchanged
        (2014, 2025, SPAN),
        (2000, 2020, YearRange(2014, 2020)),  # each end moved into the span
        (2018, 2030, YearRange(2018, 2025)),
        (2000, 2005, YearRange(2014, 2014)),  # wholly before: the span's first year
        (2030, 2040, YearRange(2025, 2025)),  # wholly after: its last
        (2020, 2016, SPAN),  # the first after the last: the whole span
    ],
)
def test_clamped_to_the_span(first, last, expected):
    assert YearRange.clamped(first, last, SPAN) == expected
    if first <= last:
        assert YearRange(first, last).clamp(SPAN) == expected


@pytest.mark.parametrize(
    ("years", "zh", "en", "url"),
    [
        (YearRange(2014, 2025), "2014—2025 年", "2014–2025", "2014-2025"),
        (YearRange(2018, 2018), "2018—2018 年", "2018–2018", "2018-2018"),
    ],
)
def test_formats(years, zh, en, url):
    assert years.label() == Text(zh, en)
    assert years.url == str(years) == url
    assert YearRange.parse(years.url) == years  # the URL form reads back


@pytest.mark.parametrize(
    ("years", "year", "inside"), [(SPAN, 2014, True), (SPAN, 2025, True), (SPAN, 2013, False), (SPAN, "2014", False)]
)
def test_contains_and_unpacks(years, year, inside):
    assert (year in years) is inside
    first, last = years
    assert (first, last) == years.pair == (years.first, years.last)
    assert list(years.years) == list(range(first, last + 1))
