"""Regenerate model/model.pkl: a linear regression y = 2*x0 + 3*x1 + 1 (scikit-learn 1.5.2).

Run with the scikit-learn version pinned in environment/conda.yaml, so that the container
unpickles it with the same version:  pip install scikit-learn==1.5.2 joblib && python make_model.py
"""

from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LinearRegression

inputs = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [2, 3], [4, 1]], dtype=float)
targets = inputs @ np.array([2.0, 3.0]) + 1.0
model = LinearRegression().fit(inputs, targets)
joblib.dump(model, Path(__file__).parent / "model" / "model.pkl")
print("coefficients", model.coef_, "intercept", model.intercept_)
