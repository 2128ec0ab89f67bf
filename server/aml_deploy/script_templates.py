"""Source text for a new scoring script and for missing init()/run() functions."""

INIT_STUB = '''def init():
    """Called once when the server starts: load the model into a global here."""
    global model
    model_dir = os.getenv("AZUREML_MODEL_DIR", "")
    model = None  # e.g. joblib.load(os.path.join(model_dir, "model.pkl"))
'''

RUN_STUB = '''def run(raw_data):
    """Called for each request with the request body as text; return what JSON can encode."""
    data = json.loads(raw_data)
    return {"received": data}
'''


def new_script() -> str:
    return f"import json\nimport os\n\n\n{INIT_STUB}\n\n{RUN_STUB}"
