"""The sentiment service's library: normalisation, models, model store, training and evaluation."""
