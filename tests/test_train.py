"""The training, cross-validation and evaluation pipeline on a tiny corpus in the UMSAB layout."""

import json
import math

import pytest
from conftest import TINY_QUANTIZE, TINY_TRAIN, tiny_lines

from sentiment import cv, evaluate, recipe, train
from sentiment.calibration import (TEMPERATURES, calibrate, expected_calibration_error, fit, fit_all, fit_smoothing,
                                   fit_temperature, log_loss, match_accuracy)
from sentiment.data import read_rows
from sentiment.lexicon import Lexicon, merge
from sentiment.model import MAX_BIAS, from_manifest
from sentiment.store import sha256_of
from sentiment.text import normalize

LABEL_IDS = {"negative": "0", "neutral": "1", "positive": "2"}
LEXICON = "lexicons/en/tiny.tsv"
SILVER = "unlabelled/en"


def write_corpus(folder, split, lines):
    folder.mkdir(parents=True, exist_ok=True)
    labels = [line.split(" ", 1)[0].removeprefix("__label__") for line in lines]
    texts = [line.split(" ", 1)[1] for line in lines]
    (folder / f"{split}_text.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (folder / f"{split}_labels.txt").write_text("\n".join(LABEL_IDS[label] for label in labels) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A tiny data folder: umsab/english train and val, one extra English corpus and one lexicon."""
    data = tmp_path_factory.mktemp("data")
    lines = tiny_lines("en")
    write_corpus(data / "umsab" / "english", "train", lines[::2])
    write_corpus(data / "umsab" / "english", "val", lines[1::2])
    write_corpus(data / "extra" / "en" / "more", "train", lines[1::2])
    (data / LEXICON).parent.mkdir(parents=True)
    (data / LEXICON).write_text("Great\t1\nlove\t1\nbad\t-1\nawful\t-1\nsad\t1\nsad\t-1\nnot one\t1\n",
                                encoding="utf-8")
    (data / SILVER).mkdir(parents=True)
    (data / SILVER / "news.txt").write_text("The bus leaves at eight.\nA great day, love it.\nNot bad at all.\n"
                                            "This is bad and awful.\nGreat but bad.\n\n", encoding="utf-8")
    return data


@pytest.fixture(autouse=True)
def tiny_recipe(monkeypatch):
    """Train with the tiny recipe: the real one takes minutes even on tiny data."""
    monkeypatch.setattr(recipe, "TRAIN", TINY_TRAIN)
    monkeypatch.setattr(recipe, "QUANTIZE", TINY_QUANTIZE)
    monkeypatch.setattr(recipe, "TUNED", {})
    monkeypatch.setattr(recipe, "QUANTIZE_TUNED", {})
    monkeypatch.setattr(recipe, "EXTRA", {})
    monkeypatch.setattr(recipe, "LEXICONS", {"en": [LEXICON]})
    monkeypatch.setattr(recipe, "SILVER", {"en": {SILVER: 1}})
    monkeypatch.setattr(recipe, "EMOJI_LINES", set())
    monkeypatch.setattr(recipe, "LEXICON_WEIGHT", {})
    monkeypatch.setattr(recipe, "STOP_WORDS", {})
    monkeypatch.setattr(recipe, "CLASS_BIAS", set())
    monkeypatch.setattr(recipe, "PLAIN", {})


def build(corpus, out, *languages):
    train.main(["--data", str(corpus), "--out", str(out), "--languages", ",".join(languages or ["en"]),
                "--folds", "2", "--repeats", "1"])
    return json.loads((out / "manifest.json").read_text())


def test_training_writes_verified_models_lexicons_and_a_manifest(corpus, tmp_path):
    out = tmp_path / "models"
    manifest = build(corpus, out)
    entry = manifest["models"]["en"]
    assert manifest["fasttext_version"].startswith("fasttext-numpy2 ")
    assert entry["file"] == "en.ftz" and entry["language"] == "en"
    assert entry["sha256"] == sha256_of(out / "en.ftz")
    assert entry["size"] == (out / "en.ftz").stat().st_size <= 2_000_000
    assert entry["lexicon"]["sha256"] == sha256_of(out / "en.lexicon.tsv")
    assert entry["lexicon"]["sources"] == [LEXICON, "sentiment/lexicons/emoji.tsv (this project)",
                                           "sentiment/lexicons/en.tsv (this project)"]
    assert entry["lexicon"]["entries"] == len((out / "en.lexicon.tsv").read_text(encoding="utf-8").splitlines())
    assert entry["lexicon"]["weight"] == 1
    assert sorted(entry["labels"]) == ["negative", "neutral", "positive"]
    assert entry["training_data"] == ["umsab/english (train+val)", "unlabelled/en (lexicon-labelled)"]
    assert entry["train_lines"] == len(tiny_lines("en")) + 3  # one silver line of each class
    assert entry["cv"]["macro_f1"] >= 60.0 and entry["cv"]["folds"] == 2
    assert 0.0 < entry["temperature"] and "bias" not in entry
    assert not list(out.glob("*.part"))
    model = from_manifest(out, "en", entry)
    assert model.temperature == entry["temperature"] and model.lexicon.polarities["great"] == 1


def test_a_one_vs_all_model_is_read_and_calibrated_as_a_softmax_one(corpus, tmp_path, monkeypatch):
    # Italian's recipe trains with fastText's one-vs-all loss: independent scores per class, which
    # SentimentModel.probabilities renormalises.
    monkeypatch.setattr(recipe, "TUNED", {"en": {"loss": "ova"}})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    model = from_manifest(out, "en", entry)
    for text, label in (("this is great", 2), ("i think it is terrible", 0), ("the bus schedule", 1)):
        row = model.probabilities(normalize(text))
        assert len(row) == 3 and math.isclose(sum(row), 1.0) and max(row) == row[label], (text, row)
        sentiment, scores = model.classify(normalize(text))[:2]
        assert sentiment == ("NEGATIVE", "NEUTRAL", "POSITIVE")[label]
        assert math.isclose(sum(scores.values()), 1.0)
    assert entry["cv"]["macro_f1"] >= 60.0


def test_silver_lines_are_labelled_by_the_lexicon_and_capped_per_class(corpus, tmp_path):
    lexicon = recipe.build_lexicon(corpus, "en", [LEXICON], tmp_path / "en.tsv")
    pairs = recipe.silver_pairs(corpus, {SILVER: 5}, lexicon)
    assert sorted(pairs, key=lambda pair: pair[0]) == [
        ("A great day, love it.", "positive"), ("Not bad at all.", "positive"),
        ("The bus leaves at eight.", "neutral"), ("This is bad and awful.", "negative")]  # "Great but bad" is mixed
    assert len(recipe.silver_pairs(corpus, {SILVER: 1}, lexicon)) == 3


def test_silver_sample_changes_only_by_the_sentences_a_label_gains(corpus, tmp_path):
    lexicon = recipe.build_lexicon(corpus, "en", [LEXICON], tmp_path / "en.tsv")
    folder = tmp_path / "data" / "unlabelled" / "xx"
    folder.mkdir(parents=True)
    statements = [f"Room {n} is on floor {n % 7}." for n in range(40)]
    (folder / "a.txt").write_text("\n".join(statements[:30]) + "\n", encoding="utf-8")
    before = set(recipe.silver_pairs(tmp_path / "data", {"unlabelled/xx": 10}, lexicon))
    (folder / "b.txt").write_text("\n".join(statements[30:]) + "\n", encoding="utf-8")
    after = set(recipe.silver_pairs(tmp_path / "data", {"unlabelled/xx": 10}, lexicon))
    # A shuffle would draw a new sample of the 40; by hash, the newcomers only take the place of old sentences.
    assert len(before) == len(after) == 10
    assert after != before and {text for text, _ in after - before} <= set(statements[30:])


def test_emoji_lines_teach_a_model_the_emoji_list_alone(corpus, tmp_path, monkeypatch):
    pairs = recipe.emoji_pairs()
    assert ("👍", "positive") in pairs and (":(", "negative") in pairs and ("❌", "negative") in pairs
    assert {label for _, label in pairs} == {"positive", "negative"}
    # Without a lexicon, the lines are all the model knows of these emoji.
    monkeypatch.setattr(recipe, "LEXICONS", {})
    monkeypatch.setattr(recipe, "SILVER", {})
    monkeypatch.setattr(recipe, "EMOJI_LINES", {"en"})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    assert entry["train_lines"] == len(tiny_lines("en")) + len(pairs)
    assert entry["training_data"][-1] == "sentiment/lexicons/emoji.tsv (each entry alone)"
    model = from_manifest(out, "en", entry)
    assert [model.classify(normalize(text))[0] for text in ("👍", "🙂", "😡😡", ":(")] == [
        "POSITIVE", "POSITIVE", "NEGATIVE", "NEGATIVE"]


def test_plain_sentences_join_the_training_lines_as_many_times_as_the_recipe_says(corpus, tmp_path, monkeypatch):
    plain = recipe.plain_pairs("en", questions=True)
    assert len(plain) == len(recipe.plain_pairs("en")) + 120 and plain[-1][0].endswith("?")
    monkeypatch.setattr(recipe, "PLAIN", {"en": 2})
    monkeypatch.setattr(recipe, "PLAIN_QUESTIONS", {"en"})
    entry = build(corpus, tmp_path / "models")["models"]["en"]
    lexicon = recipe.build_lexicon(corpus, "en", [LEXICON], tmp_path / "l")
    silver = len(recipe.silver_pairs(corpus, {SILVER: 1}, lexicon))
    assert entry["train_lines"] == len(tiny_lines("en")) + silver + 2 * len(plain)
    assert entry["training_data"][-2:] == ["sentiment/plain-sentences.tsv (x2)", "sentiment/plain-questions.tsv (x2)"]
    # Cross-validation holds each fold's plain sentences out, and fits their temperature on the others'.
    assert entry["plain_temperature"] != entry["temperature"] and 0 <= entry["cv"]["ece_plain"] <= 100
    model = from_manifest(tmp_path / "models", "en", entry)
    assert model.plain_temperature == entry["plain_temperature"]
    # English reads lower-case texts as plain too (recipe.PLAIN_LOWER_CASE).
    assert entry["plain_lower_case"] is True
    assert model.reads_plain("a great day") and not model.reads_plain("#a great day")
    scores, plain_scores = model.scores("a great day"), model.scores("a great day", plain=True)
    assert (max(plain_scores.values()) > max(scores.values())) == (entry["plain_temperature"] < entry["temperature"])


def test_every_second_copy_of_the_plain_sentences_ends_in_an_exclamation_mark_where_the_recipe_says():
    pairs = [("Dinner is at seven.", "neutral"), ("What a lovely day!", "positive")]
    exclaimed = [("Dinner is at seven!", "neutral"), ("What a lovely day!", "positive")]
    assert recipe.plain_copies("en", pairs, 2) == pairs * 2
    assert recipe.plain_copies("en", pairs, 2, exclaimed=True) == pairs + exclaimed
    # Spanish opens an exclamation with its own mark.
    spanish = [("La cena es a las siete.", "neutral")]
    assert recipe.plain_copies("es", spanish, 3, exclaimed=True) == [*spanish, ("¡La cena es a las siete!", "neutral"),
                                                                      *spanish]


# Every evaluation set: the everyday sets and the sets of one kind.
EVALUATION_SETS = (*evaluate.EVERYDAY_SETS, *(path for _, path in evaluate.CASE_SETS))


def _evaluation_texts():
    """Every normalised text of the evaluation sets."""
    return {normalize(text) for path in EVALUATION_SETS for _, _, text in evaluate.everyday_set(path)}


def test_plain_sentences_are_balanced_unique_and_none_is_in_an_evaluation_set():
    evaluation = _evaluation_texts()
    for language in ("en", "fr", "de", "it", "es", "pt"):
        pairs = recipe.plain_pairs(language)
        labels = [label for _, label in pairs]
        assert len(pairs) == 900 and labels.count("positive") == labels.count("negative") == labels.count("neutral")
        assert not {normalize(text) for text, _ in pairs} & evaluation
    plain = [text for _, _, text in read_rows(recipe.PLAIN_SENTENCES, 3)]
    assert len(set(plain)) == len(plain)


def test_training_questions_are_questions_mostly_complaints_unique_and_none_is_in_an_evaluation_set():
    evaluation = _evaluation_texts()
    rows = read_rows(recipe.PLAIN_QUESTIONS_FILE, 3)
    for language in ("en", "fr", "de", "it", "es", "pt"):
        labels = [label for code, label, _ in rows if code == language]
        assert (labels.count("negative"), labels.count("neutral"), labels.count("positive")) == (60, 30, 30)
    texts = [text for _, _, text in rows]
    assert len(rows) == 720 and len(set(texts)) == len(texts) and all(text.endswith("?") for text in texts)
    assert not {normalize(text) for text in texts} & evaluation


# The evaluation sentences that share 60% of their words or more with a training sentence, each named in the model
# card: the training sentences about events were written after the second set of events.
KNOWN_NEAR_COPIES = {
    ("everyday-seventh.tsv", "La piscine municipale ouvre à sept heures."),
    ("implicit-second.tsv", "The bus never came and I had to walk home in the rain."),
    ("implicit-second.tsv", "Le bus n'est jamais venu et j'ai dû rentrer à pied sous la pluie."),
    ("implicit-second.tsv", "Der Bus ist nie gekommen und ich musste im Regen nach Hause laufen."),
    ("implicit-second.tsv", "Le plombier viendra mardi matin."),
    ("implicit-second.tsv", "L'idraulico verrà martedì mattina."),
    ("implicit-second.tsv", "El fontanero vendrá el martes por la mañana."),
}


def test_no_evaluation_sentence_is_a_near_copy_of_a_training_sentence_but_those_the_model_card_names():
    def words(text):
        return frozenset(token for token in normalize(text).split(" ") if any(ch.isalnum() for ch in token))

    training = {}
    for path in (recipe.PLAIN_SENTENCES, recipe.PLAIN_QUESTIONS_FILE):
        for language, _, text in read_rows(path, 3):
            training.setdefault(language, []).append(words(text))
    near = set()
    for path in EVALUATION_SETS:
        for language, _, text in evaluate.everyday_set(path):
            mine = words(text)
            if any(len(mine & other) >= 0.6 * len(mine | other) for other in training.get(language, ())):
                near.add((path.name, text))
    assert near == KNOWN_NEAR_COPIES


def test_a_recipes_lexicon_weight_and_dropped_negations_reach_the_manifest_and_the_loaded_model(
        corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(recipe, "LEXICON_WEIGHT", {"en": 3})
    monkeypatch.setattr(recipe, "NEGATED_DROPPED", {"en"})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    assert entry["lexicon"]["weight"] == 3 and entry["lexicon"]["drop_negated"] is True
    model = from_manifest(out, "en", entry)
    assert model.lexicon.line("great , not bad") == "great ," + " lexpos2 lexneg0" * 3


def test_stop_words_are_the_words_frequent_in_every_source(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.txt").write_text("The cat is here.\nThe dog is there.\nThe end, 2 of 3\n", encoding="utf-8")
    (tmp_path / "b" / "two.txt").write_text("The bus is late.\nIs the train late?\n", encoding="utf-8")
    # "the" and "is" are in both sources, "the" the more frequent in the first; "late" is in one source alone.
    assert recipe.frequent_words(tmp_path, ["a", "b"], 3) == ["the", "is"]
    assert recipe.frequent_words(tmp_path, ["a", "b"], 1) == ["the"]
    assert recipe.frequent_words(tmp_path, ["b"], 2) == ["is", "late"]


def test_a_recipes_stop_words_reach_the_manifest_and_leave_the_line(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(recipe, "STOP_WORDS", {"en": 4})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    # The four most frequent words of the silver sentences are "bad", "at", "great" and "a" (ties by spelling):
    # the lexicon words stay on the line.
    assert entry["lexicon"]["stop_words"] == ["a", "at"]
    model = from_manifest(out, "en", entry)
    assert model.lexicon.line(normalize("A bus at noon, great")) == "bus noon , great lexpos1 lexneg0"
    assert model.lexicon.line("a at") == " lexpos0 lexneg0"


def test_inflected_forms_and_folded_accents_join_the_lexicon(tmp_path):
    (tmp_path / "de.tsv").write_text("schön\t1\nschöne\t-1\nböse\t-1\n", encoding="utf-8")
    merge([tmp_path / "de.tsv"], tmp_path / "out.tsv", "de")
    lexicon = Lexicon.load(tmp_path / "out.tsv", "de")
    assert lexicon.polarities["schönsten"] == 1 and lexicon.polarities["bösen"] == -1
    assert lexicon.polarities["schöne"] == -1  # a listed form wins over an inflection
    assert "schöner" not in lexicon.polarities  # schön + er and schöne + r disagree
    (tmp_path / "pt.tsv").write_text("horrivel\t-1\nbom\t1\n", encoding="utf-8")
    merge([tmp_path / "pt.tsv"], tmp_path / "pt-out.tsv", "pt")
    lexicon = Lexicon.load(tmp_path / "pt-out.tsv", "pt")
    assert lexicon.counts("o tempo está horrível") == (0, 1) and lexicon.counts("não é bom") == (0, 1)


def test_a_dictionarys_forms_join_the_lexicon_as_inflections_do(tmp_path):
    (tmp_path / "pt.tsv").write_text("adorar\t1\nodiar\t-1\nfoi\t1\n", encoding="utf-8")
    (tmp_path / "own.tsv").write_text("fui\t0\n", encoding="utf-8")
    forms = {"adorar": {"adorei", "adoraram"}, "odiar": {"odiei", "adorei"}, "foi": {"fui"}}
    merge([tmp_path / "pt.tsv"], tmp_path / "out.tsv", "pt", [tmp_path / "own.tsv"], forms=forms)
    lexicon = Lexicon.load(tmp_path / "out.tsv", "pt")
    assert lexicon.polarities["adoraram"] == 1 and lexicon.polarities["odiei"] == -1
    assert "adorei" not in lexicon.polarities  # two lemmas of opposite polarity claim it
    assert "fui" not in lexicon.polarities  # a word set to 0 is no form of another
    portuguese = recipe.lemma_forms("pt")
    assert {"adoraram", "adorei"} <= portuguese["adorar"] and "horriveis" in portuguese["horrivel"]  # accents folded


def test_accented_words_are_also_listed_as_typed_without_accents(tmp_path):
    (tmp_path / "fr.tsv").write_text("génial\t1\nbeurré\t-1\ncultivé\t1\ndéçu\t-1\ndecu\t1\n", encoding="utf-8")
    (tmp_path / "own.tsv").write_text("cultive\t0\n", encoding="utf-8")
    merge([tmp_path / "fr.tsv"], tmp_path / "out.tsv", "fr", [tmp_path / "own.tsv"], frozenset({"beurre"}))
    lexicon = Lexicon.load(tmp_path / "out.tsv", "fr")
    assert lexicon.counts("c'est genial") == (1, 0) and lexicon.counts("c'est génial") == (1, 0)
    assert "beurre" not in lexicon.polarities  # a word of its own in the language's text
    assert "cultive" not in lexicon.polarities  # a word set to 0
    assert lexicon.polarities["decu"] == 1  # an entry wins over a spelling without accents
    (tmp_path / "de.tsv").write_text("schön\t1\n", encoding="utf-8")
    merge([tmp_path / "de.tsv"], tmp_path / "de-out.tsv", "de")
    lexicon = Lexicon.load(tmp_path / "de-out.tsv", "de")
    assert lexicon.polarities["schoen"] == lexicon.polarities["schoensten"] == 1 and "schon" not in lexicon.polarities
    (tmp_path / "en.tsv").write_text("naïve\t-1\n", encoding="utf-8")
    merge([tmp_path / "en.tsv"], tmp_path / "en-out.tsv", "en")
    assert "naive" not in Lexicon.load(tmp_path / "en-out.tsv", "en").polarities  # English has no accents to leave out


def test_own_lists_override_the_sources(tmp_path):
    (tmp_path / "source.tsv").write_text("part\t1\nnul\t1\nnul\t-1\nbon\t1\nfoi\t1\n", encoding="utf-8")
    (tmp_path / "own.tsv").write_text("part\t0\nnul\t-1\nbon\t-1\nfois\t0\n", encoding="utf-8")
    merge([tmp_path / "source.tsv"], tmp_path / "out.tsv", "fr", [tmp_path / "own.tsv"])
    lexicon = Lexicon.load(tmp_path / "out.tsv", "fr")
    assert "part" not in lexicon.polarities and "parts" not in lexicon.polarities
    assert lexicon.polarities["nul"] == -1 and lexicon.polarities["bon"] == lexicon.polarities["bons"] == -1
    assert "fois" not in lexicon.polarities and lexicon.polarities["foie"] == 1  # a 0 is no inflection either


def test_lexicon_merge_drops_conflicts_and_multiword_entries(corpus, tmp_path):
    lexicon = recipe.build_lexicon(corpus, "en", [LEXICON], tmp_path / "en.tsv")
    words = {line for line in (tmp_path / "en.tsv").read_text().splitlines() if line.isascii()}
    assert {"awful\t-1", "bad\t-1", "great\t1", "love\t1", "hate\t-1"} <= words  # hate: this project's list
    assert "sad\t1" not in words and "sad\t-1" not in words and "not one\t1" not in words
    assert lexicon.polarities["😡"] == -1  # this project's emoji list joins every lexicon
    assert lexicon.polarities["not"] == 0  # a negator
    assert recipe.build_lexicon(corpus, "en", [], tmp_path / "none.tsv") is None
    with pytest.raises(ValueError, match="needs lexicons"):
        recipe.silver_pairs(corpus, {SILVER: 1}, None)


@pytest.mark.parametrize("text, features, without_negated", [
    ("this is great", " lexpos1 lexneg0", "this is great"),
    ("not bad at all", " lexpos1 lexneg0", "at all"),
    ("i don't love it", " lexpos0 lexneg1", "i it"),
    ("not great , not bad", " lexpos1 lexneg1", ","),
    ("not that it was much of a great day", " lexpos1 lexneg0",  # beyond the negation window
     "not that it was much of a great day"),
    ("great great great great love", " lexpos3 lexneg0", "great great great great love"),
    ("bad and great", " lexpos1 lexneg1", "bad and great"),
    ("no problem, happy to help", " lexpos2 lexneg0", ", happy to help"),  # the comma ends the negation
    ("the bus leaves at eight", " lexpos0 lexneg0", "the bus leaves at eight"),
    # A comparative after a modal is a complaint, and a negator flips it back; other words and modals stay.
    ("it could have been much better", " lexpos0 lexneg1", "it have been much"),
    ("couldn't have been better", " lexpos1 lexneg0", "have been"),
    ("couldn’t be better", " lexpos1 lexneg0", "be"),
    ("i could not be happier", " lexpos1 lexneg0", "i be"),
    # A negated modal keeps its comparative's polarity beyond the negation's window.
    ("couldn't ask for a better day", " lexpos1 lexneg0", "ask for a day"),
    ("no one would have done better", " lexpos1 lexneg0", "one have done"),
    ("it could be worse", " lexpos1 lexneg0", "it be"),
    ("it would be the better choice", " lexpos1 lexneg0", "it would be the better choice"),  # after an article
    ("it would be better to book early", " lexpos0 lexneg0", "it be to book early"),  # advice
    # Advice put with a comparative or superlative counts nothing; praise with the same words keeps its polarity.
    ("it's best to book early", " lexpos0 lexneg0", "it's to book early"),
    ("you'd better take an umbrella", " lexpos0 lexneg0", "you'd take an umbrella"),
    ("the best is to wait", " lexpos0 lexneg0", "the is to wait"),
    ("this is the best pizza", " lexpos1 lexneg0", "this is the best pizza"),
    ("i tried my best to help", " lexpos1 lexneg0", "i tried my best to help"),
    ("the best is yet to come", " lexpos1 lexneg0", "the best is yet to come"),
    ("you could love it", " lexpos1 lexneg0", "you could love it"),
    ("it could be great, better than before", " lexpos2 lexneg0", "it could be great , better than before"),
    ("we could go there and it would be so very much better", " lexpos1 lexneg0",  # beyond the modal's window
     "we could go there and it would be so very much better"),
    # A yes-or-no question asks to agree: its negator neither flips nor stays. A question word keeps the denial.
    ("isn't this café great?", " lexpos1 lexneg0", "this café great ?"),
    ("isn't it bad? not great.", " lexpos0 lexneg2", "it bad ? ."),
    ("why isn't it great?", " lexpos0 lexneg1", "why it ?"),
    ("it's not great, is it?", " lexpos0 lexneg1", "it's , is it ?"),
])
def test_lexicon_features_count_hits_and_flip_negated_ones(text, features, without_negated):
    polarities = {"great": 1, "love": 1, "happy": 1, "happier": 1, "better": 1, "best": 1, "worse": -1, "bad": -1,
                  "problem": -1}
    tokens = normalize(text)
    assert Lexicon(polarities, "en").line(tokens) == tokens + features
    assert Lexicon(polarities, "en", drop_negated=True).line(tokens) == without_negated + features


@pytest.mark.parametrize("language, text, counts", [
    ("es", "es mejor llegar temprano", (0, 0)), ("es", "lo mejor es tomar el metro", (0, 0)),
    ("es", "es el mejor lugar", (1, 0)), ("es", "estoy mucho mejor ahora", (1, 0)),
    ("fr", "il vaut mieux réserver", (0, 0)), ("fr", "le mieux est d'arriver tôt", (0, 0)),
    ("fr", "ça va mieux maintenant", (1, 0)),
    ("it", "è meglio prenotare", (0, 0)), ("it", "va molto meglio adesso", (1, 0)),
    ("pt", "o melhor é chegar cedo", (0, 0)), ("pt", "é a melhor pizza", (1, 0)),
])
def test_advice_with_a_comparative_counts_nothing(language, text, counts):
    lexicon = Lexicon({"mejor": 1, "mieux": 1, "meglio": 1, "melhor": 1}, language)
    assert lexicon.counts(normalize(text)) == counts


@pytest.mark.parametrize("language, text, counts", [
    ("es", "¿No es precioso?", (1, 0)), ("es", "¿Por qué no es precioso?", (0, 1)), ("es", "No es precioso.", (0, 1)),
    ("de", "Ist der Park nicht schön?", (1, 0)), ("de", "Warum ist der Park nicht schön?", (0, 1)),
    ("it", "Non è bello?", (1, 0)), ("it", "Perché non è bello?", (0, 1)),
    ("fr", "N'est-il pas beau ?", (1, 0)), ("pt", "O parque não é lindo?", (1, 0)),
])
def test_a_negated_yes_or_no_question_keeps_its_words_polarity(language, text, counts):
    lexicon = Lexicon({"precioso": 1, "schön": 1, "bello": 1, "beau": 1, "lindo": 1}, language)
    assert lexicon.counts(normalize(text)) == counts


@pytest.mark.parametrize("language, text, counts, without_negated", [
    ("es", "vale la pena", (1, 0), "vale la pena"),  # "pena" counts only outside the phrase
    ("es", "no vale la pena", (0, 1), "la pena"),  # the negator flips the phrase, and both leave the line
    ("es", "qué pena", (0, 1), "qué pena"),
    ("es", "vale , gracias", (1, 0), "vale , gracias"),  # a phrase's first word alone keeps its own polarity
    ("en", "i can't wait", (1, 0), "i can't wait"),  # a negator that begins a phrase is a word of it
    ("en", "i can't say it's great", (0, 1), "i say it's"),  # and alone is still a negator
    ("it", "non mi hanno mai più scritto", (0, 1), "non mi hanno mai più scritto"),  # not flipped by one before it
    ("en", "it was worth every penny", (1, 0), "it was worth every penny"),  # the longest phrase first
    ("en", "it was worth every", (0, 1), "it was worth every"),  # else a shorter one
    ("pt", "não vejo a hora das férias", (1, 0), "não vejo a hora das férias"),  # accents folded as the lexicon's
])
def test_a_phrase_counts_once_as_one_lexicon_word(language, text, counts, without_negated):
    polarities = {"vale la pena": 1, "vale": 1, "pena": -1, "can't wait": 1, "great": 1, "worth every penny": 1,
                  "worth every": -1, "nao vejo a hora": 1, "mai più": -1}
    lexicon = Lexicon(polarities, language, drop_negated=True)
    assert lexicon.counts(normalize(text)) == counts
    assert lexicon.line(normalize(text)).rpartition(" lexpos")[0] == without_negated


@pytest.mark.parametrize("text, counts", [
    ("Je t'aime.", (1, 0)),
    ("aujourd'hui je l'aime et je t’adore", (2, 0)),  # several, the last at the end, one with an apostrophe of its own
    ("Je m’ennuie, je l'adore pas.", (1, 1)),  # "pas" after the verb flips nothing, as before
    ("Je suis d’accord.", (1, 0)),  # an entry with its apostrophe is its own word ("accord" is not in the lexicon)
    ("L'horreur, c'est l'aimer.", (0, 1)),  # "aimer" is not in the lexicon; "c'" is no clitic here
    ("Je n'aime pas ça.", (0, 1)),  # "n'" negates the word it is elided onto
    ("Je ne l’aime pas.", (0, 1)),  # "ne" is a negator
    ("Ce n'est plus drôle, l'horreur.", (0, 2)),  # "n'" on a word the lexicon lacks is a negator
    ("Ça ne vaut pas le coup.", (0, 1)),  # a phrase that holds a negator agrees with one before it
])
def test_french_elision_is_read_through(text, counts):
    polarities = {"aime": 1, "adore": 1, "ennuie": -1, "d'accord": 1, "horreur": -1, "drôle": 1,
                  "vaut pas le coup": -1}
    lexicon = Lexicon(polarities, "fr")
    assert lexicon.counts(normalize(text)) == counts
    assert lexicon.line(normalize(text)).startswith(normalize(text) + " lexpos")  # the model reads the tokens as typed
    assert Lexicon({"aime": 1}, "it").counts(normalize("t'aime")) == (0, 0)  # Italian has no such rule


def test_own_lists_add_phrases_without_inflections(tmp_path):
    (tmp_path / "source.tsv").write_text("coup\t-1\nvaut le coup\t1\n", encoding="utf-8")
    (tmp_path / "own.tsv").write_text("ça vaut le coup\t1\nvaut pas le coup\t-1\n", encoding="utf-8")
    merge([tmp_path / "source.tsv"], tmp_path / "out.tsv", "fr", [tmp_path / "own.tsv"])
    lines = set((tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines())
    assert {"ça vaut le coup\t1", "ca vaut le coup\t1", "vaut pas le coup\t-1", "coup\t-1", "coups\t-1"} <= lines
    assert "vaut le coup\t1" not in lines  # a source's phrase is left out
    assert "vaut pas le coups\t-1" not in lines  # a phrase has no inflected forms
    lexicon = Lexicon.load(tmp_path / "out.tsv", "fr")
    assert lexicon.counts(normalize("Ça vaut le coup !")) == (1, 0)
    assert lexicon.counts(normalize("Ça ne vaut pas le coup.")) == (0, 1)


def test_a_lexicon_weight_writes_its_features_that_many_times(tmp_path):
    lexicon = Lexicon({"great": 1, "bad": -1}, "en", weight=3)
    assert lexicon.line(normalize("great, not bad")) == "great , not bad" + " lexpos2 lexneg0" * 3
    (tmp_path / "en.tsv").write_text("great\t1\n", encoding="utf-8")
    assert Lexicon.load(tmp_path / "en.tsv", "en", 2).line("great") == "great lexpos1 lexneg0 lexpos1 lexneg0"


def test_a_malformed_lexicon_does_not_load(tmp_path):
    (tmp_path / "bad.tsv").write_text("great\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1"):
        Lexicon.load(tmp_path / "bad.tsv", "en")


def test_retraining_one_language_keeps_the_others_in_the_manifest(corpus, tiny_models, tmp_path):
    out = tmp_path / "models"
    out.mkdir()
    (out / "manifest.json").write_text((tiny_models / "manifest.json").read_text())
    models = build(corpus, out)["models"]
    assert set(models) == {"en", "fr", "lid"}
    assert models["en"]["sha256"] == sha256_of(out / "en.ftz")


def test_a_build_stopped_halfway_leaves_the_models_folder_as_it_was(corpus, tmp_path, monkeypatch):
    out = tmp_path / "models"
    build(corpus, out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def stopped(lines, path, *settings):
        path.with_name(path.name + ".part").write_text("half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "train", stopped)
    with pytest.raises(KeyboardInterrupt):
        build(corpus, out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_extra_corpora_are_sampled_per_class(corpus):
    pairs = recipe.extra_pairs(corpus, {"extra/en/more": 3})
    assert sorted(label for _, label in pairs) == ["negative"] * 3 + ["neutral"] * 3 + ["positive"] * 3
    assert len(recipe.extra_pairs(corpus, {"extra/en/more": None})) == len(tiny_lines("en")[1::2])


def test_missing_corpora_and_unknown_languages_stop_training_before_it_starts(corpus, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(recipe.EXTRA, "en", {"extra/en/gone": None})
    out = tmp_path / "models"
    with pytest.raises(SystemExit) as stopped:
        train.main(["--data", str(corpus), "--out", str(out), "--languages", "en,xx,fr"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    french = corpus / "umsab" / "french"
    expected = f"{corpus / 'extra/en/gone/train_text.txt'}, xx, {french / 'train_text.txt'}, {french / 'val_text.txt'}"
    assert f"no training data for: {expected}" in error
    assert not out.exists()


def test_a_rerun_reproduces_the_same_files(corpus, tmp_path):
    build(corpus, tmp_path / "a")
    build(corpus, tmp_path / "b")
    for name in ("en.ftz", "en.lexicon.tsv"):
        assert sha256_of(tmp_path / "a" / name) == sha256_of(tmp_path / "b" / name)


def test_folds_are_stratified_and_differ_between_repeats():
    labels = ["a"] * 10 + ["b"] * 5
    first, second = cv.fold_of(labels, 5, 0), cv.fold_of(labels, 5, 1)
    for fold in range(5):
        assert [label for label, f in zip(labels, first) if f == fold] == ["a", "a", "b"]
    assert first != second


def test_cv_prints_the_recipe_and_a_candidate_paired_against_it(corpus, capsys):
    cv.main(["--data", str(corpus), "--languages", "en", "--folds", "2", "--repeats", "1",
             "--candidate", '{"train": {"epoch": 5}, "lexicons": [], "silver": {"unlabelled/en": 0}}'])
    out = capsys.readouterr().out
    assert "1 x 2-fold stratified CV" in out and "| candidate macro-F1 |" in out
    row = next(line for line in out.splitlines() if line.startswith("| en |"))
    assert row.count("|") == 9 and "(se)" in row


def test_a_later_first_repeat_gives_the_folds_of_that_repeat(corpus, capsys):
    chosen = recipe.recipe("en")
    both = cv.cross_validate(corpus, "en", chosen, folds=2, repeats=2)
    second = cv.cross_validate(corpus, "en", chosen, folds=2, repeats=1, first_repeat=1)
    assert second["macro_f1"] == both["macro_f1"][2:] and second["truth"] == both["truth"][len(second["truth"]):]
    cv.main(["--data", str(corpus), "--languages", "en", "--folds", "2", "--repeats", "1", "--first-repeat", "100"])
    assert "1 x 2-fold stratified CV over UMSAB train+val, shuffles 100 to 100;" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cv.main(["--data", str(corpus), "--first-repeat", "-1"])


def test_cv_candidate_patches_merge_and_drop():
    chosen = {"train": {"epoch": 20, "lr": 0.5}, "quantize": {"cutoff": 10, "dsub": 2}, "extra": {"a": None, "b": 10},
              "lexicons": ["x"], "silver": {"s": 100}, "emoji_lines": False, "lexicon_weight": 1, "drop_negated": False,
              "stop_words": 0, "plain": 0, "class_bias": False, "plain_bias": True, "smoothing": False,
              "plain_lower_case": False,
              "lemma_forms": False, "plain_exclaimed": False, "plain_questions": False}
    patched = cv.patched(chosen, {"train": {"epoch": 5}, "extra": {"b": 0, "c": 100}, "silver": {"s": 0}})
    assert patched["train"] == {"epoch": 5, "lr": 0.5}
    assert patched["extra"] == {"a": None, "c": 100} and patched["lexicons"] == ["x"] and patched["silver"] == {}
    assert cv.patched(chosen, {"emoji_lines": True})["emoji_lines"] and not patched["emoji_lines"]
    assert cv.patched(chosen, {"lexicon_weight": 3})["lexicon_weight"] == 3 and patched["lexicon_weight"] == 1
    assert cv.patched(chosen, {"drop_negated": True})["drop_negated"] and not patched["drop_negated"]
    assert cv.patched(chosen, {"stop_words": 50})["stop_words"] == 50 and patched["stop_words"] == 0
    assert cv.patched(chosen, {"class_bias": True})["class_bias"] and not patched["class_bias"]
    assert not cv.patched(chosen, {"plain_bias": False})["plain_bias"] and patched["plain_bias"]
    assert cv.patched(chosen, {"smoothing": True})["smoothing"] and not patched["smoothing"]
    assert cv.patched(chosen, {"plain": 2})["plain"] == 2 and patched["plain"] == 0
    assert cv.patched(chosen, {"plain_lower_case": True})["plain_lower_case"] and not patched["plain_lower_case"]
    assert cv.patched(chosen, {"lemma_forms": True})["lemma_forms"] and not patched["lemma_forms"]
    assert cv.patched(chosen, {"plain_exclaimed": True})["plain_exclaimed"] and not patched["plain_exclaimed"]
    assert cv.patched(chosen, {"plain_questions": True})["plain_questions"] and not patched["plain_questions"]
    assert cv.patched(chosen, {"quantize": {"cutoff": 20}})["quantize"] == {"cutoff": 20, "dsub": 2}
    assert patched["quantize"] == {"cutoff": 10, "dsub": 2}


def test_temperature_scaling_recovers_calibration():
    # Every row says 0.9, but only 60% of them are right: a temperature above 1 softens them.
    rows = [[0.9, 0.05, 0.05]] * 10
    truth = [0] * 6 + [1] * 2 + [2] * 2
    assert expected_calibration_error(rows, truth) == pytest.approx(30.0)
    temperature = fit_temperature(rows, truth)
    assert temperature > 1.0
    assert expected_calibration_error([calibrate(row, temperature, [0.0] * 3) for row in rows], truth) < 2.0
    assert sum(calibrate(rows[0], temperature, [0.0] * 3)) == pytest.approx(1.0)


def test_class_biases_correct_a_model_that_says_neutral_too_often():
    # The model leans neutral on rows whose truth is mostly positive: a temperature cannot change its answer, a
    # class bias can.
    rows = [[0.1, 0.5, 0.4]] * 10 + [[0.8, 0.1, 0.1]] * 10
    truth = [2] * 7 + [1] * 3 + [0] * 8 + [1, 2]
    temperature, zero = fit(rows, truth)
    assert zero == [0.0, 0.0, 0.0] and temperature == fit_temperature(rows, truth)
    temperature, bias = fit(rows, truth, bias=True)
    assert bias[0] == 0.0 and bias[2] > bias[1]
    biased = calibrate(rows[0], temperature, bias)
    assert max(range(3), key=biased.__getitem__) == 2 and sum(biased) == pytest.approx(1.0)
    loss = -sum(math.log(calibrate(row, temperature, bias)[t]) for row, t in zip(rows, truth)) / len(rows)
    assert loss < log_loss(rows, truth, fit_temperature(rows, truth))


def test_smoothing_makes_middling_scores_surer_and_the_surest_less_so_keeping_every_answer():
    # Rows at 0.5 are right 70% of the time, rows at 0.98 only 85%: a temperature must err on one side or the other.
    rows = [[0.5, 0.3, 0.2]] * 20 + [[0.98, 0.01, 0.01]] * 20
    truth = [0] * 14 + [1] * 6 + [0] * 17 + [1, 2, 2]
    temperature, bias = fit(rows, truth)
    sharper, scaled, smoothing = fit_smoothing(rows, truth, temperature, bias)
    assert smoothing > 0 and sharper < temperature
    before = [calibrate(row, temperature, bias) for row in rows]
    after = [calibrate(row, sharper, scaled, smoothing) for row in rows]
    answers = [[max(range(3), key=row.__getitem__) for row in scored] for scored in (before, after)]
    assert answers[0] == answers[1]
    assert after[0][0] > before[0][0] and after[-1][0] < before[-1][0] and sum(after[-1]) == pytest.approx(1.0)
    assert expected_calibration_error(after, truth) < expected_calibration_error(before, truth)
    loss = -sum(math.log(row[t]) for row, t in zip(after, truth)) / len(rows)
    assert loss < log_loss(rows, truth, temperature, bias)


def test_matching_the_accuracy_offsets_rows_that_a_sharper_plain_temperature_makes_too_sure():
    # A quarter of the rows read as plain sentences and take a sharp plain temperature: right 60% of the time, they
    # score 0.98. The others, right 70% of the time, score about 0.74 at the temperature log loss fits them: the whole,
    # right 67.5% of the time, scores 0.80.
    rows = [[0.7, 0.2, 0.1]] * 40
    truth = [0] * 21 + [1] * 9 + [0] * 6 + [2] * 4
    plain = [False] * 30 + [True] * 10
    temperature, bias = fit(rows[:30], truth[:30])
    served = lambda t, b: [calibrate(row, 0.3, b) if p else calibrate(row, t, b) for row, p in zip(rows, plain)]
    mean_top = lambda scores: sum(max(row) for row in scores) / len(scores)
    assert mean_top(served(temperature, bias)) == pytest.approx(0.80, abs=0.01)
    matched, scaled = match_accuracy(rows, truth, plain, temperature, bias, 0.0, 0.3)
    assert matched > temperature and mean_top(served(matched, scaled)) == pytest.approx(0.675, abs=1e-6)
    assert all(max(range(3), key=row.__getitem__) == 0 for row in served(matched, scaled))


def test_class_biases_stay_loadable_when_a_class_never_occurs():
    rows = [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]] * 5
    temperature, bias = fit(rows, [0, 1, 1] * 5, bias=True)
    assert min(TEMPERATURES) <= temperature <= max(TEMPERATURES) and bias[2] == -MAX_BIAS


def test_a_class_bias_recipe_ships_the_bias_that_its_model_applies(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(recipe, "CLASS_BIAS", {"en"})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    assert set(entry["bias"]) == {"negative", "neutral", "positive"} and entry["bias"]["negative"] == 0.0
    model = from_manifest(out, "en", entry)
    assert model.bias == entry["bias"]
    shifted = from_manifest(out, "en", {**entry, "bias": {"positive": -5.0}})
    assert shifted.scores("ok")["Positive"] < model.scores("ok")["Positive"]
    # The Sentiment follows the calibrated scores, bias included, not fastText's own ranking.
    neutral = from_manifest(out, "en", {**entry, "bias": {"negative": -5.0, "neutral": 5.0}})
    assert neutral.classify("terrible day")[0] == "NEUTRAL" and model.classify("terrible day")[0] == "NEGATIVE"
    for text in ("ok", "good", "bad", "great movie", "terrible day", "the bus"):
        for each in (model, shifted, neutral):
            top, scores = each.classify(normalize(text))
            assert top == max(scores, key=scores.get).upper() and abs(sum(scores.values()) - 1) < 1e-12


def test_a_recipe_without_plain_bias_ships_unbiased_plain_sentences(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(recipe, "CLASS_BIAS", {"en"})
    monkeypatch.setattr(recipe, "PLAIN_UNBIASED", {"en"})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    assert entry["plain_bias"] == {"negative": 0.0, "neutral": 0.0, "positive": 0.0} and "bias" in entry
    # A bias that overturns every answer overturns a post's, not a plain sentence's.
    neutral = from_manifest(out, "en", {**entry, "bias": {"negative": -5.0, "neutral": 5.0}})
    assert neutral.classify(normalize("terrible day"))[0] == "NEUTRAL"
    assert neutral.classify(normalize("terrible day"), plain=True)[0] == "NEGATIVE"
    assert from_manifest(out, "en", {**entry, "plain_bias": {"negative": -5.0, "neutral": 5.0}}).classify(
        normalize("terrible day"), plain=True)[0] == "NEUTRAL"


def test_fit_all_fits_the_plain_temperature_with_the_plain_bias():
    rows = [[0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6]] * 10
    truth = [0, 1, 2] * 10
    plain_rows = [[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.2, 0.3, 0.5]] * 10
    plain_truth = [0, 1, 2] * 7 + [1, 2, 0] * 3
    *_, plain_temperature = fit_all(rows, truth, [False] * 30, plain_rows, plain_truth, bias=True,
                                    plain_bias=[0.0, 0.0, 0.0])
    assert plain_temperature == fit_temperature(plain_rows, plain_truth)
    *_, shifted = fit_all(rows, truth, [False] * 30, plain_rows, plain_truth, plain_bias=[0.0, 1.0, 0.0])
    assert shifted == fit_temperature(plain_rows, plain_truth, [0.0, 1.0, 0.0]) != plain_temperature


def test_a_smoothed_recipe_ships_the_smoothing_that_its_model_applies_to_posts_alone(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(recipe, "SMOOTHED", {"en"})
    out = tmp_path / "models"
    entry = build(corpus, out)["models"]["en"]
    assert 0 <= entry["smoothing"] < 0.5
    smoothed = from_manifest(out, "en", {**entry, "smoothing": 0.3})
    unsmoothed = from_manifest(out, "en", {**entry, "smoothing": 0.0})
    for text in ("good", "terrible day", "the bus"):
        tokens = normalize(text)
        top, scores = smoothed.classify(tokens)
        assert top == unsmoothed.classify(tokens)[0] and scores != unsmoothed.classify(tokens)[1]
        assert min(scores[key] for key in ("Positive", "Negative", "Neutral")) >= 0.1 and scores["Mixed"] == 0.0
        assert abs(sum(scores.values()) - 1) < 1e-12
        # A plain sentence takes the plain temperature, unsmoothed.
        assert smoothed.classify(tokens, True) == unsmoothed.classify(tokens, True)


def test_evaluate_prints_everyday_accuracy_and_a_held_out_table(corpus, tiny_models, tmp_path, capsys):
    evaluate.main(["--models", str(tiny_models)])
    out = capsys.readouterr().out
    assert out.startswith("| language | everyday, language named | everyday, auto-detected |")
    assert "| en |" in out and "| fr |" in out and "| all |" in out
    assert out.count("| all |") == 36 and "The second set (everyday-check.tsv)" in out
    assert "sentences with accents, typed without them" in out
    assert "The fifth set (everyday-fifth.tsv)" in out and "The sixth set (everyday-sixth.tsv)" in out
    assert "The seventh set (everyday-seventh.tsv)" in out and "The eighth set (everyday-eighth.tsv)" in out
    assert "The ninth set (everyday-ninth.tsv)" in out and "The tenth set (everyday-tenth.tsv)" in out
    assert "The eleventh set (everyday-eleventh.tsv)" in out and "The twelfth set (everyday-twelfth.tsv)" in out
    assert "The thirteenth set (everyday-thirteenth.tsv)" in out
    assert "The fourteenth set (everyday-fourteenth.tsv)" in out
    assert "The fifteenth set (everyday-fifteenth.tsv)" in out
    assert "The sixteenth set (everyday-sixteenth.tsv)" in out
    assert "The seventeenth set (everyday-seventeenth.tsv)" in out
    assert "The eighteenth set (everyday-eighteenth.tsv)" in out
    assert "The nineteenth set (everyday-nineteenth.tsv)" in out
    assert "The twentieth set (everyday-twentieth.tsv)" in out
    assert "The twenty-first set (everyday-twenty-first.tsv)" in out
    assert "The twenty-second set (everyday-twenty-second.tsv)" in out
    assert "The twenty-third set (everyday-twenty-third.tsv)" in out
    # The fourth set is Italian, Portuguese, Spanish and German, which these models do not serve.
    assert "The third set (everyday-third.tsv)" in out and "fourth set" not in out
    assert "Negated sentiment words (negation.tsv)" in out and "A modal before a comparative (modal.tsv)" in out
    assert "Advice with a comparative or superlative (advice.tsv)" in out
    assert "Sentiment told by events (implicit.tsv)" in out
    assert "Sentiment told by events, a second set (implicit-second.tsv)" in out
    assert "Sentiment told by events, a third set (implicit-third.tsv)" in out
    assert "Short reviews (short-reviews.tsv)" in out
    assert "Short reviews, a second set (short-reviews-second.tsv)" in out
    assert "Questions, exclamations and texts without a final mark (questions-exclamations.tsv)" in out
    assert ("Questions, exclamations and texts without a final mark, a second set "
            "(questions-exclamations-second.tsv)") in out
    assert "Statements ending in an exclamation mark (exclamations.tsv)" in out
    assert "Questions alone: complaints, neutral questions and praise (questions-third.tsv)" in out
    assert "Questions alone, a second set (questions-fourth.tsv)" in out
    with pytest.raises(SystemExit):  # no French val split in this data folder
        evaluate.main(["--models", str(tiny_models), "--data", str(corpus), "--split", "val"])
    assert "no val split for fr" in capsys.readouterr().err


def test_evaluate_scores_the_lines_of_other_corpora_that_no_model_trained_on(corpus, tiny_models, monkeypatch, capsys):
    monkeypatch.setattr(recipe, "EXTRA", {"en": {"extra/en/more": 2}})
    monkeypatch.setattr(evaluate, "MIN_CLASS", 3)
    texts, labels = evaluate.other_corpora(corpus, "en")["more"]
    trained = recipe.extra_pairs(corpus, {"extra/en/more": 2})
    assert len(trained) == 6 and not set(trained) & set(zip(texts, labels))
    assert sorted(set(labels)) == list(evaluate.LABELS) and len(labels) == 3 * labels.count("neutral")
    evaluate.main(["--models", str(tiny_models), "--other-corpora", str(corpus)])
    assert f"| en more | {len(texts)} |" in capsys.readouterr().out
    monkeypatch.setattr(evaluate, "MIN_CLASS", len(texts))  # no class holds that many lines: nothing to score
    assert evaluate.other_corpora(corpus, "en") == {}


@pytest.mark.parametrize("path, languages, size", [
    (evaluate.EVERYDAY, ("en", "fr", "de", "it", "es", "pt", "ar", "hi"), 30),
    (evaluate.EVERYDAY_CHECK, ("en", "fr", "de", "it", "es", "pt"), 42),
    (evaluate.EVERYDAY_THIRD, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_FOURTH, ("it", "pt", "es", "de"), 24),
    (evaluate.EVERYDAY_FIFTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_SIXTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_SEVENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_EIGHTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_NINTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_TENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_ELEVENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_TWELFTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_THIRTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_FOURTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_FIFTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_SIXTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_SEVENTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_EIGHTEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EVERYDAY_NINETEENTH, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.IMPLICIT, ("en", "fr", "de", "it", "es", "pt"), 12),
    (evaluate.IMPLICIT_SECOND, ("en", "fr", "de", "it", "es", "pt"), 12),
    (evaluate.IMPLICIT_THIRD, ("en", "fr", "de", "it", "es", "pt"), 12),
    (evaluate.SHORT_REVIEWS, ("en", "fr", "de", "it", "es", "pt"), 12),
    (evaluate.SHORT_REVIEWS_SECOND, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.QUESTIONS, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.QUESTIONS_SECOND, ("en", "fr", "de", "it", "es", "pt"), 24),
    (evaluate.EXCLAMATIONS, ("en", "fr", "de", "it", "es", "pt"), 18),
    (evaluate.QUESTIONS_THIRD, ("en", "fr", "de", "it", "es", "pt"), 18),
    (evaluate.QUESTIONS_FOURTH, ("en", "fr", "de", "it", "es", "pt"), 18)])
def test_everyday_sets_are_balanced_per_language(path, languages, size):
    rows = evaluate.everyday_set(path)
    assert {code for code, _, _ in rows} == set(languages)
    for language in languages:
        labels = [label for code, label, _ in rows if code == language]
        assert len(labels) == size
        assert labels.count("positive") == labels.count("negative") == labels.count("neutral")


def test_metrics():
    truth = ["positive", "positive", "negative", "neutral"]
    predicted = ["positive", "negative", "negative", "positive"]
    result = evaluate.metrics(truth, predicted)
    assert result["accuracy"] == 50.0
    assert result["f1"] == {"negative": 66.67, "neutral": 0.0, "positive": 50.0}
    assert result["macro_f1"] == 38.89
