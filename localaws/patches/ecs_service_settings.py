"""ECS services keep deploymentConfiguration and healthCheckGracePeriodSeconds.

AWS (ECS API reference, Service.deploymentConfiguration): "Optional deployment
parameters that control how many tasks run during a deployment". For a REPLICA service
"the default maximumPercent value ... is 200%" and "the default minimumHealthyPercent
value ... is 100%"; for a DAEMON service the defaults are 100% and 0%; the deployment
circuit breaker is off unless enabled. CreateService stores deploymentConfiguration and
healthCheckGracePeriodSeconds with the service, and CreateService and DescribeServices
return them. UpdateService may change either; what the request does not name keeps its
value (e.g. an enabled circuit breaker stays when only maximumPercent is sent).

moto 5.2: its CreateService response layer drops both; its UpdateService stores any
given parameter as an attribute (so healthCheckGracePeriodSeconds needs nothing there)
but would replace deploymentConfiguration as a whole.

The patch stores both on CreateService (defaults where not given) and merges the given
members of deploymentConfiguration on UpdateService. A moto whose CreateService takes
them itself is left alone.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from ._shared import Patching, lock, unpatched

_DEPLOYMENT_DEFAULTS = {
    "REPLICA": {"maximumPercent": 200, "minimumHealthyPercent": 100},
    "DAEMON": {"maximumPercent": 100, "minimumHealthyPercent": 0},
}


def _default_deployment_configuration(scheduling_strategy: Any) -> dict[str, Any]:
    """What AWS stores for a service created without a deploymentConfiguration."""
    strategy = scheduling_strategy if scheduling_strategy in _DEPLOYMENT_DEFAULTS else "REPLICA"
    config: dict[str, Any] = dict(_DEPLOYMENT_DEFAULTS[strategy])
    config["deploymentCircuitBreaker"] = {"enable": False, "rollback": False}
    return config


def _merge_deployment_configuration(current: dict[str, Any] | None,
                                    given: dict[str, Any]) -> dict[str, Any]:
    """The members given replace the stored ones; the others stay."""
    merged = copy.deepcopy(current) if current else {}
    for key, value in given.items():
        if value is not None:
            merged[key] = copy.deepcopy(value)
    return merged


def apply(patching: Patching) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    create_params = inspect.signature(unpatched(EC2ContainerServiceBackend, "create_service")).parameters
    own_config = "deployment_configuration" in create_params
    own_grace = "health_check_grace_period_seconds" in create_params
    if own_config and own_grace:
        patching.note("ECS deploymentConfiguration/healthCheckGracePeriodSeconds: "
                      "moto stores them itself, patch not needed")
        return

    original_create = EC2ContainerServiceResponse.create_service
    original_update = EC2ContainerServiceResponse.update_service

    # Both at moto's response layer (the backend's UpdateService is ecs_deployments'):
    # the Service object is serialized after these return, so what is set here appears
    # in the response as well.
    def create_service(self: Any) -> Any:
        given_config = self._get_param("deploymentConfiguration")
        given_grace = self._get_param("healthCheckGracePeriodSeconds")
        result = original_create(self)
        service = self.ecs_backend._get_service(
            self._get_param("cluster", "default"), self._get_param("serviceName")
        )
        with lock:
            if not own_config and getattr(service, "deployment_configuration", None) is None:
                config = _default_deployment_configuration(
                    getattr(service, "scheduling_strategy", "REPLICA")
                )
                if given_config:
                    config = _merge_deployment_configuration(config, given_config)
                service.deployment_configuration = config
            if (not own_grace and given_grace is not None
                    and getattr(service, "health_check_grace_period_seconds", None) is None):
                service.health_check_grace_period_seconds = int(given_grace)
        return result

    # moto's UpdateService stores the given deploymentConfiguration whole; the one stored
    # before is kept here and the given members merged into it.
    def update_service(self: Any) -> Any:
        given_config = None if own_config else self._get_param("deploymentConfiguration")
        if not given_config:
            return original_update(self)
        with lock:
            before = self.ecs_backend._get_service(
                self._get_param("cluster", "default"), self._get_param("service"))
            current = copy.deepcopy(getattr(before, "deployment_configuration", None))
            result = original_update(self)
            service = self.ecs_backend._get_service(
                self._get_param("cluster", "default"), self._get_param("service"))
            if current is None:
                current = _default_deployment_configuration(
                    getattr(service, "scheduling_strategy", "REPLICA")
                )
            service.deployment_configuration = _merge_deployment_configuration(current, given_config)
            return result

    create_service.__doc__ = original_create.__doc__
    update_service.__doc__ = original_update.__doc__
    patching.replace(EC2ContainerServiceResponse, "create_service", create_service)
    patching.replace(EC2ContainerServiceResponse, "update_service", update_service)
    what = [n for n, own in (("deploymentConfiguration", own_config),
                             ("healthCheckGracePeriodSeconds", own_grace)) if not own]
    patching.note(f"ECS services store and return {' and '.join(what)}")
