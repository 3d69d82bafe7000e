// The try-it form: POST the text to /invocations, show the sentiment, the language and the four scores.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("try-it");
  const result = document.getElementById("result");
  const error = document.getElementById("error");
  const names = JSON.parse(form.dataset.names);

  async function analyse() {
    result.hidden = true;
    error.hidden = true;
    const headers = { "Content-Type": "application/json" };
    const key = document.getElementById("api-key");
    if (key && key.value) headers.Authorization = `Bearer ${key.value}`;
    try {
      const response = await fetch("invocations", {
        method: "POST",
        headers,
        body: JSON.stringify({ text: form.text.value, language: form.language.value }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
      const sentiment = document.getElementById("sentiment");
      sentiment.textContent = body.Sentiment.charAt(0) + body.Sentiment.slice(1).toLowerCase();
      sentiment.className = body.Sentiment.toLowerCase();
      const language = names[body.LanguageCode] || body.LanguageCode;
      document.getElementById("language-used").textContent =
        `${language}, ${body.LanguageDetected ? "detected" : "as chosen"}`;
      for (const [name, value] of Object.entries(body.SentimentScore)) {
        document.getElementById(`bar-${name}`).style.width = `${(value * 100).toFixed(1)}%`;
        document.getElementById(`value-${name}`).textContent = value.toFixed(2);
      }
      result.hidden = false;
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    analyse();
  });
  for (const example of document.querySelectorAll(".example")) {
    example.addEventListener("click", () => {
      form.text.value = example.dataset.text;
      form.language.value = example.dataset.language;
      analyse();
    });
  }
});
