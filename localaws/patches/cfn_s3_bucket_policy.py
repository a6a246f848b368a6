"""CloudFormation ``AWS::S3::BucketPolicy`` creates and deletes the bucket's policy.

AWS (AWS::S3::BucketPolicy): "Applies an Amazon S3 bucket policy to an Amazon S3 bucket",
as s3:PutBucketPolicy does with the PolicyDocument; deleting the resource deletes the
policy (s3:DeleteBucketPolicy), and a bucket already gone counts as deleted.

moto 5.2 has no CloudFormation model for the type: it warns "not supported by moto's
CloudFormation implementation" and creates nothing, so the lab's website bucket has no
policy and GetBucketPolicy answers NoSuchBucketPolicy.

The patch adds the model: creation calls moto's own ``put_bucket_policy`` with the
document as JSON, deletion its ``delete_bucket_policy``. A moto that has a model for the
type is left alone.
"""

from __future__ import annotations

import json
from typing import Any

from ._shared import PatchError, Patching

CFN_TYPE = "AWS::S3::BucketPolicy"
_model: type | None = None


def apply(patching: Patching) -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    if any(m.cloudformation_type() == CFN_TYPE for m in parsing.get_model_list()):
        patching.note(f"{CFN_TYPE}: moto has a model, patch not needed")
        return

    def backend(account_id: str, region_name: str) -> Any:
        return s3_backends[account_id][get_partition(region_name)]

    class BucketPolicy(CloudFormationModel):
        """The policy of one bucket, as CloudFormation made it (mysfits test patch)."""

        def __init__(self, name: str, bucket: str) -> None:
            self.name = name
            self.bucket = bucket

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return CFN_TYPE

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,  # type: ignore[override]
                                            account_id: str, region_name: str,
                                            **kwargs: Any) -> "BucketPolicy":
            properties = cloudformation_json.get("Properties") or {}
            bucket, document = properties.get("Bucket"), properties.get("PolicyDocument")
            if not bucket or not document:
                raise PatchError(f"{CFN_TYPE} {resource_name}: Bucket and PolicyDocument are required")
            policy = document if isinstance(document, str) else json.dumps(document)
            backend(account_id, region_name).put_bucket_policy(bucket, policy.encode())
            return cls(resource_name, bucket)

        def delete(self, account_id: str, region_name: str) -> None:
            try:
                backend(account_id, region_name).delete_bucket_policy(self.bucket)
            except MissingBucket:
                pass  # the bucket went first, and its policy with it

    # moto finds models as CloudFormationModel's subclasses (weakly held: kept alive here)
    # and caches the lists on first use, the check above included.
    global _model
    _model = BucketPolicy
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    patching.note(f"{CFN_TYPE}: CloudFormation creates and deletes the policy")
