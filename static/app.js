// The try-it form: POST the text to /invocations and show the four scores.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("try-it");
  const result = document.getElementById("result");
  const error = document.getElementById("error");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.hidden = true;
    error.hidden = true;
    const payload = { text: form.text.value, language: form.language.value };
    try {
      const response = await fetch("invocations", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
      document.getElementById("sentiment").textContent = body.Sentiment;
      document.getElementById("language-used").textContent = `(language: ${body.LanguageCode})`;
      for (const [name, value] of Object.entries(body.SentimentScore)) {
        document.getElementById(`score-${name}`).value = value;
        document.getElementById(`value-${name}`).textContent = value.toFixed(3);
      }
      result.hidden = false;
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
});
