"""The whole set of changes to moto applies cleanly on a fresh moto: every patch module
and every engine hook, each moto attribute replaced exactly once (``Patching.replace``
refuses a second replacement, so no order of application decides what moto does), and
applying the patches again changes nothing. Each mode runs in a fresh interpreter: these
replace moto's classes for good."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import json, sys
from localaws import patches
from localaws.patches import PatchError, Patching

engine = sys.argv[1] in ("engine", "pace")
if sys.argv[1] == "pace":
    from localaws import pace
    pace.configure("aws", 0.01)
patching = patches.apply(engine=engine)
if engine:
    from moto.elbv2.models import elbv2_backends
    from moto.s3.models import s3_backends
    from localaws import alb, apigw, apigw_auth, health, moto_hooks, registry, website
    checker = health.Health(lambda account, region: elbv2_backends[account][region])
    sites = website.WebsiteServer(s3_backends)
    plane = alb.AlbDataPlane(checker)
    gateway = apigw.ApiGateway(plane, apigw_auth.KeySource(lambda url: None))
    try:
        hooked = moto_hooks.apply(registry.Registry("127.0.0.1:1"), checker, plane, sites, gateway)
    finally:
        sites.stop()
    assert hooked is patching
replaced = [f"{getattr(o, '__module__', '')}.{getattr(o, '__qualname__', o)}.{n}"
            for o, n in patching.replaced]
before = list(replaced)
again = patches.apply(engine=engine)
refused = []
for module in patches.MODULES:
    try:
        module.apply(Patching(engine=engine))
    except PatchError as error:
        refused.append(module.__name__)
print(json.dumps({"replaced": replaced, "same": again is patching and len(again.replaced) == len(before),
                  "refused": refused, "lines": len(patching.applied)}))
"""


def _apply(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check(result: dict) -> None:
    replaced = result["replaced"]
    twice = sorted({name for name in replaced if replaced.count(name) > 1})
    assert twice == [] and len(replaced) > 20
    assert result["same"]  # applying the patches again is the first application
    # Applying any patch module once more is refused, never a second wrapper. (A module
    # that replaces nothing here, standing aside or only adding CloudFormation models,
    # cannot be refused.)
    from localaws import patches

    touching = {m.__name__ for m in patches.MODULES} - {
        "localaws.patches.cfn_s3_bucket_policy", "localaws.patches.ecs_task_lifecycle",
        "localaws.patches.cfn_cognito", "localaws.patches.cfn_apigatewayv2",
        "localaws.patches.cfn_firehose"}
    assert touching - set(result["refused"]) <= {"localaws.patches.ecs_service_targets"}


def test_plain_moto_patches_apply_once_each() -> None:
    result = _apply("plain")
    _check(result)
    assert "localaws.patches.ecs_service_targets" in result["refused"]


def test_engine_patches_and_hooks_apply_once_each() -> None:
    result = _apply("engine")
    _check(result)
    # The attributes that were once replaced twice, each now by one owner.
    for name in ("moto.ecs.models.EC2ContainerServiceBackend.update_service",
                 "moto.ecs.models.Task.__init__",
                 "moto.moto_server.werkzeug_app.DomainDispatcherApplication.__call__",
                 "moto.s3.models.FakeBucket.create_from_cloudformation_json"):
        assert result["replaced"].count(name) == 1, name


def test_the_pace_model_applies_once_each_with_the_engine() -> None:
    """``--pace aws`` adds its replacements (pace_cfn.py, pace_elb.py, pace_metrics.py) to
    the engine's, each attribute still replaced once."""
    result = _apply("pace")
    _check(result)
    for name in ("moto.cloudformation.models.CloudFormationBackend.create_stack",
                 "moto.cloudformation.models.Stack.status",
                 "moto.elbv2.models.FakeLoadBalancer.activate",
                 "moto.cloudwatch.models.CloudWatchBackend.get_all_metrics"):
        assert result["replaced"].count(name) == 1, name
    assert len(result["replaced"]) > len(_apply("engine")["replaced"])
