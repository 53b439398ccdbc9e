"""A tariff with several versions: which one prices a period, `tariff versions`, `tariff bump`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, TARIFFS, price
from tariff_text import edited

import engine
from engine.cli import main
from engine.review.versions import bump, next_label

HISTORY = FIXTURES / "im-history"


def usage(period: str, dau: int = 32000) -> dict[str, object]:
    return {"tariff": "im-history", "account": "42", "period": period, "edition": "pro", "usage": {"dau": dau}}


@pytest.fixture(scope="module")
def history() -> engine.Tariff:
    return engine.load_tariff(HISTORY)


# Peak 32,000 DAU: excess 22,000. Versions 1.0 and 1.1 bill blocks of 10,000 at 449.99
# (3 blocks = 1349.97); 2.0 bills blocks of 5,000 at 224.99 (5 blocks = 1124.95).
@pytest.mark.parametrize(
    ("period", "version", "total"),
    [
        ("2024-01", "1.0", "1749.96"),  # 399.99 + 1349.97, first month of the first version
        ("2025-06", "1.0", "1749.96"),  # last month before 1.1
        ("2025-07", "1.1", "1799.96"),  # 449.99 + 1349.97
        ("2025-12", "1.1", "1799.96"),
        ("2026-01", "2.0", "1624.94"),  # 499.99 + 1124.95
        ("2031-05", "2.0", "1624.94"),  # the latest stays in force
    ],
)
def test_the_version_in_force_on_the_first_day_prices_the_period(history, period, version, total):
    invoice = price(history, usage(period))
    assert (invoice.tariff.version, invoice.total) == (version, Decimal(total))
    assert invoice.tariff.file == f"im-history/{ {'1.0': '2024-01-01', '1.1': '2025-07-01', '2.0': '2026-01-01'}[version] }.yaml"


def test_a_period_before_the_first_version_is_refused(history):
    with pytest.raises(engine.UsageError) as raised:
        engine.quote(history, usage("2023-12"))
    assert [d.message for d in raised.value.diagnostics] == [
        "no version of im-history is in force on 2023-12-01 (versions: im-history/2024-01-01.yaml from 2024-01-01 until 2025-06-30; "
        "im-history/2025-07-01.yaml from 2025-07-01 until 2025-12-31; im-history/2026-01-01.yaml from 2026-01-01 on)"
    ]


def test_versions_lists_each_with_the_days_it_is_in_force(capsys):
    assert main(["versions", str(HISTORY), "--on", "2025-07-01"]) == 0
    assert capsys.readouterr().out == (
        "im-history: 3 versions\n"
        "file                        version  in force\n"
        "im-history/2024-01-01.yaml  1.0      2024-01-01 to 2025-06-30\n"
        "im-history/2025-07-01.yaml  1.1      2025-07-01 to 2025-12-31  <- in force on 2025-07-01\n"
        "im-history/2026-01-01.yaml  2.0      from 2026-01-01 on\n"
    )


def test_versions_as_json(capsys):
    assert main(["versions", str(HISTORY), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "id": "im-history",
        "versions": [
            {"file": "im-history/2024-01-01.yaml", "version": "1.0", "effective_from": "2024-01-01", "until": "2025-06-30"},
            {"file": "im-history/2025-07-01.yaml", "version": "1.1", "effective_from": "2025-07-01", "until": "2025-12-31"},
            {"file": "im-history/2026-01-01.yaml", "version": "2.0", "effective_from": "2026-01-01", "until": None},
        ],
    }


def test_versions_says_when_no_version_is_in_force(capsys):
    assert main(["versions", str(HISTORY), "--on", "2023-06-30"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no version is in force on 2023-06-30 (the first takes effect on 2024-01-01)"


def copy_history(tmp_path: Path) -> Path:
    target = tmp_path / "im-history"
    shutil.copytree(HISTORY, target)
    return target


def test_a_second_version_on_the_same_date_is_refused_by_its_name(tmp_path, capsys):
    directory = copy_history(tmp_path)
    text = (directory / "2025-07-01.yaml").read_text()
    (directory / "2025-08-01.yaml").write_text(text)
    assert main(["versions", str(directory)]) == 2
    assert capsys.readouterr().err == (
        f"{directory / '2025-08-01.yaml'}:6:17: error: file 2025-08-01.yaml holds effective_from 2025-07-01; "
        "a version file is named by its date [version-name]\n"
        "hint: rename the file to 2025-07-01.yaml, or correct effective_from\n"
        f"{directory / '2025-08-01.yaml'}:6:17: error: two versions take effect on 2025-07-01: "
        "im-history/2025-07-01.yaml and im-history/2025-08-01.yaml [version-duplicate]\n"
        "hint: each version takes effect on its own date; a price change is a new file with a later effective_from\n"
    )


def test_a_version_of_another_tariff_in_the_directory_is_refused(tmp_path, capsys):
    directory = copy_history(tmp_path)
    path = directory / "2026-01-01.yaml"
    path.write_text(edited(path.read_text(), ("id: im-history\n", "id: im-future\n")))
    assert main(["versions", str(directory)]) == 2
    assert capsys.readouterr().err == (
        f"{path}:4:1: error: id 'im-future' differs from its directory 'im-history'; "
        "a tariff's versions live in tariffs/<id>/ [tariff-id]\n"
    )


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_bump_copies_the_latest_with_only_the_version_fields_changed(tmp_path, capsys):
    directory = tmp_path / "tencent-im"
    shutil.copytree(TARIFFS / "tencent-im", directory)
    before = digest(directory)
    assert main(["bump", str(directory), "--effective", "2027-01-01"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"wrote {directory / '2027-01-01.yaml'} (version 2, effective 2027-01-01), a copy of tencent-im/2022-01-01.yaml"
    )
    after = digest(directory)
    assert {k: v for k, v in after.items() if k != "2027-01-01.yaml"} == before
    old = (directory / "2022-01-01.yaml").read_text()
    expected = edited(old, ('version: "1"\n', 'version: "2"\n'), ("effective_from: 2022-01-01\n", "effective_from: 2027-01-01\n"))
    assert (directory / "2027-01-01.yaml").read_text() == expected
    assert [v.version for v in engine.load_tariff(directory).versions] == ["1", "2"]


def test_bump_keeps_another_layout_too(tmp_path):
    directory = copy_history(tmp_path)
    done = bump(directory, dt.date(2027, 1, 1))
    assert (done.version, done.reformatted) == ("2.1", 0)
    old = (directory / "2026-01-01.yaml").read_text()
    expected = edited(old, ('version: "2.0"\n', 'version: "2.1"\n'), ("effective_from: 2026-01-01\n", "effective_from: 2027-01-01\n"))
    assert done.path.read_text() == expected


def test_bump_takes_a_label(tmp_path):
    directory = copy_history(tmp_path)
    assert bump(directory, dt.date(2026, 7, 1), "2026-summer").version == "2026-summer"
    assert 'version: "2026-summer"\n' in (directory / "2026-07-01.yaml").read_text()


@pytest.mark.parametrize("day", ["2026-01-01", "2025-12-31"])
def test_bump_refuses_a_date_not_after_the_latest(tmp_path, capsys, day):
    directory = copy_history(tmp_path)
    before = digest(directory)
    assert main(["bump", str(directory), "--effective", day]) == 2
    assert capsys.readouterr().err == (
        f"im-history/2026-01-01.yaml: error: {day} is not after the latest version's date 2026-01-01 "
        "(im-history/2026-01-01.yaml) [version-date]\n"
        "hint: a new version takes effect after the latest one: give a date from 2026-01-02 on\n"
    )
    assert digest(directory) == before


def test_bump_refuses_a_date_that_is_not_one(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["bump", str(copy_history(tmp_path)), "--effective", "2027-02-30"])
    assert raised.value.code == 2
    assert "argument --effective: '2027-02-30' is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_bump_asks_for_a_label_it_cannot_count_on(tmp_path, capsys):
    directory = copy_history(tmp_path)
    path = directory / "2026-01-01.yaml"
    path.write_text(edited(path.read_text(), ('version: "2.0"', 'version: "summer"')))
    assert main(["bump", str(directory), "--effective", "2027-01-01"]) == 2
    assert capsys.readouterr().err == (
        "im-history/2026-01-01.yaml: error: version label 'summer' has no number to increase [version-label]\n"
        "hint: give the new label with --version\n"
    )
    assert not (directory / "2027-01-01.yaml").exists()


@pytest.mark.parametrize(("label", "after"), [("1", "2"), ("9", "10"), ("2024.9", "2024.10"), ("v07", "v08"), ("1.2-beta", "1.3-beta")])
def test_next_label_counts_up_the_last_number(label, after):
    assert next_label(label) == after
