"""Golden scenarios: every shipped scenario is a test of its own; `tariff test` reports and fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, TARIFFS

from engine.authoring import scenarios
from engine.cli import main

CASES = scenarios.collect(TARIFFS)


@pytest.mark.parametrize("case", CASES, ids=[scenario.name for _, scenario in CASES])
def test_golden_scenario(case):
    tariff, scenario = case
    outcome = scenarios.run(tariff, scenario)
    assert outcome.passed, f"{scenario.where}\n" + "\n".join(scenarios.difference_table(outcome.differences))


def test_the_im_scenarios_cover_every_rule_of_the_price_list():
    im = [scenario for tariff, scenario in CASES if tariff.id == "tencent-im"]
    covered = {rule for scenario in im for rule in scenario.rules}
    assert len(im) >= 20
    assert covered == {str(rule) for rule in range(1, 9)}


def test_tariff_test_runs_the_shipped_scenarios(capsys):
    code = main(["test"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "tariffs: tariffs (the nearest tariffs/ folder)\n")
    assert out.splitlines()[0] == (
        "PASS  tencent-im/scenarios.yaml:20  worked example of the rules, pro with 32,000 DAU and 90-day retention: 1979.95 USD"
    )
    assert out.splitlines()[-1] == f"{len(CASES)} scenarios: {len(CASES)} passed, 0 failed"


DEMO_SCENARIOS = """\
defaults: {account: acme, period: "2024-05"}
scenarios:
  - name: basic plan with few messages
    usage: {edition: basic, usage: {messages: 500, storage_gb: 0.5}}
    expect:
      # 10 (plan) + 500 messages in the free tier (0.00); storage 0.5 GB is under the 1 GB of the condition
      total: "10.00"
      lines: {plan: "10.00", messages: "0.00"}
  - name: wrong amount and a line not expected
    usage: {edition: basic, usage: {messages: 2000, storage_gb: 3}}
    expect:
      total: "11.00"
      lines: {plan: "10.00", messages: {amount: "1.00", quantity: "2000"}}
  - name: expected a refusal
    usage: {edition: basic, usage: {messages: 0, storage_gb: 0}}
    expect: {refusal: "edition: something"}
  - name: refused but expected an invoice
    usage: {edition: gold}
    expect: {total: "0.00", lines: {}}
"""


def demo_copy(tmp_path: Path, text: str, where: str = "scenarios.yaml") -> Path:
    directory = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", directory)
    (directory / where).parent.mkdir(exist_ok=True)
    (directory / where).write_text(text)
    return directory


def test_a_failing_scenario_prints_expected_and_actual_and_exits_1(tmp_path, capsys):
    directory = demo_copy(tmp_path, DEMO_SCENARIOS)
    code = main(["test", str(directory)])
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    # messages 2000: 1000 × 0 + 1000 × 0.0015 = 1.50; storage (3 − 1) × 0.125 = 0.25; 10.00 + 1.50 + 0.25 = 11.75
    assert out == (
        "PASS  demo/scenarios.yaml:3  basic plan with few messages: 10.00 EUR\n"
        "FAIL  demo/scenarios.yaml:9  wrong amount and a line not expected: 11.75 EUR\n"
        "                     expected  actual\n"
        "      line messages  1.00      1.50\n"
        "      line storage   (none)    0.25\n"
        "      total          11.00     11.75\n"
        "FAIL  demo/scenarios.yaml:14  expected a refusal: 10.00 EUR\n"
        "               expected            actual\n"
        "      outcome  refused             an invoice of 10.00 EUR\n"
        "      refusal  edition: something  (none)\n"
        "FAIL  demo/scenarios.yaml:17  refused but expected an invoice: refused\n"
        "               expected    actual\n"
        "      outcome  an invoice  refused\n"
        "      refusal              edition: 'gold' is not an edition of demo (editions: basic, pro)\n"
        "4 scenarios: 1 passed, 3 failed\n"
    )


def test_a_scenarios_directory_and_a_single_file_are_found(tmp_path, capsys):
    directory = demo_copy(tmp_path, DEMO_SCENARIOS.split("  - name: wrong")[0], "scenarios/basic.yaml")
    for path in (directory, directory / "scenarios", directory / "scenarios" / "basic.yaml", tmp_path):
        assert main(["test", str(path)]) == 0
        assert capsys.readouterr().out == (
            "PASS  demo/scenarios/basic.yaml:3  basic plan with few messages: 10.00 EUR\n1 scenario: 1 passed, 0 failed\n"
        )


def test_a_broken_scenario_file_cannot_be_run(tmp_path, capsys):
    directory = demo_copy(tmp_path, DEMO_SCENARIOS.replace('total: "10.00"', "total: 10.00"))
    assert main(["test", str(directory)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{directory / 'scenarios.yaml'}:7:14: error: scenarios[0].expect.total: expected text, got number 10.00 [schema]\n"
        'hint: An exact decimal in quotes ("449.99"), compared as a decimal ("449.990" equals it)\n'
    )


def test_no_scenarios_is_an_error_not_a_pass(tmp_path, capsys):
    assert main(["test", str(FIXTURES / "demo")]) == 2
    assert capsys.readouterr().err == f"{FIXTURES / 'demo'}: error: no scenario files (scenarios.yaml or scenarios/*.yaml) here [io]\n"
    assert main(["test", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nowhere'}: error: no such file or directory [io]\n"


def test_scenarios_of_a_broken_tariff_report_the_tariff_problems(tmp_path, capsys):
    directory = demo_copy(tmp_path, DEMO_SCENARIOS)
    version = directory / "2024-01-01.yaml"
    version.write_text(version.read_text().replace("when: storage_gb > 1", "when: storage > 1"))
    assert main(["test", str(directory)]) == 2
    assert "demo/2024-01-01.yaml:53:11: error: charges.storage.when: unknown name 'storage'" in capsys.readouterr().err
