"""A scoring script with the mistakes people really make."""

import json
import os

import cv2
from sklearn.externals import joblib


def init():
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    try:
        data = json.loads(raw_data)["data"]
        return model.predict(data).tolist()
    except Exception as error:
        return str(error)
