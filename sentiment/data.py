"""Reading corpora in the UMSAB layout: `<folder>/<split>_text.txt` beside `<split>_labels.txt`."""

from pathlib import Path

from .languages import UMSAB_FOLDERS

LABELS = ("negative", "neutral", "positive")


def read_corpus(folder, split):
    """Return the (texts, labels) of `folder/<split>_*.txt`, labels as names from LABELS."""
    folder = Path(folder)
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = [LABELS[int(line)] for line in (folder / f"{split}_labels.txt").read_text().split()]
    if len(texts) != len(labels):
        raise ValueError(f"{folder}/{split}: {len(texts)} texts but {len(labels)} labels")
    return texts, labels


def read_rows(path, fields):
    """Return the rows of the tab-separated file at `path`, `fields` fields each; blank and # lines skipped."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            row = tuple(line.split("\t"))
            if len(row) != fields:
                raise ValueError(f"{path}: expected {fields} tab-separated fields in {line!r}")
            rows.append(row)
    return rows


def umsab_folder(data_dir, language):
    """Return the UMSAB folder of `language` (an ISO code) under `data_dir`."""
    return Path(data_dir) / "umsab" / UMSAB_FOLDERS[language]

