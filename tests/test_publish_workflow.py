"""The publish workflow wires the plan, the matrix, the training jobs and the strict build
together as tools/matrix.py and dlcv/published.py expect."""

import re
import shutil
import subprocess

import pytest
import yaml

from tools import REPOSITORY
from tools.matrix import matrix

WORKFLOW = REPOSITORY / ".github" / "workflows" / "publish.yml"


@pytest.fixture(scope="module")
def jobs():
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def script(job) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_training_matrix_is_the_plan_jobs_output_of_tools_matrix(jobs):
    plan = script(jobs["plan"])
    assert "python -m tools.matrix plans/full.json plans/quick.json --cache" in plan
    assert "DLCV_DATA_DIR=\"$RUNNER_TEMP/no-photos\"" in plan  # quick: keyed on the drawn sample
    assert jobs["train"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs["train"]["strategy"]["fail-fast"] is False


def test_each_training_job_trains_the_keys_its_matrix_entry_names(jobs):
    fields = set(matrix([{"profile": "full", "runs": [{"key": "k1"}]}])["include"][0])
    expressions = re.findall(r"\$\{\{(.*?)\}\}", WORKFLOW.read_text())
    used = {field for e in expressions for field in re.findall(r"(?<![.\w])matrix\.(\w+)", e)}
    assert used <= fields and {"keys", "profile", "job"} <= used
    train = script(jobs["train"])
    assert 'dlcv --profile "$PROFILE" train --key "$key"' in train


def test_the_site_is_built_from_the_bundles_alone_with_training_forbidden(jobs):
    gather = script(jobs["gather"])
    assert "runs export" in gather and "dlcv runs import" in gather
    assert "python -m tools.book --from-cache" in gather
    build = next(s for s in jobs["gather"]["steps"] if "--from-cache" in s.get("run", ""))
    assert build["env"]["DLCV_CACHE_DIR"] == "${{ runner.temp }}/bundled"  # the imported runs
    assert jobs["deploy"]["needs"] == "gather"


def test_the_releases_are_named_as_readers_derive_them(jobs):
    gather = script(jobs["gather"])
    assert "tools.matrix --release" in gather and 'gh release create "$tag"' in gather


def test_actionlint_passes_on_the_workflows():
    actionlint = shutil.which("actionlint", path=str(REPOSITORY / ".venv" / "bin"))
    if actionlint is None:
        pytest.skip("actionlint is not installed (make lint installs it)")
    shellcheck_dir = str(REPOSITORY / ".venv" / "bin")
    result = subprocess.run(
        [actionlint], cwd=REPOSITORY, capture_output=True, text=True, timeout=120,
        env={"PATH": f"{shellcheck_dir}:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
