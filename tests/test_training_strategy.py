"""Training with ``tf.distribute.MirroredStrategy`` on two logical CPU devices.

The two devices must be configured before TensorFlow initializes its devices, which the other
tests have long done in this process: the training runs in a fresh interpreter.
"""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import json, sys
import numpy as np
import dlcv
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from dlcv import runs


from dlcv.data.pipelines import from_arrays


class Separable:
    info = {"name": "separable", "source": "sample", "batch_size": 16}  # 8 per replica

    def __init__(self):
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 2, 256)
        signs = 2.0 * labels[:, None, None, None] - 1  # class 0 negative, class 1 positive
        images = (signs + rng.normal(0, 0.5, (256, 4, 4, 1))).astype("float32")
        self.train = from_arrays(images[:160], labels[:160], 16, shuffle_seed=0)
        self.validation = from_arrays(images[160:192], labels[160:192], 16)
        self.test = from_arrays(images[192:], labels[192:], 16)


def small_model():
    inputs = keras.Input(shape=(4, 4, 1))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
result = runs.run(
    small_model, Separable(), epochs=20, optimizer="adam", monitor=None,
    strategy=strategy,
)
again = runs.run(
    small_model, Separable(), epochs=20, optimizer="adam", monitor=None,
    strategy=strategy,
)
variable = result.model.trainable_variables[0].value
json.dump(
    {
        "strategy": result.config["strategy"],
        "batch_size": result.config["data"]["batch_size"],
        "accuracy": result.metrics["accuracy"],
        "mirrored_on": sorted(v.device for v in variable.values),
        "from_cache": again.from_cache,
    },
    sys.stdout,
)
"""


@pytest.mark.slow  # a training in a fresh process: about a minute on two cores
def test_mirrored_strategy_trains_on_two_devices(tmp_path):
    script = tmp_path / "train_mirrored.py"  # a file: run() keys a run on its builder's source
    script.write_text(SCRIPT)
    env = {**os.environ, "DLCV_CACHE_DIR": str(tmp_path / "runs")}
    completed = subprocess.run(  # the timeout guards against a hang, not a slow machine
        [sys.executable, script], env=env, capture_output=True, text=True, timeout=1800
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["strategy"] == {"kind": "MirroredStrategy", "replicas": 2}
    assert result["batch_size"] == 16  # global: 8 per replica
    assert len(result["mirrored_on"]) == 2 and result["mirrored_on"][0].endswith("CPU:0")
    assert result["accuracy"] > 0.9
    assert result["from_cache"]
