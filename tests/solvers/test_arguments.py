"""The tolerant argument normaliser: packaging removed, nothing made up."""

import pytest

from solvers._arguments import addresses, paths, same_token, token, unquote


@pytest.mark.parametrize(
    "given, valid, invalid",
    [
        ('"martin.keel@corvane.com",', ["martin.keel@corvane.com"], []),
        ("Martin Keel <Martin.Keel@corvane.com>", ["martin.keel@corvane.com"], []),
        ('"Keel, Martin" <m@corvane.com>; d@corvane.com', ["m@corvane.com", "d@corvane.com"], []),
        ("a@x.com and b@y.org\nc@z.io", ["a@x.com", "b@y.org", "c@z.io"], []),
        ("mailto:k@corvane.com", ["k@corvane.com"], []),
        ('["a@x.com", "b@y.org"]', ["a@x.com", "b@y.org"], []),
        (["a@x.com", "<b@y.org>"], ["a@x.com", "b@y.org"], []),
        ("a@x.com, a@x.com", ["a@x.com"], []),
        # never made up: a name alone, a domain without a suffix, two @ signs
        ("Martin Keel", [], ["Martin Keel"]),
        ("martin.keel@corvane", [], ["martin.keel@corvane"]),
        ("a@b.com@evil", [], ["a@b.com@evil"]),
        ("a@x.com, Claire", ["a@x.com"], ["Claire"]),
        ("", [], []),
    ],
)
def test_addresses(given, valid, invalid):
    assert addresses(given) == (valid, invalid)


def test_tokens_and_codes():
    assert unquote('  "Hello, Martin.",  ') == "Hello, Martin."
    assert unquote("'\"4471\"'") == "4471"
    assert token("'ENV-B-2291'.") == "ENV-B-2291"
    assert same_token(' "4471-orx", ', "4471-ORX")
    assert not same_token("4471 ORX", "4471-ORX")  # interior characters are never changed
    assert paths('"/a/b.md", /c.md;') == ["/a/b.md", "/c.md"]
