"""Temperature scaling of the models' probabilities, and the expected calibration error that judges it."""

import math

# Temperatures searched, log-spaced: below 1 sharpens, above 1 softens.
TEMPERATURES = [math.exp(i / 50) for i in range(-100, 201)]
ECE_BINS = 10


def scale(probabilities, temperature):
    """Return `probabilities` (one per class) raised to 1/`temperature` and renormalised: softmax(logits / T)."""
    powered = [p ** (1.0 / temperature) for p in probabilities]
    total = sum(powered)
    return [p / total for p in powered]


def log_loss(rows, truth, temperature):
    """Return the mean negative log-likelihood of class indices `truth` under `rows` scaled by `temperature`."""
    return -sum(math.log(scale(row, temperature)[t]) for row, t in zip(rows, truth)) / len(rows)


def fit_temperature(rows, truth):
    """Return the temperature (from TEMPERATURES) that minimises the log loss of `rows` against `truth`."""
    return min(TEMPERATURES, key=lambda t: log_loss(rows, truth, t))


def expected_calibration_error(rows, truth, bins=ECE_BINS):
    """Return the expected calibration error (percentage points) of the top probability of each row."""
    totals = [[0, 0.0, 0] for _ in range(bins)]  # count, summed confidence, correct
    for row, t in zip(rows, truth):
        top = max(range(len(row)), key=row.__getitem__)
        cell = totals[min(int(row[top] * bins), bins - 1)]
        cell[0] += 1
        cell[1] += row[top]
        cell[2] += top == t
    return 100.0 * sum(abs(confidence - correct) for _, confidence, correct in totals) / len(rows)
