"""parse_money and Money.format: exact, and parse(format(x)) == x."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mandate.kit.money import CURRENCIES, MAX_MINOR, Money, MoneyError, parse_money

amounts = st.integers(min_value=0, max_value=MAX_MINOR - 1)
currencies = st.sampled_from(sorted(CURRENCIES))


class TestRoundTrip:
    @given(amount=amounts, currency=currencies)
    def test_parse_reads_back_what_format_wrote(self, amount: int, currency: str) -> None:
        money = Money(amount, currency)
        assert parse_money(money.format(), default_currency="GBP" if currency != "GBP" else "EUR") == money

    @given(amount=amounts, currency=currencies)
    def test_plain_number_in_default_currency(self, amount: int, currency: str) -> None:
        text = str(Decimal(amount).scaleb(-CURRENCIES[currency]))
        assert parse_money(text, default_currency=currency) == Money(amount, currency)


class TestExactness:
    @example(
        number=Decimal("122070312.499999999999999999950000077463224292935607236021201438117836480166"), currency="AED"
    )
    @given(
        number=st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False, places=None),
        currency=currencies,
    )
    def test_never_returns_fractional_minor_units(self, number: Decimal, currency: str) -> None:
        text = f"{number:f}"
        with localcontext() as exact:
            # The oracle must not round either: the default 28 digits would call 0.4999…95 whole.
            exact.prec = len(text) + 30
            minor = number.scaleb(CURRENCIES[currency])
            whole = minor == minor.to_integral_value()
        try:
            money = parse_money(text, default_currency=currency)
        except MoneyError:
            assert not whole
            return
        assert isinstance(money.amount_minor, int)
        assert whole and Decimal(money.amount_minor) == minor

    def test_many_digits_are_not_rounded_away(self) -> None:
        with pytest.raises(MoneyError):
            parse_money("1.00000000000000000000000000001")
        with pytest.raises(MoneyError):
            parse_money("12345678901234567890123456.785")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("£12.5m", Money(1_250_000_000, "GBP")),
            ("12,500,000", Money(1_250_000_000, "GBP")),
            ("250k EUR", Money(25_000_000, "EUR")),
            ("USD 3.2bn", Money(320_000_000_000, "USD")),
            ("¥1,000", Money(1000, "JPY")),
            ("€0.01", Money(1, "EUR")),
            (".5", Money(50, "GBP")),
            ("1.5MM", Money(150_000_000, "GBP")),
            ("\u00a012\u00a0chf ", Money(1200, "CHF")),
        ],
    )
    def test_examples(self, text: str, expected: Money) -> None:
        assert parse_money(text) == expected


class TestGarbage:
    @pytest.mark.parametrize(
        "text",
        ["", " ", "abc", "12..5", "1,00", "1,0000", "-5", "1e6", "£", "12 XYZ", "12.5q", "1.001", "¥1.5", "nan", "∞"],
    )
    def test_rejected(self, text: str) -> None:
        with pytest.raises(MoneyError):
            parse_money(text)

    def test_too_large(self) -> None:
        with pytest.raises(MoneyError):
            parse_money("1000000000000000bn")

    @given(text=st.text(max_size=40))
    def test_any_text_parses_or_raises_money_error(self, text: str) -> None:
        try:
            money = parse_money(text)
        except MoneyError:
            return
        assert isinstance(money.amount_minor, int)
        assert 0 <= money.amount_minor < MAX_MINOR
        assert money.currency in CURRENCIES

    def test_unsupported_default_currency(self) -> None:
        with pytest.raises(MoneyError):
            parse_money("12", default_currency="XXX")


class TestFormat:
    @pytest.mark.parametrize(
        ("money", "text", "short"),
        [
            (Money(1_250_000_000, "GBP"), "£12,500,000.00", "£12.5m"),
            (Money(123_456, "CHF"), "1,234.56 CHF", "1.2k CHF"),
            (Money(5, "JPY"), "¥5", "¥5"),
            (Money(320_000_000_000, "USD"), "$3,200,000,000.00", "$3.2bn"),
        ],
    )
    def test_examples(self, money: Money, text: str, short: str) -> None:
        assert money.format() == text
        assert money.format_short() == short
