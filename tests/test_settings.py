import os

import pytest

from dlcv import settings
from dlcv.errors import ConfigError


@pytest.mark.parametrize("value, forbidden", [("", False), ("allow", False), (" FORBID ", True)])
def test_training_mode_reads_the_environment(monkeypatch, value, forbidden):
    monkeypatch.setenv("DLCV_TRAINING", value)
    assert settings.training_forbidden() is forbidden


def test_a_bogus_training_mode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DLCV_TRAINING", "never")
    with pytest.raises(ConfigError, match="DLCV_TRAINING='never'.*forbid"):
        settings.training_forbidden()


def test_directories_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCV_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("DLCV_CACHE_DIR", str(tmp_path / "c"))
    assert settings.data_dir() == tmp_path / "d"
    assert settings.cache_dir() == tmp_path / "c"


def test_default_directories_are_outside_the_sources(monkeypatch, tmp_path):
    monkeypatch.delenv("DLCV_DATA_DIR")
    monkeypatch.delenv("DLCV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert settings.data_dir() == tmp_path / "dlcv" / "data"
    assert settings.cache_dir() == tmp_path / "dlcv" / "runs"


def test_importing_dlcv_quiets_tensorflow():
    import subprocess
    import sys

    code = (
        "import logging, os, dlcv, absl.logging, tensorflow as tf\n"
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], tf.get_logger().level == logging.ERROR,"
        " absl.logging.get_verbosity() == absl.logging.ERROR)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "True", "True"]


def test_importing_dlcv_in_a_notebook_displays_its_figures_as_images():
    import subprocess
    import sys

    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()  # a kernel's shell exists before the page runs\n"
        "import dlcv\n"
        "from matplotlib.figure import Figure\n"
        "figure = Figure()\n"
        "figure.subplots().plot([0, 1])\n"
        "data, _ = shell.display_formatter.format(figure)\n"
        "print(data['image/png'][:4] == b'\\x89PNG')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_tensorflow_prints_no_log_lines_after_import_dlcv():
    import subprocess
    import sys

    code = "import dlcv.models; import tensorflow as tf; tf.constant(1.0) + 1"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for noise in ("oneDNN", "cpu_feature_guard", "I0000", "absl"):
        assert noise not in result.stderr
