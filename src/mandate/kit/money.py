"""Money: integer minor units plus an ISO 4217 currency; parsing of what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

# Currencies a deal is likely to be priced in, with their minor-unit exponent.
CURRENCIES: dict[str, int] = {
    "GBP": 2,
    "EUR": 2,
    "USD": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "SGD": 2,
    "HKD": 2,
    "AED": 2,
    "CNY": 2,
    "INR": 2,
    "JPY": 0,
    "KRW": 0,
}
SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD", "¥": "JPY"}
MULTIPLIERS = {"": 1, "k": 10**3, "m": 10**6, "mm": 10**6, "bn": 10**9, "b": 10**9}
MAX_MINOR = 10**17  # fits a signed 64-bit column with room to spare

_AMOUNT = re.compile(r"^(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<suffix>k|mm|m|bn|b)?$", re.I)


class MoneyError(ValueError):
    pass


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str

    @property
    def amount(self) -> Decimal:
        """In major units, exact: 1234567 GBP pence is Decimal("12345.67")."""
        return Decimal(self.amount_minor).scaleb(-CURRENCIES[self.currency])

    def format(self) -> str:
        exponent = CURRENCIES[self.currency]
        major = Decimal(self.amount_minor).scaleb(-exponent)
        symbol = next((s for s, c in SYMBOLS.items() if c == self.currency), "")
        text = f"{major:,.{exponent}f}"
        return f"{symbol}{text}" if symbol else f"{text} {self.currency}"

    def format_short(self) -> str:
        """Compact form for cards: £12.5m."""
        major = Decimal(self.amount_minor).scaleb(-CURRENCIES[self.currency])
        symbol = next((s for s, c in SYMBOLS.items() if c == self.currency), "")
        for suffix, factor in (("bn", 10**9), ("m", 10**6), ("k", 10**3)):
            if abs(major) >= factor:
                short = (major / factor).quantize(Decimal("0.1")).normalize()
                return f"{symbol}{short:f}{suffix}" + ("" if symbol else f" {self.currency}")
        return self.format()


def normalise_currency(code: str) -> str:
    upper = code.strip().upper()
    if upper not in CURRENCIES:
        raise MoneyError(f"Unsupported currency {code!r}; use one of {', '.join(sorted(CURRENCIES))}")
    return upper


def parse_money(text: str, default_currency: str = "GBP") -> Money:
    """Parse '£12.5m', '12,500,000', '250k EUR', 'USD 3.2bn' into minor units, exactly."""
    cleaned = text.strip().replace("\u00a0", " ")
    currency = normalise_currency(default_currency)
    if cleaned[:1] in SYMBOLS:
        currency, cleaned = SYMBOLS[cleaned[0]], cleaned[1:].strip()
    parts = cleaned.split()
    if len(parts) == 2 and parts[0].upper() in CURRENCIES:
        currency, cleaned = parts[0].upper(), parts[1]
    elif len(parts) == 2 and parts[1].upper() in CURRENCIES:
        currency, cleaned = parts[1].upper(), parts[0]
    match = _AMOUNT.match(cleaned.replace(" ", ""))
    if not match:
        raise MoneyError("Enter an amount such as 12,500,000 or 12.5m")
    number = match["number"]
    if "," in number and not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", number):
        raise MoneyError("Thousands separators are misplaced")
    digits = number.replace(",", "")
    with localcontext() as exact:
        exact.prec = len(digits) + 30  # never round: 1.000000000000000000000000000001 is not 1
        try:
            value = Decimal(digits) * MULTIPLIERS[(match["suffix"] or "").lower()]
        except InvalidOperation as exc:
            raise MoneyError("Enter an amount such as 12,500,000 or 12.5m") from exc
        minor = value.scaleb(CURRENCIES[currency])
    if minor != minor.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {CURRENCIES[currency]} decimal places")
    if minor >= MAX_MINOR:
        raise MoneyError("Amount is too large")
    return Money(int(minor), currency)
