"""Temperature scaling of the models' probabilities (with class biases and smoothing where a recipe asks), and the
expected calibration error that judges it."""

import math

import numpy as np

from .model import MAX_BIAS

# Temperatures searched, log-spaced: below 1 sharpens, above 1 softens.
TEMPERATURES = [math.exp(i / 50) for i in range(-100, 201)]
ECE_BINS = 10
# Searched by fit_smoothing: factors on the calibrated logits, log-spaced around 1, and shares of each row spread
# evenly over the classes.
SHARPENINGS = [math.exp(i / 20) for i in range(-10, 21)]
SMOOTHINGS = [i / 100 for i in range(0, 21, 2)]
# The range of factors match_accuracy searches (by bisection) for the one that makes the mean top score the accuracy.
MATCH_FACTORS = (0.25, 4.0)


def calibrate(probabilities, temperature, bias, smoothing=0.0):
    """Return `probabilities` (one per class) raised to 1/`temperature`, each class's then weighted by exp(its
    `bias`), renormalised: softmax(logits / T + bias); with `smoothing`, that share of it spread evenly."""
    powered = [p ** (1.0 / temperature) * math.exp(b) for p, b in zip(probabilities, bias)]
    total = sum(powered)
    return [(1.0 - smoothing) * p / total + smoothing / len(powered) for p in powered]


def calibrate_as_served(rows, plain, temperature, bias, smoothing, plain_temperature, plain_bias=None):
    """Return `rows` calibrated as the service scores them (SentimentModel.classify): those `plain` at
    `plain_temperature` with `plain_bias` (None: `bias`), unsmoothed, the others at `temperature` with `bias` and
    `smoothing`."""
    plain_bias = bias if plain_bias is None else plain_bias
    return [calibrate(row, plain_temperature, plain_bias) if is_plain else calibrate(row, temperature, bias, smoothing)
            for row, is_plain in zip(rows, plain)]


def log_loss(rows, truth, temperature, bias=None):
    """Return the mean negative log-likelihood of class indices `truth` under `rows` scaled by `temperature` (and
    weighted by `bias`, if given)."""
    bias = bias or [0.0] * len(rows[0])
    return -sum(math.log(calibrate(row, temperature, bias)[t]) for row, t in zip(rows, truth)) / len(rows)


def fit_temperature(rows, truth, bias=None):
    """Return the temperature (from TEMPERATURES) that minimises the log loss of `rows` against `truth`, with
    the class `bias` fixed, if given."""
    return min(TEMPERATURES, key=lambda t: log_loss(rows, truth, t, bias))


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


def fit(rows, truth, bias=False):
    """Return the (temperature, per-class bias) that minimise the log loss of `rows` against `truth`; without
    `bias`, the temperature alone (biases 0). The first class's bias is 0: softmax only sees their differences.
    Both are kept within what a manifest may hold (TEMPERATURES' range, ±MAX_BIAS): a class that `truth` lacks
    would push its bias without end."""
    classes = len(rows[0])
    if not bias:
        return fit_temperature(rows, truth), [0.0] * classes
    # The log loss of softmax(a * logits + b) is convex in (a, b): Newton's method, each step halved until it
    # lowers the loss. Features of class c: its logit, and an indicator for each class but the first.
    features = np.zeros((len(rows), classes, classes))
    features[:, :, 0] = np.log(np.asarray(rows, dtype=float))
    features[:, 1:, 1:] = np.eye(classes - 1)
    onehot = np.eye(classes)[np.asarray(truth)]

    def loss_and_probabilities(theta):
        z = features @ theta
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return -np.mean(np.log(np.sum(p * onehot, axis=1))), p

    theta = np.zeros(classes)
    theta[0] = 1.0 / fit_temperature(rows, truth)
    loss, p = loss_and_probabilities(theta)
    for _ in range(50):
        mean = np.einsum("nc,ncd->nd", p, features)
        gradient = np.einsum("nc,ncd->d", p - onehot, features) / len(rows)
        hessian = (np.einsum("nc,ncd,nce->de", p, features, features) - mean.T @ mean) / len(rows)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(classes), gradient)
        for _ in range(30):
            new_loss, new_p = loss_and_probabilities(theta - step)
            if new_loss <= loss:
                break
            step /= 2
        else:
            break
        theta, converged = theta - step, loss - new_loss < 1e-10
        loss, p = new_loss, new_p
        if converged:
            break
    temperature = 1.0 / theta[0] if theta[0] > 0 else TEMPERATURES[-1]
    return (float(min(max(temperature, TEMPERATURES[0]), TEMPERATURES[-1])),
            [0.0, *(float(b) for b in np.clip(theta[1:], -MAX_BIAS, MAX_BIAS))])


def fit_smoothing(rows, truth, temperature, bias):
    """Return the (temperature, bias, smoothing) that minimise the log loss of `rows` against `truth` while keeping
    the answers of (`temperature`, `bias`): its logits times a factor (SHARPENINGS), then a share (SMOOTHINGS) of
    each row spread evenly. A temperature alone cannot make a model's middling scores surer and its surest less so."""
    logits = np.log(np.asarray(rows, dtype=float)) / temperature + np.asarray(bias)
    truth = np.asarray(truth)
    best = None
    for factor in SHARPENINGS:
        z = logits * factor
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        right = p[np.arange(len(truth)), truth] / p.sum(axis=1)
        for smoothing in SMOOTHINGS:
            loss = -np.mean(np.log((1.0 - smoothing) * right + smoothing / logits.shape[1]))
            if best is None or loss < best[0]:
                best = (loss, factor, smoothing)
    _, factor, smoothing = best
    return temperature / factor, [float(np.clip(b * factor, -MAX_BIAS, MAX_BIAS)) for b in bias], smoothing


def match_accuracy(rows, truth, plain, temperature, bias, smoothing, plain_temperature, plain_bias=None):
    """Return (temperature, bias), both scaled by one factor, which keeps the answers of the rows that take them, so
    that the mean top score of `rows` as served (those `plain` at `plain_temperature` with `plain_bias`, None: the
    scaled `bias`, unsmoothed) is their accuracy.
    Log loss alone left English's and Spanish's tweets 2 points surer than right: those that read as plain sentences
    take the plain temperature, fitted on sentences clearer than they are."""

    def scaled_bias(factor):
        return [min(max(b / factor, -MAX_BIAS), MAX_BIAS) for b in bias]

    def excess(factor):
        served = calibrate_as_served(rows, plain, temperature * factor, scaled_bias(factor), smoothing,
                                     plain_temperature, plain_bias)
        right = sum(max(range(len(row)), key=row.__getitem__) == t for row, t in zip(served, truth))
        return sum(max(row) for row in served) - right

    low, high = MATCH_FACTORS
    for _ in range(30):
        middle = math.sqrt(low * high)
        low, high = (middle, high) if excess(middle) > 0 else (low, middle)
    factor = math.sqrt(low * high)
    return temperature * factor, scaled_bias(factor)


def fit_all(rows, truth, read_plain, plain_rows, plain_truth, bias=False, smoothed=False, plain_bias=None):
    """Return a model's calibration from its out-of-fold tweets (`rows`, `truth`; `read_plain`: each scored as a plain
    sentence) and plain sentences (`plain_rows`, `plain_truth`; none: no plain temperature): (temperature, per-class
    bias, smoothing, plain temperature or None), fitted in that order and then matched to the accuracy. Plain sentences
    take `plain_bias` (None: the tweets' bias)."""
    temperature, biases = fit(rows, truth, bias)
    smoothing = 0.0
    if smoothed:
        temperature, biases, smoothing = fit_smoothing(rows, truth, temperature, biases)
    plain_temperature = fit_temperature(plain_rows, plain_truth, biases if plain_bias is None else plain_bias) \
        if plain_truth else None
    temperature, biases = match_accuracy(rows, truth, read_plain, temperature, biases, smoothing, plain_temperature,
                                         plain_bias)
    return temperature, biases, smoothing, plain_temperature
