"""The hand-written rater of the benchmark's tariff with commercial terms prices what the engine does."""

from __future__ import annotations

import engine
from benchmarks import terms


def test_the_terms_rater_and_the_engine_agree_on_every_document():
    tariff = engine.load_tariff(terms.TARIFF)
    documents = list(terms.documents(600))
    assert {("coupons" in d, "credits" in d) for d in documents} == {(False, False), (False, True), (True, False), (True, True)}
    for document in documents:
        assert engine.quote(tariff, document).to_json() == terms.rate(document).to_json()


def test_the_benchmark_tariff_takes_the_fast_path_with_its_adjustments():
    from engine.pricing.fastpath import fast_plan, quick_envelope

    tariff = engine.load_tariff(terms.TARIFF)
    version = tariff.versions[-1]
    for document in terms.documents(50):
        envelope = quick_envelope(document)
        assert envelope is not None
        rater = fast_plan(version, version.plans[document["edition"]])
        assert rater is not None and rater.invoice(envelope) is not None
