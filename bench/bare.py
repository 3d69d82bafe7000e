"""The ceiling for `make bench`: a bare Flask route that parses the same JSON and answers a JSON of the same size."""

import json

from flask import Flask, request

app = Flask(__name__)
ANSWER = json.dumps({"Sentiment": "POSITIVE", "SentimentScore": {"Positive": 0.9312345678901234,
                     "Negative": 0.0312345678901234, "Neutral": 0.0375308642197532, "Mixed": 0.0},
                     "LanguageCode": "en"})


@app.post("/invocations")
def invocations():
    json.loads(request.get_data())
    return app.response_class(ANSWER, mimetype="application/json")
