"""The pure finder of a person's words in other people's text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.scrub import MARKER, Person, scrub_json, scrub_text

ZEB = Person.of(
    literals=["zeb@viewer.example", "Zebulon Quixwright"],
    words=["Zebulon", "Quixwright"],
    quoted=["Our channel freezes every evening at eight.\nThanks a lot"],
    fragments=["Stream freezes on the Xylocarp channel"],
)


def test_quotes_names_addresses_and_cut_subjects_go_and_the_rest_stays():
    text = (
        "Hi Zebulon,\n> anything quoted mail-style\nour channel  FREEZES every evening at eight.\n"
        "Write to ZEB@viewer.example. Zebulonian is another word.\n"
        "Page: Stream freezes on the Xyloc... (SD-1001)\nThanks a lot"
    )
    out, n = scrub_text(text, ZEB)
    assert out == (
        f"Hi {MARKER},\n{MARKER}\n"
        f"Write to {MARKER}. Zebulonian is another word.\n"
        f"Page: {MARKER}... (SD-1001)\nThanks a lot"
    )
    assert n == 5  # two quoted lines, a cut subject, the address, the first name
    assert scrub_text("", ZEB) == ("", 0) and scrub_text("nothing here", Person.of()) == ("nothing here", 0)


def test_json_strings_are_scrubbed_and_named_keys_dropped():
    data = {"comment": "great", "by": ["zeb@viewer.example", 3, None], "nested": {"to": "Zebulon Quixwright"}}
    out, n = scrub_json(data, ZEB, drop_keys=frozenset({"comment"}))
    assert out == {"by": [MARKER, 3, None], "nested": {"to": MARKER}} and n == 3


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="abzZeE .>\n@", max_size=80) | st.just("Zebulon Quixwright"))
def test_scrubbing_twice_changes_nothing_more(text):
    once, _ = scrub_text(text, ZEB)
    assert scrub_text(once, ZEB)[0] == once
    for literal in ZEB.literals:
        assert literal.casefold() not in once.casefold() or literal.casefold() in MARKER
