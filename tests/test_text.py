"""Text normalisation: one function for training and serving, keeping sentiment signal."""

import random

import pytest
from conftest import ROOT

from sentiment.text import _TOKEN, looks_plain, normalize, tokenize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("This is GREAT!", "this is great !"),
        ("see https://t.co/abc123?x=1 and www.example.com/page", "see http and http"),
        ("@Bob_99 thanks @user", "@user thanks @user"),
        ("Fish &amp; chips &lt;3", "fish & chips <3"),
        ("<p>Hello <b>world</b></p>", "hello world"),
        ("a < b and c > d", "a < b and c > d"),
        ("soooooo goooood!!!!!!", "sooo goood ! ! !"),
        ("love it :) :-( ;D <3 :/", "love it :) :-( ;d <3 :/"),
        ("yes 😀😀 👍🏽", "yes 😀 😀 👍 🏽"),
        ("#Happy #monday", "# happy # monday"),
        ("don't can’t", "don't can’t"),
        ("okay i\\u2019m fine\\u002c thanks", "okay i’m fine , thanks"),
        ("smile \\ud83d\\ude00 \\uD83D\\uDE00", "smile 😀 😀"),
        ("lone \\ud83d and \\ude00 halves", "lone and halves"),
        ("<a href='x'>link</a><!-- note --><br/>end", "link end"),
        ("<![ > <b", "< b"),
        ("line one\nline two\ttab", "line one line two tab"),
        ("Ça VA très bien", "ça va très bien"),
        ("नमस्ते दुनिया। बहुत अच्छा", "नमस्ते दुनिया । बहुत अच्छा"),
        ("كِتَاب جميل", "كِتَاب جميل"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, plain", [
    ("The train leaves at eight.", True), ("  Das ist großartig!  ", True), ("Ça va ?", True),
    ("The train leaves at eight", True), ("Das ist gut", True), ("the train leaves at eight.", False),
    ("das ist gut", False), ("8 o'clock", False),
    ("One two three four five six seven eight nine ten eleven twelve", True),
    ("One two three four five six seven eight nine ten eleven twelve thirteen", False),
    ("One two three four five six seven eight nine ten eleven twelve thirteen.", True),
    ("Great day @anna!", False), ("Great day #summer!", False), ("See https://example.com today.", False),
    ("Great day 😀!", False), ("great day 😀", False), ("www.example.com", False),
])
def test_looks_plain_tells_a_plain_sentence_from_a_post(text, plain):
    assert looks_plain(text) is plain


@pytest.mark.parametrize("text, plain", [
    ("das ist gut", True), ("the train leaves at eight.", True), ("The train leaves at eight.", True),
    ("ça va ?", True), ("8 o'clock", False), ("great day 😀", False), ("great day @anna", False),
    ("one two three four five six seven eight nine ten eleven twelve thirteen", False),
])
def test_looks_plain_in_lower_case_takes_any_letter_first(text, plain):
    assert looks_plain(text, lower_case=True) is plain


def test_output_is_one_line_of_single_spaced_tokens():
    out = normalize("a\r\nb\x00c\u2028d   e")
    assert out == "a b c d e"


# Characters that decide token boundaries: emoticon parts, word joiners, marks, digits, spaces, controls.
TRICKY = "ad8o3_'’:;=<>()[]/\\|{}@#!?,-*.\"&…« \t\n\x00\x1f\u00a0\u2028\u0301\u0900\u093f\u200c\u200d\ufe0f²½٣éß😀🏽"


def test_tokenize_finds_the_full_patterns_tokens():
    """The plain-word shortcut gives the same tokens as the full pattern over the whole text."""
    rng = random.Random(0)
    texts = ["d8 do8 d8x ado8 d: d8. d8x, do. x_y ²³ ½ ٣ @user @users @user!", "ｄ８ do",
             '"d8 #d8 (great!) "hello" ...!!! #monday, «oui» d8… &amp; a"b #_x #:( ":) "8) x.d8 (8 #é\u0301',
             *(ROOT / "sentiment" / "everyday.tsv").read_text(encoding="utf-8").splitlines(),
             *(ROOT / "bench" / "sample.txt").read_text(encoding="utf-8").splitlines()]
    texts += ["".join(rng.choice(TRICKY) for _ in range(rng.randrange(1, 40))) for _ in range(20_000)]
    for text in texts:
        assert tokenize(text) == " ".join(_TOKEN.findall(text)), repr(text)
