"""The ``deploy`` option: one bake per value, every manifest validated by real validators.

Kubernetes' own resources are checked by ``kubernetes-validate`` (strict: no unknown
field) against the schemas of a pinned Kubernetes release it ships, with no network.
KServe's ServingRuntime and InferenceService are custom resources it does not know:
they are checked against ``kserve_schema.json`` beside this file, a minimal JSON schema
written here of the fields the template uses (KServe's Python package ships OpenAPI
model classes, not the CRD's schema), and the runtime's containers, volumes and
security context are checked by ``kubernetes-validate`` as the pod they become.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from support import run

#: The Kubernetes release the manifests are validated against (schemas ship offline).
KUBERNETES_VERSION = "1.31.0"
SCHEMA = Path(__file__).with_name("kserve_schema.json")
ANSWERS = {"modelyard_requirement": "modelyard[serve]>=0.1", "ci_provider": "none"}


def bake(cookies, deploy: str) -> Path:
    result = cookies.bake(extra_context={**ANSWERS, "deploy": deploy})
    assert result.exception is None, result.exception
    return result.project_path


def kubernetes_validate(*files: Path) -> None:
    """Run the kubernetes-validate command on ``files``; it fails on any problem."""
    command = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet"]
    run([*command, "--kubernetes-version", KUBERNETES_VERSION, *files])


def manifests(folder: Path) -> dict[str, dict]:
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yaml"))}


def served_paths() -> set[str]:
    """The GET routes of modelyard's server, read from the app itself."""
    from modelyard import Model
    from modelyard.data import demo_dataset
    from modelyard.serving import create_app
    from sklearn.linear_model import LogisticRegression

    model = Model(LogisticRegression(max_iter=200), name="probe")
    model.train(demo_dataset("iris"), record=False)
    routes = create_app(model).routes  # an included router (the V2 protocol) has no methods
    return {route.path for route in routes if "GET" in (getattr(route, "methods", None) or ())}


def probe_paths(container: dict) -> set[str]:
    return {
        container[probe]["httpGet"]["path"]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe")
        if probe in container
    }


def test_deploy_none_ships_no_manifests(cookies):
    project = bake(cookies, "none")

    assert not (project / "deploy").exists()
    assert "## Deploy on a cluster" not in (project / "README.md").read_text()


def test_deploy_kubernetes_ships_valid_manifests_of_a_locked_down_autoscaled_service(
    cookies, tmp_path
):
    project = bake(cookies, "kubernetes")
    folder = project / "deploy" / "kubernetes"

    assert sorted(p.name for p in folder.iterdir()) == [
        "deployment.yaml",
        "hpa.yaml",
        "service.yaml",
    ]
    kubernetes_validate(*sorted(folder.glob("*.yaml")))
    found = manifests(folder)
    pod = found["deployment.yaml"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    user = pod["securityContext"]["runAsUser"]
    assert f"USER {user}" in (project / "Dockerfile").read_text()  # the image's own user
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
    assert set(container["resources"]) == {"requests", "limits"}
    assert probe_paths(container) <= served_paths()
    assert found["hpa.yaml"]["apiVersion"] == "autoscaling/v2"
    assert found["hpa.yaml"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert (project / "deploy" / "README.md").is_file()
    assert "deploy/README.md" in (project / "README.md").read_text()


def test_deploy_kserve_ships_a_v2_inference_service_on_the_projects_image(cookies, tmp_path):
    import jsonschema

    project = bake(cookies, "kserve")
    folder = project / "deploy" / "kserve"
    schema = json.loads(SCHEMA.read_text())

    found = manifests(folder)
    assert sorted(found) == ["inferenceservice.yaml", "servingruntime.yaml"]
    for document in found.values():
        jsonschema.validate(document, schema)
    service, runtime = found["inferenceservice.yaml"], found["servingruntime.yaml"]
    assert service["spec"]["predictor"]["model"]["protocolVersion"] == "v2"
    assert service["spec"]["predictor"]["model"]["runtime"] == runtime["metadata"]["name"]
    assert runtime["spec"]["protocolVersions"] == ["v2"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": runtime["metadata"]["name"]},
        "spec": {key: runtime["spec"][key] for key in ("containers", "volumes", "securityContext")},
    }
    (tmp_path / "pod.yaml").write_text(yaml.safe_dump(pod))
    kubernetes_validate(tmp_path / "pod.yaml")
    (container,) = runtime["spec"]["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert runtime["spec"]["securityContext"]["runAsNonRoot"] is True
    assert probe_paths(container) <= served_paths()


def test_an_unknown_deploy_target_is_refused(cookies):
    result = cookies.bake(extra_context={**ANSWERS, "deploy": "aws"})

    assert result.exit_code != 0


def test_a_deploy_target_without_the_image_is_refused(cookies):
    result = cookies.bake(extra_context={**ANSWERS, "deploy": "kubernetes", "include_api": "no"})

    assert result.exit_code != 0
