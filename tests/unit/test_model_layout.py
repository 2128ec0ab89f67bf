"""What a script sees under AZUREML_MODEL_DIR: one model as the folder that holds it, several
models under <name>/<version>/."""

from aml_deploy.model_layout import ModelLayout, ModelSource


def test_one_folder_model(tmp_path):
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "w.bin").write_bytes(b"x")
    layout = ModelLayout.of([ModelSource(folder)])
    assert layout.top_level() == ["model"]
    assert layout.host_path("model/sub/w.bin") == folder / "sub" / "w.bin"
    assert layout.host_path("sub/w.bin") is None
    assert layout.files() == ["model/sub/w.bin"]


def test_one_file_model(tmp_path):
    file = tmp_path / "model.pkl"
    file.write_bytes(b"x")
    layout = ModelLayout.of([ModelSource(file)])
    assert layout.host_path("model.pkl") == file
    assert layout.host_path("model/model.pkl") is None


def test_several_models_under_name_and_version(tmp_path):
    first, second = tmp_path / "a" / "model", tmp_path / "b" / "weights.onnx"
    first.mkdir(parents=True)
    (first / "m.pkl").write_bytes(b"x")
    second.parent.mkdir()
    second.write_bytes(b"y")
    layout = ModelLayout.of([ModelSource(first, "sklearn-model", "3"), ModelSource(second, "onnx-model", "1")])
    assert layout.top_level() == ["onnx-model", "sklearn-model"]
    assert layout.host_path("sklearn-model/3/model/m.pkl") == first / "m.pkl"
    assert layout.host_path("onnx-model/1/weights.onnx") == second
    assert layout.host_path("sklearn-model") == first  # a folder above the model exists too
    assert sorted(layout.files()) == ["onnx-model/1/weights.onnx", "sklearn-model/3/model/m.pkl"]
