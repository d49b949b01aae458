"""The events the instruction counts are taken on, shaped like bench/bench_items.cpp's: an API
Gateway HTTP API (payload 2.0) event and a DynamoDB Streams batch of NEW_AND_OLD_IMAGES records
with ten attributes. Stream batches are rendered per invocation: every batch carries a newer
version (so every record is applied, none is a stale duplicate) and a creation time of now (so
none is fenced as too old); both are fixed-width, so every batch has the same size."""

import json
import time

BATCH_SIZE = 1000
BASE_VERSION = 4_000_000_000_000_000  # above the API's microsecond versions; 16 digits


def http_event(method, path, body=None):
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "requestId": "bench",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1700000000000,
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return json.dumps(event, separators=(",", ":")).encode()


def item_document(item_id):
    return json.dumps(
        {
            "id": item_id,
            "name": "A typical item",
            "price": 19.9,
            "tags": ["red", "small", "sale"],
            "description": "Some text so the body has the size of a real item in the table.",
        },
        separators=(",", ":"),
    )


def _image(item_id, version):
    return (
        '{"id":{"S":"%s"},"version":{"N":"%d"},"name":{"S":"A typical item"},'
        '"price":{"N":"1999"},"tags":{"L":[{"S":"red"},{"S":"small"},{"S":"sale"}]},'
        '"description":{"S":"Some text so the body has the size of a real item in the table."},'
        '"category":{"S":"lighting"},"stock":{"N":"42"},'
        '"createdAt":{"S":"2026-11-24T10:00:00.000Z"},"updatedAt":{"S":"2026-11-24T10:00:00.000Z"}}'
    ) % (item_id, version)


def stream_batch(index):
    """The index-th batch (0-based): BATCH_SIZE MODIFY records, all at version BASE + index + 1."""
    version = BASE_VERSION + index + 1
    now = int(time.time())
    records = []
    for i in range(BATCH_SIZE):
        item_id = "item-%04d" % i
        image = _image(item_id, version)
        records.append(
            '{"eventID":"e%04d","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb",'
            '"awsRegion":"us-east-1","dynamodb":{"ApproximateCreationDateTime":%d,'
            '"Keys":{"id":{"S":"%s"}},"NewImage":%s,"OldImage":%s,"SequenceNumber":"%d",'
            '"SizeBytes":480,"StreamViewType":"NEW_AND_OLD_IMAGES"},'
            '"eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026-11-24T00:00:00.000"}'
            % (i, now, item_id, image, image, 100_000_000 + i)
        )
    return ('{"Records":[' + ",".join(records) + "]}").encode()
