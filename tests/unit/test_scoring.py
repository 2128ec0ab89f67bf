"""The scoring-script linter, rule by rule. Scripts are given a deployment that names them when
a rule needs one, so that these tests go through the same cross-file path as the editor."""

import textwrap
from pathlib import Path

import pytest

from aml_deploy.checking import check_paths
from aml_deploy.findings import Severity
from aml_deploy.scoring.lint import lint

from .helpers import DEPLOYMENT_SCHEMA, codes, only, write

GOOD = """
import json
import os

import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "model.pkl"))


def run(raw_data):
    return model.predict(json.loads(raw_data)["data"]).tolist()
"""

CONDA = "dependencies:\n  - python=3.11\n  - pip:\n    - azureml-inference-server-http\n    - scikit-learn\n"


def deployed(tmp_path: Path, script: str, conda: str = CONDA, model_path: str = "./model/", image="python:3.11-slim") -> list:
    """A workspace with a deployment naming src/score.py; returns the script's findings."""
    write(tmp_path, "model/model.pkl", "binary")
    write(tmp_path, "conda.yml", conda)
    write(tmp_path, "src/score.py", textwrap.dedent(script))
    write(
        tmp_path,
        "deployment.yml",
        DEPLOYMENT_SCHEMA
        + f"""name: blue
endpoint_name: my-endpoint
model:
  path: {model_path}
code_configuration:
  code: ./src
  scoring_script: score.py
environment:
  image: {image}
  conda_file: ./conda.yml
instance_type: Standard_DS3_v2
instance_count: 1
""",
    )
    results = {str(r.path): r for r in check_paths([tmp_path])}
    return results[str(tmp_path / "src" / "score.py")].findings


def alone(source: str, name: str = "score.py"):
    return lint(Path("/tmp") / name, textwrap.dedent(source).lstrip(), [])


def test_good_script_has_no_findings(tmp_path):
    assert deployed(tmp_path, GOOD) == []


def test_other_python_files_are_left_alone():
    assert alone("def main():\n    print('hi')\n") is None
    assert alone("def process(mini_batch):\n    return mini_batch\n") is None


def test_referenced_script_without_init_and_run(tmp_path):
    findings = deployed(tmp_path, "def main():\n    pass\n")
    missing = [f for f in findings if f.code == "AMLD201"]
    assert len(missing) == 2 and all(f.severity is Severity.ERROR for f in missing)
    fix = missing[0].fixes[0]
    assert "def init():" in fix.edits[0].new_text


def test_syntax_error_at_its_position_python2():
    [finding] = alone("def init():\n    pass\n\ndef run(data):\n    print 'hello'\n")
    assert finding.code == "AMLD200" and finding.span.start_line == 4
    assert "Python 2" in finding.message


def test_a_nul_byte_is_reported_where_it_is():
    [finding] = alone("def init():\n    pass\nx = 1\0\ndef run(d):\n    return d\n")
    assert finding.code == "AMLD200" and (finding.span.start_line, finding.span.start_col) == (2, 5)
    assert "NUL byte" in finding.message


def test_an_expression_too_deep_for_python_names_its_line():
    [finding] = alone("def init():\n    pass\n" + "-" * 100_000 + "1\ndef run(d):\n    return d\n")
    assert finding.code == "AMLD200" and finding.span.start_line == 2
    assert "nests too deeply" in finding.message and "100,001 characters" in finding.message


def test_init_with_required_parameters():
    finding = only(alone("def init(model_path):\n    pass\n\ndef run(data):\n    return data\n"), "AMLD202")
    assert (finding.span.start_line, finding.span.start_col) == (0, 9)


@pytest.mark.parametrize(
    "signature, problem",
    [
        ("run()", "needs a parameter"),
        ("run(request_headers)", "needs a parameter"),
        ("run(*args)", "*args"),
        ("run(**kwargs)", "**kwargs"),
        ("run(data, /)", "positional-only"),
        ("run(a, b)", "2 input parameters"),
    ],
)
def test_run_signatures_the_server_refuses(signature, problem):
    finding = only(alone(f"def init():\n    pass\n\ndef {signature}:\n    return 1\n"), "AMLD203")
    assert problem in finding.message


@pytest.mark.parametrize("signature", ["run(data)", "run(data, request_headers)", "run(data, extra=None)"])
def test_run_signatures_the_server_accepts(signature):
    assert alone(f"def init():\n    pass\n\ndef {signature}:\n    return 1\n") == []


def test_input_schema_allows_several_parameters_and_checks_names():
    ok = alone("""
        from inference_schema.schema_decorators import input_schema
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

        def init():
            pass

        @input_schema("a", StandardPythonParameterType(1))
        @input_schema("b", StandardPythonParameterType(2))
        def run(a, b):
            return a + b
    """)
    assert ok == []
    wrong = alone("""
        from inference_schema.schema_decorators import input_schema
        def init():
            pass

        @input_schema(param_name="data", param_type=None)
        def run(inputs):
            return inputs
    """)
    finding = only(wrong, "AMLD206")
    assert "'data'" in finding.message and finding.span.start_line == 4


def test_rawhttp_with_input_schema():
    findings = alone("""
        from azureml_inference_server_http.api.aml_request import rawhttp
        from inference_schema.schema_decorators import input_schema

        def init():
            pass

        @rawhttp
        @input_schema("request", None)
        def run(request):
            return request
    """)
    assert "AMLD204" in codes(findings)


def test_aml_request_without_rawhttp():
    finding = only(
        alone("""
        from azureml_inference_server_http.api.aml_request import AMLRequest

        def init():
            pass

        def run(request):
            if isinstance(request, AMLRequest):
                return 1
    """),
        "AMLD205",
    )
    assert finding.severity is Severity.WARNING and finding.span.start_line == 6


def test_missing_global_with_fix():
    source = '''
        import joblib

        def init():
            """Load the model."""
            model = joblib.load("m.pkl")

        def run(data):
            return model.predict(data)
    '''
    finding = only(alone(source), "AMLD207")
    assert "'model'" in finding.message and finding.span.start_line == 4
    [edit] = finding.fixes[0].edits
    assert edit.new_text == "    global model\n" and edit.span.start_line == 4  # after the docstring


def test_global_declared_is_fine():
    assert alone("def init():\n    global m\n    m = 1\n\ndef run(d):\n    return m\n") == []


def test_run_local_shadowing_is_not_the_bug():
    assert alone("def init():\n    m = 1\n\ndef run(d):\n    m = 2\n    return m\n") == []


def test_comprehension_variable_in_init_is_not_state(caplog):
    """A comprehension's variable belongs to the comprehension, not to init(); the rule once took it for
    init state and then failed on the comprehension (it has no position), losing the other warnings."""
    findings = alone(
        "import joblib\nmodel = joblib.load('m.pkl')\n\ndef init():\n    rows = [x for x in range(3)]\n\ndef run(d):\n    return x\n"
    )
    assert codes(findings) == ["AMLD209"] and "rule failed" not in caplog.text


def test_errors_returned_with_status_200():
    finding = only(
        alone("""
        def init():
            pass

        def run(data):
            try:
                return 1 / 0
            except Exception as error:
                return {"error": str(error)}
    """),
        "AMLD208",
    )
    assert finding.severity is Severity.WARNING and finding.span.start_line == 6


def test_errors_with_a_status_or_reraised_are_fine():
    assert (
        alone("""
        from azureml_inference_server_http.api.aml_response import AMLResponse
        from azureml_inference_server_http.api.aml_request import rawhttp

        def init():
            pass

        @rawhttp
        def run(request):
            try:
                return 1
            except Exception as error:
                return AMLResponse(str(error), 500)
    """)
        == []
    )
    assert alone("def init():\n    pass\n\ndef run(d):\n    try:\n        return 1\n    except Exception:\n        raise\n") == []


def test_model_loaded_at_import_time():
    finding = only(
        alone("""
        import joblib as jl
        model = jl.load("model.pkl")

        def init():
            pass

        def run(data):
            return model.predict(data)

        if __name__ == "__main__":
            jl.load("other.pkl")
    """),
        "AMLD209",
    )
    assert finding.span.start_line == 1  # the module-level call, not the one under __main__
    assert "jl.load()" in finding.message


def test_removed_sklearn_joblib_with_fix():
    finding = only(alone("from sklearn.externals import joblib\n\ndef init():\n    pass\n\ndef run(d):\n    return d\n"), "AMLD211")
    assert finding.fixes[0].edits[0].new_text == "import joblib"


def test_v1_apis_in_a_v2_deployment(tmp_path):
    findings = deployed(
        tmp_path,
        """
        import joblib
        from azureml.core.model import Model

        def init():
            global model
            model = joblib.load(Model.get_model_path("sklearn_model"))

        def run(raw_data):
            return model.predict(raw_data)
    """,
        conda=CONDA + "    - azureml-core\n",
    )
    v1 = [f for f in findings if f.code == "AMLD210"]
    assert len(v1) == 2
    call = next(f for f in v1 if f.fixes)
    edits = call.fixes[0].edits
    assert edits[0].new_text == 'os.getenv("AZUREML_MODEL_DIR", "")' and edits[1].new_text == "import os\n"


def test_v1_apis_are_fine_in_a_v1_script():
    assert "AMLD210" not in codes(alone("from azureml.core.model import Model\ndef init():\n    pass\ndef run(d):\n    return d\n"))


@pytest.mark.parametrize(
    "join",
    [
        'os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "model.pkl")',
        'os.path.join(os.environ["AZUREML_MODEL_DIR"], "model/model.pkl")',
        'Path(os.getenv("AZUREML_MODEL_DIR")) / "model" / "model.pkl"',
        "f\"{os.getenv('AZUREML_MODEL_DIR')}/model/model.pkl\"",
        'os.environ.get("AZUREML_MODEL_DIR") + "/model/model.pkl"',
    ],
)
def test_model_paths_that_exist(tmp_path, join):
    script = f"import os\nfrom pathlib import Path\nimport joblib\n\ndef init():\n    global model\n    model = joblib.load({join})\n\ndef run(d):\n    return d\n"
    assert deployed(tmp_path, script) == []


def test_model_path_missing_in_a_folder_model(tmp_path):
    script = GOOD.replace('"model", "model.pkl"', '"model.pkl"')
    finding = only(deployed(tmp_path, script), "AMLD212")
    assert "Did you mean 'model/model.pkl'?" in finding.message
    assert "a folder" in finding.message


def test_model_path_of_a_file_model(tmp_path):
    """model.path names the file: the container has $AZUREML_MODEL_DIR/model.pkl, not model/model.pkl."""
    finding = only(deployed(tmp_path, GOOD, model_path="./model/model.pkl"), "AMLD212")
    assert "Did you mean 'model.pkl'?" in finding.message and "a file" in finding.message
    fixed = GOOD.replace('"model", "model.pkl"', '"model.pkl"')
    assert deployed(tmp_path, fixed, model_path="./model/model.pkl") == []


def test_model_path_through_variables(tmp_path):
    script = GOOD.replace(
        'model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "model.pkl"))',
        'base = os.getenv("AZUREML_MODEL_DIR")\n    folder = os.path.join(base, "models")\n'
        "    model = joblib.load(os.path.join(folder, name_from_somewhere()))",
    )
    finding = only(deployed(tmp_path, script), "AMLD212")
    assert "$AZUREML_MODEL_DIR/models " in finding.message


def test_missing_package(tmp_path):
    script = "import cv2\nimport numpy\nimport helper\n" + GOOD
    write(tmp_path, "src/helper.py", "")
    finding = only(deployed(tmp_path, script), "AMLD213")
    assert "opencv-python" in finding.message and finding.span.start_line == 0


def test_packages_pulled_in_by_others_count(tmp_path):
    assert deployed(tmp_path, "import numpy\nimport scipy\n" + GOOD) == []  # scikit-learn brings both


def test_unknown_image_skips_the_package_check(tmp_path):
    assert deployed(tmp_path, "import cv2\n" + GOOD, image="myregistry.azurecr.io/custom:1") == []


def test_linting_never_runs_the_script(tmp_path):
    marker = tmp_path / "imported.txt"
    script = f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n" + GOOD
    deployed(tmp_path, script)
    assert lint(tmp_path / "x.py", script, []) is not None
    assert not marker.exists()
