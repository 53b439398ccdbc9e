"""`tariff validate`: each rule has a broken fixture and its exact diagnostic text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, TARIFFS

from engine.authoring.validate import validate
from engine.cli import main

BROKEN = Path("broken")  # from FIXTURES, the current directory of these tests: diagnostics name files as given


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)

# One broken file per rule: the whole output of `tariff validate FILE`, then the exit code.
RULES = {
    "unknown-name": (
        "broken/unknown-name.yaml:51:11: error: charges.storage.when: unknown name 'storage' "
        "(known names: messages, sandbox, seats, storage_gb, support) [unknown-name]\n"
        "hint: did you mean 'storage_gb'?\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "expression-syntax": (
        "broken/expression-syntax.yaml:52:28: error: charges.storage.quantity: 'storage_gb - * 1' does not parse: "
        "invalid syntax, at '* 1' [expression-syntax]\n"
        "hint: an expression is one formula, such as ceil(max(0, dau - 10000) / 10000); check its brackets and operators\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "tier-order": (
        "broken/tier-order.yaml:46:17: error: charges.messages.tiers[1].up_to: 500 is not above the previous tier's up_to "
        "(1000); tiers must be in ascending order [tier-order]\n"
        "hint: list tiers in ascending order of up_to; each covers the quantities above the previous tier's up_to up to its own\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "tier-overlap": (
        "broken/tier-overlap.yaml:46:17: error: charges.messages.tiers[1].above: 900 overlaps the previous tier, "
        "which covers quantities up to 1000 [tier-overlap]\n"
        "hint: write above: 1000 (the previous tier's up_to)\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "tier-gap": (
        "broken/tier-gap.yaml:47:17: error: charges.messages.tiers[2].above: 12000 leaves a gap: the previous tier ends at "
        "10000, so quantities above 10000 up to 12000 have no price [tier-gap]\n"
        "hint: write above: 10000 (the previous tier's up_to)\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "unknown-edition": (
        "broken/unknown-edition.yaml:39:21: error: charges.seats: edition 'premium' does not exist (editions: basic, pro) "
        "[unknown-edition]\n"
        "hint: declare 'premium' under editions, or take it off this charge\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "option-table-empty": (
        "broken/option-table-empty.yaml:60:16: error: charges.support.editions.pro.table: offers no value: "
        "an option table lists at least one {value, price} [option-table]\n"
        "hint: The values offered and the price of each for the billing period; a value not listed is refused on this edition\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "option-table-duplicate": (
        "broken/option-table-duplicate.yaml:63:21: error: charges.support.editions.pro.table[2].value: 10 is offered twice "
        "(first at charges.support.editions.pro.table[0]) [option-table]\n"
        "hint: offer each value once, with one price\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
    "unknown-option": (
        "broken/unknown-option.yaml:24:3: warning: options.support: option 'support' is declared but no charge prices it "
        "[unused-option]\n"
        "hint: price it with an 'option' or 'trial' charge, or remove it\n"
        "broken/unknown-option.yaml:57:13: error: charges.support.option: option 'suport' is not declared "
        "(options: support, sandbox) [unknown-option]\n"
        "hint: did you mean 'support'?\n"
        "checked 1 file: 1 error, 1 warning\n",
        1,
    ),
    "unused-meter": (
        "broken/unused-meter.yaml:21:3: warning: meters.api_calls: meter 'api_calls' is declared but no charge uses it "
        "[unused-meter]\n"
        "hint: use it in a charge's quantity, included or when, or remove it\n"
        "checked 1 file: 0 errors, 1 warning\n",
        0,
    ),
    "money-scale": (
        "broken/money-scale.yaml:32:20: error: charges.plan.editions.pro.price: 49.505 has 3 decimals, "
        "more than the rounding scale of 2 [money-scale]\n"
        "hint: this price is billed as it is and rounded to 2 decimals; write it as the price list does\n"
        "checked 1 file: 1 error, 0 warnings\n",
        1,
    ),
}

# Rules between versions need a tariff directory.
DIRECTORY_RULES = {
    "version-name": (
        "broken/version-name/demo/2024-03-01.yaml:4:17: error: file 2024-03-01.yaml holds effective_from 2024-02-01; "
        "a version file is named by its date [version-name]\n"
        "hint: rename the file to 2024-02-01.yaml, or correct effective_from\n"
        "checked 2 files: 1 error, 0 warnings\n",
        1,
    ),
    "version-duplicate": (
        "broken/version-duplicate/demo/2025-01-01.yaml:4:17: error: file 2025-01-01.yaml holds effective_from 2024-01-01; "
        "a version file is named by its date [version-name]\n"
        "hint: rename the file to 2024-01-01.yaml, or correct effective_from\n"
        "broken/version-duplicate/demo/2025-01-01.yaml:4:17: error: two versions take effect on 2024-01-01: demo/2024-01-01.yaml and "
        "demo/2025-01-01.yaml [version-duplicate]\n"
        "hint: each version takes effect on its own date; a price change is a new file with a later effective_from\n"
        "checked 2 files: 2 errors, 0 warnings\n",
        1,
    ),
    "stray-file": (
        "broken/stray-file/demo/2025-1-1.yaml: warning: 2025-1-1.yaml is neither a version file (YYYY-MM-DD.yaml) nor a scenario file: "
        "the engine does not read it [stray-file]\n"
        "hint: name a version file after its effective_from (2024-01-01.yaml), or move the file out of the tariff directory\n"
        "checked 1 file: 0 errors, 1 warning\n",
        0,
    ),
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_has_its_exact_diagnostic(rule, capsys):
    expected, exit_code = RULES[rule]
    assert run(capsys, str(BROKEN / f"{rule}.yaml")) == (exit_code, expected, "")


@pytest.mark.parametrize("rule", DIRECTORY_RULES)
def test_each_rule_between_versions_has_its_exact_diagnostic(rule, capsys):
    expected, exit_code = DIRECTORY_RULES[rule]
    assert run(capsys, str(BROKEN / rule)) == (exit_code, expected, "")


def test_the_shipped_tariffs_and_the_demo_fixture_are_clean(capsys):
    assert run(capsys, str(TARIFFS), str(FIXTURES / "demo")) == (0, "checked 3 files: no problems\n", "")


def test_every_problem_of_every_file_in_one_run(capsys):
    files = sorted(str(p) for p in BROKEN.glob("*.yaml"))
    code, out, _ = run(capsys, *files, str(BROKEN))
    assert code == 1
    found = sorted(line.split(" [")[-1].rstrip("]") for line in out.splitlines() if ": error: " in line or ": warning: " in line)
    per_file = ["unknown-name", "expression-syntax", "tier-order", "tier-overlap", "tier-gap", "unknown-edition", "option-table"]
    per_file += ["option-table", "unused-option", "unknown-option", "unused-meter", "money-scale"]
    assert found == sorted([*per_file, "version-name", "version-name", "version-duplicate", "stray-file"])
    assert out.endswith(f"checked {len(files) + 5} files: 13 errors, 3 warnings\n")


def test_several_problems_in_one_file_are_all_reported_in_document_order(tmp_path, capsys):
    text = (BROKEN / "unknown-name.yaml").read_text()
    text = text.replace("pro: {price: 49.50}", "pro: {price: 49.505}").replace("{above: 10000, up_to: null", "{above: 12000, up_to: null")
    (tmp_path / "many.yaml").write_text(text)
    code, out, _ = run(capsys, str(tmp_path / "many.yaml"))
    rules = [line.split(" [")[-1] for line in out.splitlines() if line.startswith(f"{tmp_path / 'many.yaml'}:")]
    assert (code, rules) == (1, ["money-scale]", "tier-gap]", "unknown-name]"])


def test_json_format_carries_the_diagnostics_and_the_path_on_disk(capsys):
    path = BROKEN / "tier-gap.yaml"
    code, out, _ = run(capsys, str(path), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["errors"] == 1 and report["warnings"] == 0 and report["files"] == [str(path)]
    assert report["diagnostics"] == [
        {
            "severity": "error",
            "rule": "tier-gap",
            "message": "charges.messages.tiers[2].above: 12000 leaves a gap: the previous tier ends at 10000, "
            "so quantities above 10000 up to 12000 have no price",
            "file": "broken/tier-gap.yaml",
            "line": 47,
            "column": 17,
            "path": "charges.messages.tiers[2].above",
            "hint": "write above: 10000 (the previous tier's up_to)",
            "filename": str(path),
        }
    ]


def test_github_format_annotates_the_file_in_the_repository(capsys):
    code, out, _ = run(capsys, str(BROKEN / "version-name"), "--format", "github")
    assert code == 1
    assert out == (
        f"::error file={BROKEN}/version-name/demo/2024-03-01.yaml,line=4,col=17,title=version-name::"
        "file 2024-03-01.yaml holds effective_from 2024-02-01; a version file is named by its date"
        "%0Ahint: rename the file to 2024-02-01.yaml, or correct effective_from\n"
        "checked 2 files: 1 error, 0 warnings\n"
    )


def test_a_path_that_cannot_be_checked_exits_2_and_the_rest_is_still_checked(tmp_path, capsys):
    code, out, err = run(capsys, str(tmp_path / "missing.yaml"), str(tmp_path), str(BROKEN / "tier-gap.yaml"))
    assert code == 2
    assert out.endswith("checked 1 file: 1 error, 0 warnings\n")
    assert err == (
        f"{tmp_path / 'missing.yaml'}: error: no such file or directory [io]\n"
        f"{tmp_path}: error: no tariff version files (YYYY-MM-DD.yaml) or scenario files under this directory [io]\n"
    )


def test_scenario_files_are_checked_against_their_schema(tmp_path, capsys):
    directory = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", directory)
    (directory / "scenarios.yaml").write_text(
        "scenarios:\n"
        "  - name: basic plan\n"
        "    usage: {edition: basic}\n"
        "    expect: {total: 10.00, lines: {plan: '10.00'}}\n"
        "  - name: basic plan\n"
        "    usage: {edition: basic}\n"
        "    expect: {total: '10.00', lines: {plan: '10.00'}}\n"
    )
    code, out, _ = run(capsys, str(directory))
    assert (code, out) == (
        1,
        f"{directory / 'scenarios.yaml'}:4:21: error: scenarios[0].expect.total: expected text, got number 10.00 [schema]\n"
        'hint: An exact decimal in quotes ("449.99"), compared as a decimal ("449.990" equals it)\n'
        "checked 2 files: 1 error, 0 warnings\n",
    )
    (directory / "scenarios.yaml").write_text((directory / "scenarios.yaml").read_text().replace("total: 10.00", "total: '10.00'"))
    code, out, _ = run(capsys, str(directory / "scenarios.yaml"))
    assert (code, out) == (
        1,
        f"{directory / 'scenarios.yaml'}:5:11: error: scenarios[1].name: 'basic plan' is already the name of scenarios[0] [scenario-name]\n"
        "hint: give every scenario of a file its own name: it names the test\n"
        "checked 1 file: 1 error, 0 warnings\n",
    )


def test_an_unknown_name_known_on_another_edition_says_so(tmp_path):
    text = (FIXTURES / "demo" / "2024-01-01.yaml").read_text()
    text = text.replace("    price: 20.00\n    editions: [pro]\n", "    price: 20.00\n    editions: [basic, pro]\n")
    (tmp_path / "attr.yaml").write_text(text)
    [problem] = validate([tmp_path / "attr.yaml"]).diagnostics
    assert str(problem) == (
        f"{tmp_path / 'attr.yaml'}:38:15: error: charges.seats.included: unknown name 'included_seats' on edition basic: "
        "it is an attribute of pro only [unknown-name]\n"
        "hint: declare it under editions.basic.attributes too, or take basic off this charge"
    )


def test_validate_reads_a_file_given_twice_once(capsys):
    path = str(BROKEN / "tier-gap.yaml")
    code, out, _ = run(capsys, path, path)
    assert (code, out.count("[tier-gap]"), out.splitlines()[-1]) == (1, 1, "checked 1 file: 1 error, 0 warnings")


def test_a_yaml_indentation_mistake_gets_a_hint(tmp_path, capsys):
    text = (FIXTURES / "demo" / "2024-01-01.yaml").read_text().replace("  seats:\n    model: blocks", "  seats:\n   model: blocks")
    (tmp_path / "indent.yaml").write_text(text)
    assert run(capsys, str(tmp_path / "indent.yaml")) == (
        1,
        f"{tmp_path / 'indent.yaml'}:37:13: error: mapping values are not allowed here [yaml-syntax]\n"
        "hint: check this line's indentation against the lines above, or quote a value that holds ': '\n"
        "checked 1 file: 1 error, 0 warnings\n",
        "",
    )


def test_strict_makes_a_warning_fail(capsys):
    path = str(BROKEN / "unused-meter.yaml")  # one warning, no error
    assert run(capsys, path)[0] == 0
    code, out, _ = run(capsys, path, "--strict")
    assert (code, out.splitlines()[-1]) == (1, "checked 1 file: 0 errors, 1 warning")


def test_a_unit_price_finer_than_the_rounding_is_no_problem(capsys):
    # 0.0075 per message is a real rate: only the amount (quantity × rate) is rounded to the scale
    text = (FIXTURES / "sms-gateway" / "2023-07-01.yaml").read_text()
    assert "rounding: {scale: 2," in text and "unit_price: 0.0075}" in text
    code, out, _ = run(capsys, str(FIXTURES / "sms-gateway"), "--strict")
    assert (code, out) == (0, "checked 1 file: no problems\n")


def test_the_shipped_examples_pass(capsys):
    # examples/price-change/scenarios/ holds usage documents, not golden scenario files: they are not misread as such
    examples = FIXTURES.parent.parent / "examples"
    assert (examples / "price-change" / "scenarios").is_dir()
    assert run(capsys, str(examples), "--strict") == (0, "checked 1 file: no problems\n", "")
