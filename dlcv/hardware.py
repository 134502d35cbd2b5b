"""What this machine offers for training: the precision to train in, and a description of it.

=========================================  ===================
hardware                                   precision policy
=========================================  ===================
an NVIDIA GPU of compute capability 7.0+   ``mixed_float16``
a CPU with AVX512-BF16 or AMX-BF16         ``mixed_bfloat16``
anything else                              ``float32``
=========================================  ===================

Mixed precision computes in 16 bits and keeps the weights in 32; it pays only where the
hardware multiplies 16-bit numbers natively (tensor cores, AMX, AVX512-BF16). Elsewhere the
16-bit numbers are converted back and forth and training is slower, not faster.
"""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

import tensorflow as tf

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""CPU flags (as in ``/proc/cpuinfo``) of native bfloat16 arithmetic."""
_REPORTED_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
_TENSOR_CORES = (7, 0)


def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags, as Linux lists them; empty where ``cpuinfo`` cannot be read."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    match = re.search(r"^flags\s*:(.*)$", text, re.MULTILINE)
    return frozenset(match.group(1).split()) if match else frozenset()


def cpu_name(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU's model name, or the platform's processor string where Linux does not say."""
    try:
        match = re.search(r"^model name\s*:(.*)$", Path(cpuinfo).read_text(), re.MULTILINE)
    except OSError:
        match = None
    return (match.group(1) if match else platform.processor() or platform.machine()).strip()


def gpus() -> list[dict]:
    """The GPUs TensorFlow sees: ``name`` and ``compute_capability`` (``None`` if unknown)."""
    found = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        found.append(
            {
                "name": details.get("device_name", device.name),
                "compute_capability": details.get("compute_capability"),
            }
        )
    return found


def precision_policy(
    flags: frozenset[str] | None = None, gpu_list: list[dict] | None = None
) -> str:
    """The Keras dtype policy that trains fastest here without losing accuracy.

    Args:
        flags: the CPU flags to decide on; defaults to :func:`cpu_flags`.
        gpu_list: the GPUs to decide on; defaults to :func:`gpus`.

    Returns:
        ``"mixed_float16"`` with a GPU of compute capability 7.0 or more (tensor cores),
        ``"mixed_bfloat16"`` on a CPU with AVX512-BF16 or AMX, ``"float32"`` otherwise.

    Example (``keras.mixed_precision.set_global_policy(precision_policy())`` applies it):
        >>> precision_policy(gpu_list=[{"name": "NVIDIA H100", "compute_capability": (9, 0)}])
        'mixed_float16'
        >>> precision_policy(flags=frozenset({"avx2"}), gpu_list=[])
        'float32'
        >>> precision_policy() in ("float32", "mixed_float16", "mixed_bfloat16")
        True
    """
    gpu_list = gpus() if gpu_list is None else gpu_list
    if gpu_list:
        capabilities = [gpu["compute_capability"] or (0, 0) for gpu in gpu_list]
        return "mixed_float16" if min(capabilities) >= _TENSOR_CORES else "float32"
    flags = cpu_flags() if flags is None else flags
    return "mixed_bfloat16" if flags & BF16_CPU_FLAGS else "float32"


def matmul_flops(dtype: str = "float32", size: int = 2048, repeats: int = 10) -> float:
    """The machine's matrix-multiply speed in FLOP/s: the best of five timings of ``repeats``
    chained products of ``size`` x ``size`` matrices of ``dtype``, on the default device (the
    first GPU where there is one). A convnet trains at a fraction of it: its ceiling.

    Args:
        dtype: ``"float32"``, ``"bfloat16"`` or ``"float16"``.
        size: rows and columns of the matrices.
        repeats: products per timing.

    Example (small matrices, to be quick; the default size measures the machine's peak):
        >>> matmul_flops("float32", size=64, repeats=2) > 0
        True

    ``matmul_flops("bfloat16") / matmul_flops("float32")`` above 1 says that
    ``mixed_bfloat16`` pays on this machine.
    """
    a = tf.cast(tf.random.normal((size, size)), dtype)
    b = tf.cast(tf.random.normal((size, size), stddev=size**-0.5), dtype)  # keeps the scale

    @tf.function
    def products():
        c = a
        for _ in range(repeats):
            c = tf.matmul(c, b)  # each product needs the last: none can be skipped or merged
        return tf.reduce_sum(tf.cast(c[:1, :1], "float32"))

    float(products())  # trace, and warm up
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        float(products())  # float() waits for the device
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeats / best


def describe() -> dict:
    """A JSON-able description of the machine, for benchmark results: CPU, cores, memory,
    relevant CPU flags, GPUs, the chosen precision policy and the software versions."""
    flags = cpu_flags()
    gpu_list = gpus()
    return {
        "name": machine_name(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_bytes() / 2**30, 1),
        "cpu_flags": [flag for flag in _REPORTED_FLAGS if flag in flags],
        "gpus": gpu_list,
        "precision_policy": precision_policy(flags, gpu_list),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def machine_name() -> str:
    """A short, file-name-safe name of the machine's hardware, e.g. ``amd-epyc-2cpu`` or
    ``intel-xeon-platinum-8480-16cpu-nvidia-h100-80gb-hbm3``."""
    parts = [cpu_name(), f"{os.cpu_count()}cpu", *(gpu["name"] for gpu in gpus())]
    slug = "-".join(re.sub(r"\(r\)|\(tm\)|\bcpu\b|@.*", "", part.lower()) for part in parts)
    return re.sub(r"[^a-z0-9]+", "-", slug).strip("-")


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not on every platform
        return 0
