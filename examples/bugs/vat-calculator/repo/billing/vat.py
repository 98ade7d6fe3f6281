"""VAT arithmetic on Decimal money, rounded half-up to the cent."""
from decimal import ROUND_HALF_UP, Decimal

RATES = {"standard": Decimal("0.20"), "reduced": Decimal("0.05"), "zero": Decimal("0")}
CENT = Decimal("0.01")


def money(value):
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_for(name):
    try:
        return RATES[name]
    except KeyError:
        raise ValueError(f"unknown VAT rate {name!r}") from None


def vat_amount(net, rate="standard"):
    return money(Decimal(str(net)) * rate_for(rate))


def add_vat(net, rate="standard"):
    return money(Decimal(str(net)) * (1 + rate_for(rate)))


def net_from_gross(gross, rate="standard"):
    return money(Decimal(str(gross)) * (1 + rate_for(rate)))


def vat_in_gross(gross, rate="standard"):
    return money(Decimal(str(gross)) - net_from_gross(gross, rate))


def invoice_totals(lines):
    """lines: (net, rate name) pairs; VAT is rounded per line."""
    net = sum((money(n) for n, _ in lines), Decimal(0))
    vat = sum((vat_amount(n, r) for n, r in lines), Decimal(0))
    return {"net": net, "vat": vat, "gross": net + vat}
