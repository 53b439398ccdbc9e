from decimal import Decimal

from conftest import price


def test_worked_example_of_the_rules(im):
    usage = {
        "account": "1400000001",
        "period": "2026-11",
        "edition": "pro",
        "usage": {"dau": 32000, "groups": 1},
        "addons": {"message_retention_days": 90},
    }
    assert price(im, usage).total == Decimal("1979.95")
