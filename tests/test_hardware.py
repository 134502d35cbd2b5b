import json

import pytest

from dlcv import hardware

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+ @ 2.0GHz
flags\t\t: fpu sse avx2 fma avx512f avx512_bf16 amx_tile amx_bf16
"""
V100 = {"name": "Tesla V100", "compute_capability": (7, 0)}
K80 = {"name": "Tesla K80", "compute_capability": (3, 7)}


@pytest.fixture
def cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    return path


def test_cpu_flags_and_name_are_read_from_cpuinfo(cpuinfo):
    assert {"avx2", "amx_bf16", "avx512_bf16"} <= hardware.cpu_flags(cpuinfo)
    assert hardware.cpu_name(cpuinfo) == "Intel(R) Xeon(R) Platinum 8480+ @ 2.0GHz"


def test_unreadable_cpuinfo_means_no_flags(tmp_path):
    assert hardware.cpu_flags(tmp_path / "missing") == frozenset()
    assert hardware.cpu_name(tmp_path / "missing")


@pytest.mark.parametrize(
    ("flags", "gpu_list", "policy"),
    [
        ({"avx2", "fma"}, [], "float32"),
        ({"avx2", "avx512_bf16"}, [], "mixed_bfloat16"),
        ({"amx_tile", "amx_bf16"}, [], "mixed_bfloat16"),
        ({"avx2"}, [V100], "mixed_float16"),
        ({"amx_bf16"}, [V100], "mixed_float16"),  # the GPU trains, not the CPU
        ({"avx2"}, [K80], "float32"),  # no tensor cores: float16 would be slower
        ({"avx2"}, [V100, K80], "float32"),
        ({"avx2"}, [{"name": "?", "compute_capability": None}], "float32"),
    ],
)
def test_precision_policy_follows_the_hardware(flags, gpu_list, policy):
    assert hardware.precision_policy(frozenset(flags), gpu_list) == policy


def test_precision_policy_of_this_machine_is_a_keras_policy():
    assert hardware.precision_policy() in hardware.POLICIES


def test_describe_is_json_and_names_the_machine():
    description = hardware.describe()
    json.dumps(description)
    assert description["cores"] >= 1
    assert description["precision_policy"] in hardware.POLICIES
    assert description["name"] == hardware.machine_name()
    assert description["name"].replace("-", "").isalnum()


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_matmul_flops_in_each_precision(dtype):
    assert hardware.matmul_flops(dtype, size=32, repeats=2) > 0
