"""Import names -> the distributions that provide them, and what common distributions pull in.

Only modules in IMPORT_NAMES are ever reported missing: for anything else the linter cannot tell
whether some dependency brings it along, and a warning must be true.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ..documents.conda import CondaSpec, distribution_name

# Top-level (or dotted, longest prefix wins) module -> distributions, any one of which provides it.
# Conda package names are listed too (pytorch, py-xgboost, py-opencv).
IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "scipy": ("scipy",),
    "sklearn": ("scikit-learn", "sklearn"),
    "joblib": ("joblib",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless", "opencv", "py-opencv"),
    "PIL": ("pillow", "pil"),
    "yaml": ("pyyaml",),
    "skimage": ("scikit-image",),
    "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",),
    "torch": ("torch", "pytorch", "pytorch-cpu"),
    "torchvision": ("torchvision",),
    "torchaudio": ("torchaudio",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tf-nightly"),
    "keras": ("keras", "tensorflow", "tensorflow-cpu", "tensorflow-gpu"),
    "xgboost": ("xgboost", "py-xgboost"),
    "lightgbm": ("lightgbm",),
    "catboost": ("catboost",),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu"),
    "onnx": ("onnx",),
    "transformers": ("transformers",),
    "tokenizers": ("tokenizers",),
    "huggingface_hub": ("huggingface-hub",),
    "sentence_transformers": ("sentence-transformers",),
    "datasets": ("datasets",),
    "accelerate": ("accelerate",),
    "safetensors": ("safetensors",),
    "mlflow": ("mlflow", "mlflow-skinny", "azureml-mlflow"),
    "inference_schema": ("inference-schema",),
    "azureml_inference_server_http": ("azureml-inference-server-http",),
    "azureml.core": ("azureml-core", "azureml-defaults"),
    "azureml.contrib.services": ("azureml-contrib-services", "azureml-defaults"),
    "azureml.ai.monitoring": ("azureml-ai-monitoring",),
    "azure.identity": ("azure-identity",),
    "azure.keyvault.secrets": ("azure-keyvault-secrets",),
    "azure.storage.blob": ("azure-storage-blob",),
    "azure.ai.ml": ("azure-ai-ml",),
    "requests": ("requests",),
    "flask": ("flask",),
    "fastapi": ("fastapi",),
    "pydantic": ("pydantic",),
    "matplotlib": ("matplotlib",),
    "seaborn": ("seaborn",),
    "plotly": ("plotly",),
    "statsmodels": ("statsmodels",),
    "shap": ("shap",),
    "nltk": ("nltk",),
    "spacy": ("spacy",),
    "gensim": ("gensim",),
    "pyarrow": ("pyarrow",),
    "tqdm": ("tqdm",),
    "pytz": ("pytz",),
    "six": ("six",),
    "attr": ("attrs",),
    "attrs": ("attrs",),
    "jwt": ("pyjwt",),
    "dotenv": ("python-dotenv",),
    "pyspark": ("pyspark",),
    "openai": ("openai",),
    "tiktoken": ("tiktoken",),
    "diffusers": ("diffusers",),
    "timm": ("timm",),
    "lxml": ("lxml",),
    "sqlalchemy": ("sqlalchemy",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "cloudpickle": ("cloudpickle",),
    "dill": ("dill",),
    "h5py": ("h5py",),
    "regex": ("regex",),
    "packaging": ("packaging",),
    "pkg_resources": ("setuptools",),
    "setuptools": ("setuptools",),
    "typing_extensions": ("typing-extensions",),
    "google.protobuf": ("protobuf",),
    "werkzeug": ("werkzeug",),
}

# Distribution -> what installing it brings along (direct requirements of the common packages).
PULLS_IN: dict[str, set[str]] = {
    "scikit-learn": {"numpy", "scipy", "joblib", "threadpoolctl"},
    "pandas": {"numpy", "python-dateutil", "pytz", "tzdata", "six"},
    "scipy": {"numpy"},
    "matplotlib": {"numpy", "pillow", "python-dateutil", "pyparsing", "cycler", "kiwisolver", "fonttools", "contourpy", "packaging"},
    "seaborn": {"numpy", "pandas", "matplotlib"},
    "torch": {"typing-extensions", "filelock", "jinja2", "sympy", "networkx", "fsspec"},
    "pytorch": {"torch", "typing-extensions", "filelock", "jinja2", "sympy", "networkx"},
    "torchvision": {"torch", "numpy", "pillow"},
    "torchaudio": {"torch"},
    "tensorflow": {"numpy", "keras", "protobuf", "h5py", "absl-py", "six", "wrapt", "packaging", "requests", "ml-dtypes"},
    "tensorflow-cpu": {"tensorflow"},
    "tensorflow-gpu": {"tensorflow"},
    "tensorflow-intel": {"tensorflow"},
    "keras": {"numpy", "h5py", "absl-py", "packaging", "ml-dtypes"},
    "transformers": {
        "numpy",
        "tokenizers",
        "huggingface-hub",
        "pyyaml",
        "requests",
        "regex",
        "tqdm",
        "safetensors",
        "packaging",
        "filelock",
    },
    "sentence-transformers": {"transformers", "torch", "numpy", "scikit-learn", "scipy", "huggingface-hub", "pillow", "tqdm"},
    "datasets": {"numpy", "pandas", "pyarrow", "requests", "tqdm", "huggingface-hub", "pyyaml", "fsspec", "dill"},
    "accelerate": {"numpy", "torch", "psutil", "pyyaml", "huggingface-hub", "safetensors", "packaging"},
    "diffusers": {"numpy", "pillow", "requests", "huggingface-hub", "safetensors", "regex", "filelock"},
    "huggingface-hub": {"requests", "tqdm", "pyyaml", "filelock", "packaging", "fsspec", "typing-extensions"},
    "xgboost": {"numpy", "scipy"},
    "py-xgboost": {"xgboost", "numpy", "scipy"},
    "lightgbm": {"numpy", "scipy"},
    "catboost": {"numpy", "pandas", "scipy", "matplotlib", "plotly", "six"},
    "onnxruntime": {"numpy", "protobuf", "flatbuffers", "sympy", "coloredlogs", "packaging"},
    "onnxruntime-gpu": {"onnxruntime"},
    "onnx": {"numpy", "protobuf"},
    "opencv-python": {"numpy"},
    "opencv-python-headless": {"numpy"},
    "opencv-contrib-python": {"numpy"},
    "opencv": {"numpy"},
    "py-opencv": {"numpy"},
    "scikit-image": {"numpy", "scipy", "pillow", "networkx", "imageio", "packaging"},
    "statsmodels": {"numpy", "scipy", "pandas", "patsy", "packaging"},
    "shap": {"numpy", "scipy", "scikit-learn", "pandas", "tqdm", "cloudpickle", "packaging"},
    "nltk": {"click", "joblib", "regex", "tqdm"},
    "pyarrow": {"numpy"},
    "mlflow": {"mlflow-skinny", "numpy", "pandas", "scikit-learn", "scipy", "matplotlib", "flask", "pyarrow", "sqlalchemy"},
    "mlflow-skinny": {"cloudpickle", "click", "pyyaml", "requests", "packaging", "protobuf", "sqlparse"},
    "azureml-mlflow": {"mlflow-skinny"},
    "inference-schema": {"python-dateutil", "pytz", "wrapt"},
    "azureml-inference-server-http": {
        "flask",
        "werkzeug",
        "inference-schema",
        "pydantic",
        "pydantic-settings",
        "azure-identity",
        "azure-core",
        "requests",
        "gunicorn",
        "flask-cors",
        "psutil",
        "jinja2",
        "click",
        "itsdangerous",
        "markupsafe",
        "opentelemetry-api",
        "opentelemetry-sdk",
        "typing-extensions",
    },
    "azureml-defaults": {"azureml-inference-server-http", "azureml-core", "json-logging-py", "applicationinsights"},
    "azureml-core": {
        "requests",
        "pyyaml",
        "msrest",
        "azure-core",
        "pytz",
        "python-dateutil",
        "cryptography",
        "docker",
        "packaging",
        "jsonpickle",
        "jmespath",
        "urllib3",
        "pyjwt",
        "paramiko",
    },
    "azure-identity": {"azure-core", "msal", "cryptography", "typing-extensions"},
    "azure-ai-ml": {"azure-core", "azure-storage-blob", "pyyaml", "marshmallow", "jsonschema", "tqdm", "pyjwt", "msrest"},
    "azure-keyvault-secrets": {"azure-core", "isodate", "typing-extensions"},
    "azure-keyvault": {"azure-keyvault-secrets", "azure-keyvault-keys", "azure-keyvault-certificates"},
    "azure-storage-blob": {"azure-core", "cryptography", "isodate", "typing-extensions"},
    "azure-core": {"requests", "six", "typing-extensions"},
    "requests": {"urllib3", "idna", "certifi", "charset-normalizer"},
    "flask": {"werkzeug", "jinja2", "itsdangerous", "click", "blinker"},
    "fastapi": {"pydantic", "starlette", "typing-extensions"},
    "openai": {"httpx", "pydantic", "typing-extensions", "anyio", "distro", "tqdm", "jiter", "sniffio"},
    "tiktoken": {"regex", "requests"},
    "timm": {"torch", "torchvision", "pyyaml", "huggingface-hub", "safetensors"},
    "spacy": {"numpy", "requests", "tqdm", "pydantic", "jinja2", "packaging", "setuptools"},
    "gensim": {"numpy", "scipy", "smart-open"},
    "pip": {"setuptools"},
    "python": {"pip", "setuptools"},
}

# Conda and pip extras that bring more: inference-schema[numpy-support] -> numpy.
EXTRAS = {
    ("inference-schema", "numpy-support"): {"numpy"},
    ("inference-schema", "pandas-support"): {"pandas", "numpy"},
    ("inference-schema", "pyspark-support"): {"pyspark"},
}


def distributions_for(module: str) -> tuple[str, ...] | None:
    """The distributions that can provide `module` (dotted; longest known prefix), or None if unknown."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        found = IMPORT_NAMES.get(".".join(parts[:length]))
        if found:
            return found
    return None


def provided(spec: CondaSpec, image_brings: Iterable[str] = frozenset()) -> set[str]:
    """Every distribution the environment ends up with, following PULLS_IN."""
    start = set(spec.distributions()) | set(image_brings) | {"pip", "setuptools"}
    for line in spec.pip + spec.conda:
        name = distribution_name(line)
        if name and "[" in line:
            extras = line.split("[", 1)[1].split("]", 1)[0]
            for extra in extras.split(","):
                start |= EXTRAS.get((name, extra.strip().lower()), set())
    return _closure(frozenset(start))


@functools.lru_cache(maxsize=512)
def _closure(start: frozenset[str]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for dependency in PULLS_IN.get(stack.pop(), ()):
            if dependency not in seen:
                seen.add(dependency)
                stack.append(dependency)
    return seen
