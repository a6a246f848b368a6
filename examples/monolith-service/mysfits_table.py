"""DynamoDB access for the monolith, kept apart from the HTTP routes.

boto3 finds credentials, region and AWS_ENDPOINT_URL (moto, LocalStack) on its own,
so nothing here names an endpoint.
"""
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

# The query-string filter names map onto the table's two secondary indexes.
INDEXES = {"GoodEvil": "GoodEvilIndex", "LawChaos": "LawChaosIndex"}


class NotFound(Exception):
    """No mysfit has the given id."""


def _plain(item):
    # The resource API returns numbers as Decimal, which json cannot encode.
    return {k: (int(v) if isinstance(v, Decimal) and v == int(v) else
                float(v) if isinstance(v, Decimal) else v)
            for k, v in item.items()}


class MysfitsTable:
    def __init__(self, table_name):
        self.table = boto3.resource("dynamodb").Table(table_name)

    def _all_pages(self, call, **kwargs):
        # Scan and Query return at most 1 MB a page; follow LastEvaluatedKey.
        items = []
        while True:
            page = call(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def all(self):
        return self._all_pages(self.table.scan)

    def query(self, attribute, value):
        """Mysfits whose `attribute` (GoodEvil or LawChaos) equals `value`, via its index."""
        return self._all_pages(self.table.query, IndexName=INDEXES[attribute],
                               KeyConditionExpression=Key(attribute).eq(value))

    def get(self, mysfit_id):
        item = self.table.get_item(Key={"MysfitId": mysfit_id}).get("Item")
        if item is None:
            raise NotFound(mysfit_id)
        return _plain(item)

    def _update(self, mysfit_id, expression, values):
        # The condition stops UpdateItem from creating a new item for an unknown id.
        try:
            self.table.update_item(
                Key={"MysfitId": mysfit_id},
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
                ConditionExpression="attribute_exists(MysfitId)",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound(mysfit_id) from err
            raise

    def like(self, mysfit_id):
        # ADD is atomic, so concurrent likes are all counted.
        return self._update(mysfit_id, "ADD Likes :one", {":one": 1})

    def adopt(self, mysfit_id):
        return self._update(mysfit_id, "SET Adopted = :yes", {":yes": True})
