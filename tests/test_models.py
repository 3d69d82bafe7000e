"""The shipped models: verified files, everyday sentences and texts without a letter at the level reached."""

import json

import pytest
from conftest import ROOT

from sentiment.evaluate import (ADVICE, EVERYDAY, EVERYDAY_EIGHTEENTH, EVERYDAY_EIGHTH, EVERYDAY_ELEVENTH,
                                EVERYDAY_FIFTEENTH, EVERYDAY_FIFTH, EVERYDAY_FOURTEENTH, EVERYDAY_NINETEENTH,
                                EVERYDAY_NINTH, EVERYDAY_SETS, EVERYDAY_SEVENTEENTH, EVERYDAY_SEVENTH,
                                EVERYDAY_SIXTEENTH, EVERYDAY_TENTH, EVERYDAY_THIRTEENTH, EVERYDAY_TWELFTH,
                                EVERYDAY_TWENTIETH, EVERYDAY_TWENTY_FIRST, EVERYDAY_TWENTY_SECOND,
                                EVERYDAY_TWENTY_THIRD, EXCLAMATIONS, IMPLICIT, IMPLICIT_SECOND, IMPLICIT_THIRD, MODAL,
                                NEGATION, QUESTIONS, QUESTIONS_FOURTH, QUESTIONS_SECOND, QUESTIONS_THIRD, SHORT_REVIEWS,
                                SHORT_REVIEWS_SECOND, everyday_accuracy, everyday_set, letterless_accuracy,
                                letterless_set, unaccented)
from sentiment.model import LanguageIdentifier, load_models
from sentiment.store import verify
from sentiment.text import normalize

MODELS = ROOT / "models"
MANIFEST = json.loads((MODELS / "manifest.json").read_text(encoding="utf-8"))["models"]
# Everyday-sentence accuracy (%) of the shipped models, language named and auto-detected, set by set: the level
# reached when they were built (models/README.md); a rebuild may lose one sentence a language, not more.
FLOORS = {
    EVERYDAY: {"en": (96.7, 96.7), "fr": (96.7, 96.7), "de": (100.0, 100.0), "it": (100.0, 100.0), "es": (100.0, 100.0),
               "pt": (100.0, 100.0), "ar": (50.0, 50.0), "hi": (36.7, 36.7)},
    # Sentences with negated sentiment words ("not bad").
    NEGATION: {"en": (100.0, 100.0), "fr": (85.7, 85.7), "de": (92.9, 92.9), "it": (100.0, 100.0),
               "es": (78.6, 78.6), "pt": (92.9, 85.7)},
    # A modal before a comparative ("could have been better", "couldn't be better").
    MODAL: {"en": (100.0, 100.0), "fr": (100.0, 100.0), "de": (88.9, 88.9), "it": (100.0, 100.0), "es": (66.7, 66.7),
            "pt": (77.8, 77.8)},
    # Advice put with a comparative or superlative ("It's best to book early.").
    ADVICE: {"en": (100.0, 100.0), "fr": (100.0, 100.0), "de": (44.4, 44.4), "it": (100.0, 100.0), "es": (66.7, 66.7),
             "pt": (88.9, 88.9)},
    # Sentiment told by events ("The train was two hours late."), a second such set, written before the plain
    # training sentences about events, and a third, written after them.
    IMPLICIT: {"en": (75.0, 75.0), "fr": (83.3, 83.3), "de": (75.0, 75.0), "it": (91.7, 91.7), "es": (41.7, 41.7),
               "pt": (83.3, 83.3)},
    IMPLICIT_SECOND: {"en": (75.0, 75.0), "fr": (83.3, 83.3), "de": (75.0, 75.0), "it": (83.3, 83.3),
                      "es": (66.7, 66.7), "pt": (100.0, 100.0)},
    IMPLICIT_THIRD: {"en": (58.3, 58.3), "fr": (83.3, 83.3), "de": (66.7, 66.7), "it": (83.3, 83.3),
                     "es": (75.0, 75.0), "pt": (83.3, 83.3)},
    # Short reviews as people type them under a product ("Broke on day two.").
    SHORT_REVIEWS: {"en": (83.3, 83.3), "fr": (91.7, 91.7), "de": (83.3, 83.3), "it": (66.7, 66.7), "es": (66.7, 66.7),
                    "pt": (83.3, 75.0)},
    SHORT_REVIEWS_SECOND: {"en": (83.3, 83.3), "fr": (79.2, 79.2), "de": (75.0, 75.0), "it": (83.3, 79.2),
                           "es": (87.5, 87.5), "pt": (83.3, 83.3)},
    # Questions, exclamations and texts without a final mark ("Do you deliver on Saturdays?"), and a second such set.
    QUESTIONS: {"en": (87.5, 87.5), "fr": (87.5, 87.5), "de": (79.2, 79.2), "it": (75.0, 75.0), "es": (79.2, 79.2),
                "pt": (83.3, 83.3)},
    QUESTIONS_SECOND: {"en": (83.3, 83.3), "fr": (87.5, 87.5), "de": (87.5, 87.5), "it": (91.7, 91.7),
                       "es": (79.2, 79.2), "pt": (83.3, 87.5)},
    # Questions alone ("Why does the lift break down every single week?"), and a second such set.
    QUESTIONS_THIRD: {"en": (72.2, 72.2), "fr": (77.8, 77.8), "de": (66.7, 66.7), "it": (66.7, 66.7),
                      "es": (61.1, 61.1), "pt": (61.1, 55.6)},
    QUESTIONS_FOURTH: {"en": (55.6, 55.6), "fr": (77.8, 77.8), "de": (77.8, 77.8), "it": (66.7, 66.7),
                       "es": (61.1, 61.1), "pt": (66.7, 66.7)},
    # Statements ending in "!" ("Bins are collected on Tuesday this week!").
    EXCLAMATIONS: {"en": (77.8, 77.8), "fr": (72.2, 72.2), "de": (83.3, 83.3), "it": (100.0, 100.0),
                   "es": (83.3, 83.3), "pt": (83.3, 77.8)},
    # The fifth set, written before the plain training sentences, the seventh, written before the second 180 of
    # each language, the eighth, written before the third 180, the ninth, written before the fourth 180, the tenth,
    # written after them, the eleventh, written after the review words, the twelfth, written before the eleventh's
    # misses were read, the thirteenth, written before the French and Italian review words were measured on it, the
    # fourteenth, written after French's DEFT 2015 tweets and German's SB-10k at 400 a class were adopted, the
    # fifteenth, written in the next session before any change of it, the sixteenth, written after the negated
    # modals and the spellings without accents, the seventeenth, written at the start of a later session, and the
    # eighteenth, at the start of the session after, the nineteenth, after that session's changes, and the twentieth,
    # at the start of the session after the French and Portuguese lexicon corrections.
    EVERYDAY_FIFTH: {"en": (95.8, 95.8), "fr": (95.8, 95.8), "de": (91.7, 91.7), "it": (95.8, 95.8),
                     "es": (95.8, 95.8), "pt": (100.0, 100.0)},
    EVERYDAY_SEVENTH: {"en": (100.0, 100.0), "fr": (95.8, 95.8), "de": (79.2, 79.2), "it": (91.7, 91.7),
                       "es": (100.0, 100.0), "pt": (95.8, 95.8)},
    EVERYDAY_EIGHTH: {"en": (91.7, 91.7), "fr": (91.7, 91.7), "de": (95.8, 95.8), "it": (87.5, 87.5),
                      "es": (91.7, 91.7), "pt": (91.7, 91.7)},
    EVERYDAY_NINTH: {"en": (87.5, 87.5), "fr": (95.8, 95.8), "de": (95.8, 95.8), "it": (91.7, 91.7),
                     "es": (87.5, 87.5), "pt": (95.8, 95.8)},
    EVERYDAY_TENTH: {"en": (83.3, 83.3), "fr": (95.8, 95.8), "de": (95.8, 95.8), "it": (95.8, 95.8),
                     "es": (95.8, 95.8), "pt": (87.5, 87.5)},
    EVERYDAY_ELEVENTH: {"en": (95.8, 95.8), "fr": (100.0, 100.0), "de": (91.7, 91.7), "it": (91.7, 91.7),
                        "es": (87.5, 87.5), "pt": (87.5, 87.5)},
    EVERYDAY_TWELFTH: {"en": (87.5, 87.5), "fr": (91.7, 91.7), "de": (91.7, 91.7), "it": (91.7, 91.7),
                       "es": (91.7, 91.7), "pt": (91.7, 91.7)},
    EVERYDAY_THIRTEENTH: {"en": (95.8, 95.8), "fr": (79.2, 79.2), "de": (95.8, 95.8), "it": (95.8, 95.8),
                          "es": (91.7, 91.7), "pt": (95.8, 95.8)},
    EVERYDAY_FOURTEENTH: {"en": (95.8, 95.8), "fr": (83.3, 83.3), "de": (91.7, 91.7), "it": (95.8, 95.8),
                          "es": (83.3, 83.3), "pt": (83.3, 83.3)},
    EVERYDAY_FIFTEENTH: {"en": (100.0, 100.0), "fr": (95.8, 95.8), "de": (100.0, 100.0), "it": (100.0, 100.0),
                         "es": (95.8, 95.8), "pt": (87.5, 87.5)},
    EVERYDAY_SIXTEENTH: {"en": (87.5, 87.5), "fr": (87.5, 87.5), "de": (100.0, 100.0), "it": (87.5, 87.5),
                         "es": (83.3, 83.3), "pt": (100.0, 100.0)},
    EVERYDAY_SEVENTEENTH: {"en": (87.5, 87.5), "fr": (91.7, 91.7), "de": (100.0, 100.0), "it": (95.8, 95.8),
                           "es": (87.5, 87.5), "pt": (100.0, 100.0)},
    EVERYDAY_EIGHTEENTH: {"en": (91.7, 91.7), "fr": (100.0, 100.0), "de": (87.5, 87.5), "it": (91.7, 91.7),
                          "es": (87.5, 87.5), "pt": (100.0, 100.0)},
    EVERYDAY_NINETEENTH: {"en": (95.8, 95.8), "fr": (91.7, 91.7), "de": (100.0, 100.0), "it": (95.8, 95.8),
                          "es": (95.8, 95.8), "pt": (91.7, 91.7)},
    EVERYDAY_TWENTIETH: {"en": (87.5, 87.5), "fr": (83.3, 83.3), "de": (91.7, 91.7), "it": (95.8, 95.8),
                         "es": (79.2, 79.2), "pt": (87.5, 87.5)},
    EVERYDAY_TWENTY_FIRST: {"en": (87.5, 87.5), "fr": (91.7, 91.7), "de": (91.7, 91.7), "it": (91.7, 91.7),
                            "es": (87.5, 87.5), "pt": (87.5, 87.5)},
    EVERYDAY_TWENTY_SECOND: {"en": (91.7, 91.7), "fr": (100.0, 100.0), "de": (87.5, 87.5), "it": (83.3, 83.3),
                             "es": (95.8, 95.8), "pt": (87.5, 87.5)},
    EVERYDAY_TWENTY_THIRD: {"en": (91.7, 91.7), "fr": (87.5, 87.5), "de": (79.2, 79.2), "it": (87.5, 87.5),
                            "es": (91.7, 87.5), "pt": (87.5, 87.5)},
}
# The same, on the twenty-three sets' sentences with accents typed without them ("genial", "schoen";
# evaluate.unaccented).
UNACCENTED_FLOOR = {"fr": (91.0, 90.4), "de": (91.6, 91.6), "es": (90.3, 90.3)}
# Accuracy (%) on the texts without a letter (emoji, emoticons, numbers) of each shipped model, as built.
LETTERLESS_FLOOR = {"en": 100.0, "fr": 94.4, "de": 100.0, "it": 100.0, "es": 94.4, "pt": 100.0, "ar": 88.9,
                    "hi": 58.3}


@pytest.fixture(scope="module")
def shipped():
    return load_models(MODELS)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_shipped_file_matches_the_manifest_and_fits(name):
    entry = MANIFEST[name]
    verify(MODELS / entry["file"], entry)
    assert entry["size"] <= 2_000_000
    if "lexicon" in entry:
        verify(MODELS / entry["lexicon"]["file"], entry["lexicon"])


@pytest.mark.parametrize("path", FLOORS, ids=lambda path: path.name)
def test_everyday_sentences_stay_at_the_level_reached(shipped, path):
    _assert_floors(shipped, everyday_set(path), FLOORS[path])


def test_sentences_typed_without_accents_stay_at_the_level_reached(shipped):
    rows = unaccented([row for path in EVERYDAY_SETS for row in everyday_set(path)])
    assert {code for code, _, _ in rows} == set(UNACCENTED_FLOOR)
    _assert_floors(shipped, rows, UNACCENTED_FLOOR)


def _assert_floors(shipped, rows, floors):
    results = everyday_accuracy(*shipped, rows)
    for language, (named, auto) in floors.items():
        one_sentence = 100 / sum(code == language for code, _, _ in rows)
        assert results[language][0] >= named - one_sentence - 0.1, (language, results[language])
        assert results[language][1] >= auto - one_sentence - 0.1, (language, results[language])


def test_texts_without_a_letter_stay_at_the_level_reached(shipped):
    rows = letterless_set()
    results = letterless_accuracy(shipped[0], rows)
    for language, floor in LETTERLESS_FLOOR.items():
        assert results[language] >= floor - 100 / len(rows) - 0.1, (language, results[language])


def test_portuguese_read_as_spanish_goes_to_portuguese_by_its_own_words():
    lid = LanguageIdentifier(MODELS / "lid.176.ftz")
    tokens = normalize("Quebrou no segundo dia.")
    assert lid.languages(tokens)[0][0] == "es"  # lid.176 alone; Portuguese second, at 0.39
    assert lid.detect(tokens, "en", {"es", "pt"}) == "pt"  # "dia" is Portuguese's own, Spanish writes "día"
    assert lid.detect(tokens, "en", {"en", "es"}) == "es"
    assert lid.detect(normalize("Se rompió al segundo día."), "en", {"es", "pt"}) == "es"
