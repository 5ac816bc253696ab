"""Rounding and formatting numbers in rules (reading them: tests/feeds/test_decimal_text.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.transforms.rounding import format_number, round_to


class TestRoundAndFormat:
    @pytest.mark.parametrize(
        ("value", "step", "mode", "expected"),
        [
            ("2.345", "0.01", "half", "2.35"),  # half up, not banker's rounding
            ("2.341", "0.01", "up", "2.35"),
            ("2.349", "0.01", "down", "2.34"),
            ("12.26", "0.5", "half", "12.5"),
            ("12.74", "0.5", "down", "12.5"),
            ("1234", "10", "half", "1230"),
            ("1235", "10", "half", "1240"),
            ("1201", "100", "up", "1300"),
        ],
    )
    def test_round_to_step(self, value, step, mode, expected):
        assert round_to(Decimal(value), Decimal(step), mode) == Decimal(expected)

    @pytest.mark.parametrize(
        ("value", "places", "decimal", "thousands", "expected"),
        [
            ("1234567.5", 2, ",", " ", "1 234 567,50"),
            ("1234.5", 0, ".", "", "1235"),
            ("-1234.5", 2, ".", ",", "-1,234.50"),
            ("-0.001", 2, ".", "", "0.00"),  # never "-0.00"
        ],
    )
    def test_format(self, value, places, decimal, thousands, expected):
        text = format_number(Decimal(value), places=places, decimal_separator=decimal, thousands_separator=thousands)
        assert text == expected
