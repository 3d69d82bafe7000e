"""SageMaker's content types for /invocations: CSV and JSON-lines records in, JSON, JSON lines or CSV out.

Scores are written to 8 significant digits (format spec ".8": repr's shape, so json.dumps would write the
number it reads the same way): more than the float32 that Comprehend answers in holds, at a third of repr's
cost, the largest part of writing an answer.
"""

import codecs
import csv
import io
import json

JSON = "application/json"
JSONLINES = "application/jsonlines"
CSV = "text/csv"
TYPES = (JSON, JSONLINES, CSV)


def decode(data):
    """Return a request body's UTF-8 bytes as text, without the byte order mark that Windows tools write first."""
    return data.removeprefix(codecs.BOM_UTF8).decode("utf-8")


def read_csv(data):
    """Return the texts of a CSV body, one record a line (RFC 4180 quoting; unquoted commas stay in the text;
    blank lines are skipped, as in JSON lines); raise ValueError naming the line of a malformed record."""
    # Strict: a lenient reader lets an unclosed quote swallow every line after it into one text, and the answer
    # then holds fewer records than the body, out of step with it.
    rows = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    texts, line = [], 1
    try:
        for row in rows:
            if row:
                texts.append(",".join(row))
            line = rows.line_num + 1
    except csv.Error as error:
        raise ValueError(f"the CSV record on line {line} is malformed ({error}): a text that starts with a quote, "
                         "or has one right after a comma, must be quoted whole, its own quotes doubled") from None
    return texts


# The text of a JSON line that is not an object with "text" or "source": its record fails on its own.
NOT_A_RECORD = object()


def read_jsonlines(data, loads):
    """Return (text, language hint) of each line of a JSON-lines body: {"text": ...} or {"source": ...}, with an
    optional "language"; a line that is not such an object gives (NOT_A_RECORD, None)."""
    records = []
    for line in decode(data).splitlines():
        if not line.strip():
            continue
        try:
            record = loads(line)
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict) or ("text" not in record and "source" not in record):
            records.append((NOT_A_RECORD, None))
            continue
        records.append((record.get("text", record.get("source")), record.get("language")))
    return records


def _fields(result):
    """The members of one result as json.dumps writes them, but written directly: every value is a score, a
    boolean or a string from a fixed set (a sentiment, a served language code), so nothing needs escaping."""
    scores = result["SentimentScore"]
    return (f'"Sentiment": "{result["Sentiment"]}", "SentimentScore": {{"Positive": {scores["Positive"]:.8}, '
            f'"Negative": {scores["Negative"]:.8}, "Neutral": {scores["Neutral"]:.8}, "Mixed": {scores["Mixed"]:.8}}}, '
            f'"LanguageCode": "{result["LanguageCode"]}", '
            f'"LanguageDetected": {"true" if result["LanguageDetected"] else "false"}')


def write_result(result):
    """One /invocations result as JSON: json.dumps(result, ensure_ascii=False) with its scores to 8 digits."""
    return f"{{{_fields(result)}}}"


def write_batch(batch):
    """A /invocations batch answer as JSON: json.dumps(batch, ensure_ascii=False) with its scores to 8 digits."""
    results = ", ".join([f'{{"Index": {item["Index"]}, {_fields(item)}}}' for item in batch["ResultList"]])
    return f'{{"ResultList": [{results}], "ErrorList": {json.dumps(batch["ErrorList"], ensure_ascii=False)}}}'


def _lines(batch):
    """The batch answer's items in input order: each result, or its error."""
    items = {item["Index"]: item for item in batch["ResultList"]}
    items.update((error["Index"], error) for error in batch["ErrorList"])
    return [items[index] for index in sorted(items)]


def write_jsonlines(batch):
    """One JSON line per input record: its result, or {"ErrorCode", "ErrorMessage"}."""
    return "".join(json.dumps({k: v for k, v in item.items() if k != "Index"}, ensure_ascii=False) + "\n"
                   if "ErrorCode" in item else f"{{{_fields(item)}}}\n" for item in _lines(batch))


def write_csv(batch):
    """One CSV line per input record: Sentiment, the four scores and LanguageCode; an error fills only the
    first column, with its ErrorCode."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for item in _lines(batch):
        if "ErrorCode" in item:
            writer.writerow([item["ErrorCode"], "", "", "", "", ""])
        else:
            scores = item["SentimentScore"]
            writer.writerow([item["Sentiment"], f'{scores["Positive"]:.8}', f'{scores["Negative"]:.8}',
                             f'{scores["Neutral"]:.8}', f'{scores["Mixed"]:.8}', item["LanguageCode"]])
    return out.getvalue()
