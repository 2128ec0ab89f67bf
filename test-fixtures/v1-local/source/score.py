"""Scoring script for the sample linear model: y = 2*x0 + 3*x1 + 1."""

import json
import logging
import os

import joblib
import numpy


def init():
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR", ""), "model", "model.pkl")
    model = joblib.load(model_path)
    logging.info("model loaded from %s", model_path)


def run(raw_data):
    data = numpy.array(json.loads(raw_data)["data"], dtype=float)
    return model.predict(data).round(6).tolist()
