"""Everything the engine changes in moto, in one place: the patches (AWS behaviour moto
lacks, which the tests' plain moto gets too) and the data plane's hooks (load balancers
served, health checks answered, tasks run, ECR in the registry, websites served, HTTP
APIs served), and, with ``--pace aws``, the pace model's (``pace.py``).

Every moto attribute is replaced through one ``patches.Patching``, which refuses a
second replacement of the same attribute: each is owned by one module, so no order of
application decides what moto does (``test_patch_set.py``)."""

from __future__ import annotations

from typing import Any

from . import (alb, apigw, ecs, health, pace, pace_cfn, pace_elb, pace_metrics, patches, registry,
               website)
from .patches import Patching, lock


def apply(registry_: registry.Registry, checker: health.Health, plane: alb.AlbDataPlane,
          sites: website.WebsiteServer, gateway: apigw.ApiGateway) -> Patching:
    patching = patches.apply(engine=True)
    registry.apply(patching, registry_)
    health.apply(patching, checker)
    ecs.apply(patching)
    alb.apply(patching, plane)
    patching.note("CloudWatch: AWS/ApplicationELB metrics from the load balancers' own counts")
    website.apply(patching, sites)
    apigw.apply(patching, gateway)
    serialize_requests(patching)
    model = pace.current()
    if model is not None:  # --pace aws; off changes nothing
        pace_cfn.apply(patching, model)
        pace_elb.apply(patching, model)
        pace_metrics.apply(patching, model)
    return patching


def serialize_requests(patching: Patching) -> None:
    """One API request at a time, never in the middle of an engine step, so a
    DescribeServices never sees a half-made deployment. Around the service's own
    application, which every request reaches (``DomainDispatcherApplication.__call__``
    is the CBOR patch's), on the API port and the TLS front alike."""
    from moto.server import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_application

    def get_application(self: Any, environ: dict[str, Any]) -> Any:
        app = original(self, environ)

        def serialized(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return app(environ, start_response)

        return serialized

    patching.replace(DomainDispatcherApplication, "get_application", get_application)
