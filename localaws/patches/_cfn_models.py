"""What the patches that add CloudFormation resource types share: registering a model
with moto's CloudFormation, Ref and GetAtt, and deletion in dependency order.

AWS ("Resource dependencies" and DeleteStack, CloudFormation user guide): CloudFormation
deletes a stack's resources in the reverse order of their dependencies (a Ref, a GetAtt or
DependsOn): a route before its integration and authorizer, those before their API.
moto's deletion loop (``ResourceMap.delete``) visits resources in no order and retries
any that raise, so a resource here refuses (``StillInUse``) while one of the stack's
resources that needs it stands: the loop then deletes the dependents first.
"""

from __future__ import annotations

from typing import Any, Callable

from ._shared import PatchError, lock

# Who still needs what: a resource's key -> the keys of the stack resources that name it.
_needed_by: dict[str, set[str]] = {}
# moto keeps its models in CloudFormationModel.__subclasses__(), weakly: kept alive here.
_models: list[type] = []


class StillInUse(RuntimeError):
    """A resource that another resource of the stack still needs (deleted later)."""


def key(cfn_type: str, ident: str | None) -> str:
    return f"{cfn_type}|{ident}"


def camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the service's JSON API spells them
    (``AllowOrigins`` -> ``allowOrigins``), at every level of nested objects."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def flag(value: Any) -> bool:
    """A template's boolean, which a parameter may have made the string 'true'."""
    return value is True or str(value).lower() == "true"


class StackModel:
    """Mixed into each model (each a direct subclass of moto's CloudFormationModel, which
    is how moto finds models). A subclass sets ``CFN_TYPE``, ``ATTRIBUTES`` (GetAtt name ->
    attribute of the instance), ``REPLACING`` (properties whose change replaces the
    resource) and implements ``make`` (create, sets ``self.ident``, returns the keys it
    needs), ``change`` (an update in place) and ``remove`` (a resource already gone
    counts as deleted)."""

    CFN_TYPE = ""
    ATTRIBUTES: dict[str, str] = {}
    REPLACING: frozenset[str] = frozenset()

    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        self.name, self.account_id, self.region_name = name, account_id, region_name
        self.ident = ""
        self.properties: dict[str, Any] = {}
        self.needs: list[str] = []

    # ------------------------------------------------------------ what a subclass does

    def make(self, properties: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def change(self, properties: dict[str, Any]) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ moto's interface

    @property
    def physical_resource_id(self) -> str:
        return self.ident

    @property
    def key(self) -> str:
        return key(self.CFN_TYPE, self.ident)

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str,
                                        **kwargs: Any) -> Any:
        made = cls(resource_name, account_id, region_name)
        made._create(dict(cloudformation_json.get("Properties") or {}))
        return made

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str,
                                        region_name: str) -> Any:
        properties = dict(cloudformation_json.get("Properties") or {})
        old = original_resource.properties
        if any(old.get(p) != properties.get(p) for p in cls.REPLACING):
            # Replacement: the old one goes first (a stage's name is its identity).
            original_resource._delete(check=False)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                       account_id, region_name)
        with lock:
            original_resource._guard(original_resource.change, properties)
            original_resource.properties = properties
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete(check=True)

    # ------------------------------------------------------------ bookkeeping

    def _create(self, properties: dict[str, Any]) -> None:
        with lock:
            self.needs = self._guard(self.make, properties)
            self.properties = properties
            for needed in self.needs:
                _needed_by.setdefault(needed, set()).add(self.key)

    def _delete(self, check: bool) -> None:
        with lock:
            users = _needed_by.get(self.key)
            if check and users:
                raise StillInUse(f"{self.CFN_TYPE} {self.ident} is still needed by {sorted(users)}")
            self._guard(self.remove)
            _needed_by.pop(self.key, None)
            for needed in self.needs:
                _needed_by.get(needed, set()).discard(self.key)

    def _guard(self, call: Callable[..., Any], *args: Any) -> Any:
        # moto's deletion loop takes TypeError/AttributeError for "no deletion here" and
        # goes on silently: a broken patch must fail loudly instead.
        try:
            return call(*args)
        except (TypeError, AttributeError) as exc:
            raise PatchError(f"mysfits moto patch for {self.CFN_TYPE} failed: {exc!r}") from exc


def stands_aside(patching: Any, cfn_types: list[str]) -> bool:
    """True (and noted) when moto already has a model for one of these types: a newer moto
    doing the job, or this patch applied before. Asked before the models are defined."""
    from moto.cloudformation import parsing

    known = [t for t in cfn_types
             if any(m.cloudformation_type() == t for m in parsing.get_model_list())]
    for cfn_type in known:
        patching.note(f"{cfn_type}: moto has a model, patch not needed")
    return bool(known)


def register(patching: Any, models: list[type], what: str) -> None:
    """Keeps the models (defined as CloudFormationModel's subclasses) alive and makes moto
    see them: it caches its model lists on first use."""
    from moto.cloudformation import parsing

    _models.extend(models)
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    for model in models:
        patching.note(f"{model.CFN_TYPE}: CloudFormation {what}")  # type: ignore[attr-defined]
