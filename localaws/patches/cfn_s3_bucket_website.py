"""CloudFormation ``AWS::S3::Bucket`` applies WebsiteConfiguration, PublicAccessBlockConfiguration
and OwnershipControls.

The one place moto's S3 learns a stack's website configuration (the engine's website
server, ``localaws/website.py``, only serves what is stored).

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
``put_bucket_ownership_controls``; a stack update stores the bucket's new
WebsiteConfiguration the same way, or deletes it (s3:DeleteBucketWebsite) when the template
no longer declares one. RoutingRules are not copied (the lab declares an index document
only): a template that declares them fails loudly. A moto that handles
WebsiteConfiguration itself is left alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ._shared import PatchError, Patching, after_cfn_create

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
PUBLIC_ACCESS_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                      "RestrictPublicBuckets")


def website_xml(config: dict[str, Any]) -> bytes:
    """The PutBucketWebsite body for a CloudFormation WebsiteConfiguration."""
    unsupported = set(config) - {"IndexDocument", "ErrorDocument", "RedirectAllRequestsTo"}
    if unsupported:
        raise PatchError(f"cfn_s3_bucket_website copies no WebsiteConfiguration {sorted(unsupported)}")
    root = ET.Element("WebsiteConfiguration", xmlns=S3_NS)
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all:
        redirect = ET.SubElement(root, "RedirectAllRequestsTo")
        ET.SubElement(redirect, "HostName").text = str(redirect_all["HostName"])
        if redirect_all.get("Protocol"):
            ET.SubElement(redirect, "Protocol").text = str(redirect_all["Protocol"])
    if config.get("IndexDocument"):
        ET.SubElement(ET.SubElement(root, "IndexDocument"), "Suffix").text = str(config["IndexDocument"])
    if config.get("ErrorDocument"):
        ET.SubElement(ET.SubElement(root, "ErrorDocument"), "Key").text = str(config["ErrorDocument"])
    return ET.tostring(root)


def _cfn_bool(value: Any) -> str:
    """CloudFormation booleans arrive as YAML booleans or strings; moto takes "true"/"false"."""
    return "true" if value is True or str(value).strip().lower() == "true" else "false"


def apply(patching: Patching) -> None:
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

    if not after_cfn_create(FakeBucket, "AWS::S3::Bucket", "WebsiteConfiguration",
                            "WebsiteConfiguration, PublicAccessBlockConfiguration, OwnershipControls",
                            configure, patching):
        return

    original_update = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str, region_name: str,
                                        **kwargs: Any) -> Any:
        bucket = original_update(cls, original_resource, new_resource_name, cloudformation_json,
                                 account_id, region_name, **kwargs)
        config = (cloudformation_json.get("Properties") or {}).get("WebsiteConfiguration")
        backend = s3_backends[account_id][get_partition(region_name)]
        if config:
            backend.put_bucket_website(bucket.name, website_xml(config))
        else:
            backend.delete_bucket_website(bucket.name)
        return bucket

    update_from_cloudformation_json.__doc__ = original_update.__doc__
    patching.replace(FakeBucket, "update_from_cloudformation_json",
                     classmethod(update_from_cloudformation_json))
    patching.note("AWS::S3::Bucket: a stack update stores or deletes its WebsiteConfiguration")
