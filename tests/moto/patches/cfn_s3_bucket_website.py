"""CloudFormation ``AWS::S3::Bucket`` applies WebsiteConfiguration, PublicAccessBlockConfiguration
and OwnershipControls.

AWS (AWS::S3::Bucket): "WebsiteConfiguration: Information used to configure the bucket as
a static website" (as s3:PutBucketWebsite does), "PublicAccessBlockConfiguration:
Configuration that defines how Amazon S3 handles public access" (s3:PutPublicAccessBlock),
"OwnershipControls: Configuration that defines how Amazon S3 handles Object Ownership
rules" (s3:PutBucketOwnershipControls).

moto 5.2 creates the bucket with its BucketEncryption and Tags only: GetBucketWebsite then
answers NoSuchWebsiteConfiguration for the lab's website bucket, and the bucket has no
public access block and no ownership rule.

The patch applies the declared values after moto creates the bucket, by moto's own
``put_bucket_website`` (the XML document the API takes), ``put_public_access_block`` and
``put_bucket_ownership_controls``. Website redirects and routing rules are not copied (the
lab declares an index document only): a template that declares them fails loudly. A moto
that handles WebsiteConfiguration itself is left alone.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from ._shared import PatchError, after_cfn_create

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
PUBLIC_ACCESS_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                      "RestrictPublicBuckets")


def website_xml(config: dict[str, Any]) -> bytes:
    """The PutBucketWebsite body for a CloudFormation WebsiteConfiguration."""
    unsupported = set(config) - {"IndexDocument", "ErrorDocument"}
    if unsupported:
        raise PatchError(f"cfn_s3_bucket_website copies no WebsiteConfiguration {sorted(unsupported)}")
    parts = []
    if config.get("IndexDocument"):
        parts.append(f"<IndexDocument><Suffix>{escape(str(config['IndexDocument']))}</Suffix>"
                     "</IndexDocument>")
    if config.get("ErrorDocument"):
        parts.append(f"<ErrorDocument><Key>{escape(str(config['ErrorDocument']))}</Key>"
                     "</ErrorDocument>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><WebsiteConfiguration xmlns="{S3_NS}">'
            f'{"".join(parts)}</WebsiteConfiguration>').encode()


def _cfn_bool(value: Any) -> str:
    """CloudFormation booleans arrive as YAML booleans or strings; moto takes "true"/"false"."""
    return "true" if value is True or str(value).strip().lower() == "true" else "false"


def apply(applied: list[str]) -> None:
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    def configure(bucket: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id][get_partition(region_name)]
        if properties.get("WebsiteConfiguration"):
            backend.put_bucket_website(bucket.name, website_xml(properties["WebsiteConfiguration"]))
        block = properties.get("PublicAccessBlockConfiguration")
        if block:
            backend.put_public_access_block(
                bucket.name, {k: _cfn_bool(block.get(k, False)) for k in PUBLIC_ACCESS_KEYS})
        rules = (properties.get("OwnershipControls") or {}).get("Rules") or []
        if rules:
            backend.put_bucket_ownership_controls(bucket.name, rules[0]["ObjectOwnership"])

    after_cfn_create(FakeBucket, "AWS::S3::Bucket", "WebsiteConfiguration",
                     "WebsiteConfiguration, PublicAccessBlockConfiguration, OwnershipControls",
                     configure, applied)
