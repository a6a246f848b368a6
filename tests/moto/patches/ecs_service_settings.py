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

from ._shared import lock

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


def apply(applied: list[str]) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    create_params = inspect.signature(EC2ContainerServiceBackend.create_service).parameters
    own_config = "deployment_configuration" in create_params
    own_grace = "health_check_grace_period_seconds" in create_params
    if own_config and own_grace:
        applied.append("ECS deploymentConfiguration/healthCheckGracePeriodSeconds: "
                       "moto stores them itself, patch not needed")
        return

    original_create = EC2ContainerServiceResponse.create_service
    original_update = EC2ContainerServiceBackend.update_service

    # The Service object is serialized after this returns, so attributes set here
    # appear in this response as well.
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

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        given_config = None
        if not own_config:
            given_config = service_properties.pop("deployment_configuration", None)
        service = original_update(self, service_properties)
        if given_config:
            with lock:
                current = getattr(service, "deployment_configuration", None)
                if current is None:
                    current = _default_deployment_configuration(
                        getattr(service, "scheduling_strategy", "REPLICA")
                    )
                service.deployment_configuration = _merge_deployment_configuration(
                    current, given_config
                )
        return service

    create_service.__doc__ = original_create.__doc__
    update_service.__doc__ = original_update.__doc__
    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    what = [n for n, own in (("deploymentConfiguration", own_config),
                             ("healthCheckGracePeriodSeconds", own_grace)) if not own]
    applied.append(f"ECS services store and return {' and '.join(what)}")
