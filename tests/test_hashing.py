"""`engine.core.hashing.sha256` gives `hashlib.sha256`'s digests (the cache keys and the invoices' tariff sha256)."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from engine.core import hashing


def test_a_known_digest():
    # SHA-256 of "abc", from FIPS 180-2, appendix B.1
    assert hashing.sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@given(st.lists(st.binary(max_size=300), max_size=4))
def test_the_digests_are_hashlibs(parts):
    ours, reference = hashing.sha256(), hashlib.sha256()
    for part in parts:
        ours.update(part)
        reference.update(part)
    assert ours.hexdigest() == reference.hexdigest()
    assert hashing.sha256(b"".join(parts)).hexdigest() == reference.hexdigest()
