"""The training and evaluation pipeline on a tiny corpus in the UMSAB layout."""

import json

import pytest
from conftest import TINY_QUANTIZE, TINY_TRAIN, tiny_lines

from sentiment import evaluate, shuffles, train
from sentiment.store import sha256_of

LABEL_IDS = {"negative": "0", "neutral": "1", "positive": "2"}


def write_corpus(folder, split, lines):
    folder.mkdir(parents=True, exist_ok=True)
    labels = [line.split(" ", 1)[0].removeprefix("__label__") for line in lines]
    texts = [line.split(" ", 1)[1] for line in lines]
    (folder / f"{split}_text.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (folder / f"{split}_labels.txt").write_text("\n".join(LABEL_IDS[label] for label in labels) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A tiny data folder: umsab/english train and val, and one extra English corpus."""
    data = tmp_path_factory.mktemp("data")
    lines = tiny_lines("en")
    write_corpus(data / "umsab" / "english", "train", lines[::2])
    write_corpus(data / "umsab" / "english", "val", lines[1::2])
    write_corpus(data / "extra" / "en" / "more", "train", lines[1::2])
    return data


@pytest.fixture(autouse=True)
def tiny_recipe(monkeypatch):
    """Train with the tiny recipe: the real one takes a minute even on tiny data."""
    monkeypatch.setattr(train, "TRAIN", TINY_TRAIN)
    monkeypatch.setattr(train, "QUANTIZE", TINY_QUANTIZE)
    monkeypatch.setattr(train, "TUNED", {})
    monkeypatch.setattr(train, "EXTRA", {})


def test_training_writes_verified_models_and_a_manifest(corpus, tmp_path):
    out = tmp_path / "models"
    train.main(["--data", str(corpus), "--out", str(out), "--languages", "en"])
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["models"]["en"]
    assert manifest["fasttext_version"] == "0.9.3"
    assert entry["file"] == "en.ftz" and entry["language"] == "en"
    assert entry["sha256"] == sha256_of(out / "en.ftz")
    assert entry["size"] == (out / "en.ftz").stat().st_size <= 2_000_000
    assert sorted(entry["labels"]) == ["negative", "neutral", "positive"]
    assert entry["training_data"] == ["umsab/english"]
    assert entry["val"]["macro_f1"] >= 60.0
    assert not list(out.glob("*.part"))


def test_retraining_one_language_keeps_the_others_in_the_manifest(corpus, tiny_models, tmp_path):
    out = tmp_path / "models"
    out.mkdir()
    (out / "manifest.json").write_text((tiny_models / "manifest.json").read_text())
    train.main(["--data", str(corpus), "--out", str(out), "--languages", "en"])
    models = json.loads((out / "manifest.json").read_text())["models"]
    assert set(models) == {"en", "fr", "lid"}
    assert models["en"]["sha256"] == sha256_of(out / "en.ftz")


def test_extra_corpora_join_when_selected(corpus, monkeypatch):
    monkeypatch.setitem(train.EXTRA, "en", {"extra/en/more": None})
    lines, sources = train.training_lines(corpus, "en")
    assert sources == ["umsab/english", "extra/en/more"]
    assert sorted(lines) == sorted(tiny_lines("en"))


def test_extra_corpora_are_sampled_per_class(corpus, monkeypatch):
    monkeypatch.setitem(train.EXTRA, "en", {"extra/en/more": 3})
    lines, _ = train.training_lines(corpus, "en")
    extra = len(lines) - len(tiny_lines("en")[::2])
    assert extra == 9  # three of each of the three classes


def test_missing_corpora_and_unknown_languages_stop_training_before_it_starts(corpus, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(train.EXTRA, "en", {"extra/en/gone": None})
    out = tmp_path / "models"
    with pytest.raises(SystemExit) as stopped:
        train.main(["--data", str(corpus), "--out", str(out), "--languages", "en,xx,fr"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    french = corpus / "umsab" / "french"
    expected = f"{corpus / 'extra/en/gone/train_text.txt'}, xx, {french / 'train_text.txt'}, {french / 'val_text.txt'}"
    assert f"no training data for: {expected}" in error
    assert not out.exists()


def test_a_rerun_reproduces_the_same_model(corpus, tmp_path):
    lines, _ = train.training_lines(corpus, "en")
    train.train(lines, tmp_path / "a.ftz", train.TRAIN, train.QUANTIZE)
    train.train(lines, tmp_path / "b.ftz", train.TRAIN, train.QUANTIZE)
    assert sha256_of(tmp_path / "a.ftz") == sha256_of(tmp_path / "b.ftz")


def test_shuffles_score_the_recipe_on_reshuffled_lines(corpus, capsys):
    results = shuffles.shuffle_scores(corpus, "en", 2)
    assert len(results) == 2 and all(60.0 <= r <= 100.0 for r in results)
    assert train.training_lines(corpus, "en", 1)[0] != train.training_lines(corpus, "en", 2)[0]
    shuffles.main(["--data", str(corpus), "--languages", "en", "--shuffles", "1"])
    assert capsys.readouterr().out.startswith("en: val macro-F1 ")
    with pytest.raises(SystemExit):
        shuffles.main(["--data", str(corpus), "--languages", "en", "--shuffles", "0"])


def test_evaluate_prints_the_table_against_the_paper(corpus, tiny_models, capsys):
    evaluate.main(["--data", str(corpus), "--models", str(tiny_models), "--split", "val"])
    out = capsys.readouterr().out
    assert out.startswith("| language | macro-F1 |")
    assert "| en | 100.0 | 100.0 | 100.0 / 100.0 / 100.0 | 50.9 | 68.2 |" in out
    assert "| fr |" not in out  # no French data in this folder


def test_metrics():
    truth = ["positive", "positive", "negative", "neutral"]
    predicted = ["positive", "negative", "negative", "positive"]
    result = evaluate.metrics(truth, predicted)
    assert result["accuracy"] == 50.0
    assert result["f1"] == {"negative": 66.67, "neutral": 0.0, "positive": 50.0}
    assert result["macro_f1"] == 38.89
