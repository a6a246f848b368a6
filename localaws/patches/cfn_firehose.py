"""CloudFormation ``AWS::KinesisFirehose::DeliveryStream``.

AWS, the CloudFormation template reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesisfirehose-deliverystream.html):
creates a stream as firehose:CreateDeliveryStream does, its properties named as that
call's parameters. Ref returns the stream's name; GetAtt ``Arn`` its ARN
(``arn:aws:firehose:<region>:<account>:deliverystream/<name>``). Without a
``DeliveryStreamName``, CloudFormation generates a unique name (moto's:
``<stack>-<logical id>-<random>``).
"Update requires: Replacement" for ``DeliveryStreamName``, ``DeliveryStreamType`` and the
source configurations (``KinesisStreamSourceConfiguration``, ``MSKSourceConfiguration``,
``DatabaseSourceConfiguration``, ``DirectPutSourceConfiguration``: the resource schema's
createOnlyProperties); a destination's configuration is updated in place
(UpdateDestination, which raises the stream's version), as are
``DeliveryStreamEncryptionConfigurationInput`` (Start/StopDeliveryStreamEncryption) and
``Tags`` (Tag/UntagDeliveryStream). Deleting calls DeleteDeliveryStream; one already gone
counts as deleted.

moto 5.2.5 has no CloudFormation model for this type: it warns "not supported by moto's
CloudFormation implementation" and makes nothing. The patch adds the model; it calls
moto's own firehose backend operations only (delivery to S3 is ``firehose_buffering.py``).
Not supported: the OpenSearch, MSK and database sources and destinations moto's
CreateDeliveryStream has no parameter for fail the stack; a destination property removed
from the template keeps its value (UpdateDestination merges what it is given into the
destination, as on AWS), and changing the destination's type (S3 to HTTP endpoint, say)
is not supported by moto.
"""

from __future__ import annotations

import copy
from typing import Any

from ._cfn_models import StackModel, register, stands_aside
from ._shared import PatchError, Patching

STREAM = "AWS::KinesisFirehose::DeliveryStream"
# The destination properties, in the order of moto's create_delivery_stream parameters,
# and the UpdateDestination parameter each is changed with.
_DESTINATIONS = (
    ("S3DestinationConfiguration", "S3DestinationUpdate"),
    ("ExtendedS3DestinationConfiguration", "ExtendedS3DestinationUpdate"),
    ("RedshiftDestinationConfiguration", "RedshiftDestinationUpdate"),
    ("ElasticsearchDestinationConfiguration", "ElasticsearchDestinationUpdate"),
    ("SplunkDestinationConfiguration", "SplunkDestinationUpdate"),
    ("HttpEndpointDestinationConfiguration", "HttpEndpointDestinationUpdate"),
    ("SnowflakeDestinationConfiguration", "SnowflakeDestinationUpdate"),
    ("IcebergDestinationConfiguration", "IcebergDestinationUpdate"),
)
_UNSUPPORTED = ("AmazonopensearchserviceDestinationConfiguration",
                "AmazonOpenSearchServerlessDestinationConfiguration",
                "MSKSourceConfiguration", "DatabaseSourceConfiguration")
# Inside a destination, the names UpdateDestination uses for what CreateDeliveryStream
# calls ...Configuration.
_UPDATE_NAMES = {"S3Configuration": "S3Update", "S3BackupConfiguration": "S3BackupUpdate"}
# Integer fields a template may give as strings (a parameter's value).
_INTEGERS = frozenset({"IntervalInSeconds", "SizeInMBs", "DurationInSeconds"})


def apply(patching: Patching) -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.firehose.exceptions import ResourceNotFoundException
    from moto.firehose.models import firehose_backends

    if stands_aside(patching, [STREAM]):
        return

    class DeliveryStream(StackModel, CloudFormationModel):  # type: ignore[misc]
        """A Firehose stream that CloudFormation made (mysfits moto patch)."""

        CFN_TYPE = STREAM
        ATTRIBUTES = {"Arn": "arn"}
        REPLACING = frozenset({"DeliveryStreamName", "DeliveryStreamType",
                               "KinesisStreamSourceConfiguration", "MSKSourceConfiguration",
                               "DatabaseSourceConfiguration", "DirectPutSourceConfiguration"})

        @staticmethod
        def cloudformation_name_type() -> str:
            # moto names a stream without DeliveryStreamName <stack>-<logical id>-<random>.
            return "DeliveryStreamName"

        @property
        def backend(self) -> Any:
            return firehose_backends[self.account_id][self.region_name]

        @property
        def arn(self) -> str:
            return self.backend.delivery_streams[self.ident].delivery_stream_arn

        def make(self, properties: dict[str, Any]) -> list[str]:
            asked = [p for p in _UNSUPPORTED if p in properties]
            if asked:
                raise PatchError(f"{STREAM} {self.name}: {asked} not supported on the local engine")
            name = properties.get("DeliveryStreamName") or self.name
            given = _integers(copy.deepcopy(properties))  # moto keeps and changes what it is given
            self.backend.create_delivery_stream(
                self.region_name, name, given.get("DeliveryStreamType"),
                given.get("KinesisStreamSourceConfiguration"),
                given.get("DeliveryStreamEncryptionConfigurationInput"),
                *(given.get(create) for create, _ in _DESTINATIONS),
                given.get("Tags") or [])
            self.ident = name
            return []

        def change(self, properties: dict[str, Any]) -> None:
            old, given = self.properties, _integers(copy.deepcopy(properties))
            changed = [(create, update) for create, update in _DESTINATIONS
                       if old.get(create) != properties.get(create) and properties.get(create)]
            if changed:
                stream = self.backend.delivery_streams[self.ident]
                updates = {update: None for _, update in _DESTINATIONS}
                for create, update in changed:
                    updates[update] = _update_names(given[create])
                self.backend.update_destination(
                    self.ident, stream.version_id, stream.destinations[0]["destination_id"],
                    updates["S3DestinationUpdate"], updates["ExtendedS3DestinationUpdate"],
                    None, updates["RedshiftDestinationUpdate"],
                    updates["ElasticsearchDestinationUpdate"], updates["SplunkDestinationUpdate"],
                    updates["HttpEndpointDestinationUpdate"],
                    updates["SnowflakeDestinationUpdate"], updates["IcebergDestinationUpdate"])
            encryption = "DeliveryStreamEncryptionConfigurationInput"
            if old.get(encryption) != properties.get(encryption):
                if given.get(encryption):
                    self.backend.start_delivery_stream_encryption(self.ident, given[encryption])
                else:
                    self.backend.stop_delivery_stream_encryption(self.ident)
            self._retag(old.get("Tags") or [], properties.get("Tags") or [])

        def _retag(self, old: list[dict[str, str]], new: list[dict[str, str]]) -> None:
            wanted = {t["Key"]: t["Value"] for t in new}
            gone = [t["Key"] for t in old if t["Key"] not in wanted]
            if gone:
                self.backend.untag_delivery_stream(self.ident, gone)
            had = {t["Key"]: t["Value"] for t in old}
            changed = [{"Key": k, "Value": v} for k, v in wanted.items() if had.get(k) != v]
            if changed:
                self.backend.tag_delivery_stream(self.ident, changed)

        def remove(self) -> None:
            try:
                self.backend.delete_delivery_stream(self.ident)
            except ResourceNotFoundException:
                pass

    register(patching, [DeliveryStream], "creates, updates and deletes it")


def _integers(value: Any) -> Any:
    """The integer fields of a destination as integers, however the template gave them."""
    if isinstance(value, dict):
        return {k: int(v) if k in _INTEGERS and isinstance(v, str) and v.isdigit() else _integers(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_integers(v) for v in value]
    return value


def _update_names(config: dict[str, Any]) -> dict[str, Any]:
    return {_UPDATE_NAMES.get(k, k): v for k, v in config.items()}
