"""The GitHub workflow: triggers, least privilege, and the same nox sessions as CI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "site.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def run_lines(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_triggers_cover_changes_main_a_daily_schedule_and_by_hand(workflow: dict) -> None:
    on = workflow["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    assert on["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    assert "workflow_dispatch" in on


def test_least_privilege(workflow: dict) -> None:
    assert workflow["permissions"] == {}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_deploys_never_race_and_only_tested_builds_deploy(workflow: dict) -> None:
    deploy = workflow["jobs"]["deploy"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert deploy["needs"] == "build"
    assert "pull_request" in deploy["if"]
    build_runs = run_lines(workflow["jobs"]["build"])
    # Same sessions as the README and .ci/run, tests before the upload.
    for session in ("nox -s check", "nox -s build", "nox -s tests"):
        assert session in build_runs
    steps = workflow["jobs"]["build"]["steps"]
    upload = next(i for i, s in enumerate(steps) if "upload-pages-artifact" in s.get("uses", ""))
    tests = next(i for i, s in enumerate(steps) if "nox -s tests" in s.get("run", ""))
    assert tests < upload


def test_official_pages_actions_at_current_majors(workflow: dict) -> None:
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "actions/upload-pages-artifact@v4" in uses(build)
    assert "actions/configure-pages@v6" in uses(deploy)
    assert "actions/deploy-pages@v5" in uses(deploy)


def test_upgrade_check_runs_on_dependabots_pull_requests_with_least_privilege(
    workflow: dict,
) -> None:
    job = workflow["jobs"]["upgrade-check"]
    assert job["permissions"] == {"contents": "read"}
    assert "nox -s upgrade-check" in run_lines(job)
    # The pull request's author, not github.actor (spoofable: zizmor's bot-conditions).
    assert "github.event.pull_request.user.login == 'dependabot[bot]'" in job["if"]
    assert "workflow_dispatch" in job["if"]
    assert "github.actor" not in job["if"]
    # Every Python the site supports, as noxfile.py's UPGRADE_PYTHONS.
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert sorted(setup["with"]["python-version"].split()) == ["3.11", "3.12", "3.13"]


def test_dependabot_proposes_weekly_one_pull_request_per_ecosystem() -> None:
    config = yaml.safe_load((WORKFLOW.parent.parent / "dependabot.yml").read_text("utf-8"))
    updates = {(u["package-ecosystem"], u["directory"]): u for u in config["updates"]}
    assert set(updates) == {("pip", "/"), ("github-actions", "/"), ("npm", "/tests/quality")}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        [group] = update["groups"].values()
        assert group["patterns"] == ["*"]
