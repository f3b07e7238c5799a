"""The design this project replaces, kept small and faithful for `cargo xtask bench`.

One Lambda whose module creates boto3 clients for DynamoDB, Cognito, S3 and
SQS at import time, and dispatches with a dict keyed on f"{method} {path}":
it cannot match a path with a parameter such as /goals/{goalId}.
"""

import json
import os
import time
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
cognito = boto3.client("cognito-idp")
s3 = boto3.client("s3")
sqs = boto3.client("sqs")

USERS_TABLE = os.environ["USERS_TABLE_NAME"]
GOALS_TABLE = os.environ["GOALS_TABLE_NAME"]
CLIENT_ID = os.environ["USER_POOL_CLIENT_ID"]


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def caller(event):
    return event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]


def health_handler(event):
    return respond(200, {"status": "ok", "version": "0.1.0", "backend": "aws"})


def register_handler(event):
    body = json.loads(event.get("body") or "{}")
    signed_up = cognito.sign_up(
        ClientId=CLIENT_ID,
        Username=body["email"],
        Password=body["password"],
        UserAttributes=[{"Name": "email", "Value": body["email"]}],
    )
    user_id = signed_up["UserSub"]
    dynamodb.put_item(
        TableName=USERS_TABLE,
        Item={"userId": {"S": user_id}, "sk": {"S": "PROFILE"}, "email": {"S": body["email"]}},
    )
    return respond(201, {"userId": user_id, "email": body["email"]})


def goal_from(item):
    return {
        "goalId": item["goalId"]["S"],
        "title": item["title"]["S"],
        "status": item["status"]["S"],
        "progressTotal": float(item["progressTotal"]["N"]),
    }


def list_goals_handler(event):
    found = dynamodb.query(
        TableName=GOALS_TABLE,
        KeyConditionExpression="userId = :user AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":user": {"S": caller(event)}, ":prefix": {"S": "GOAL#"}},
        ScanIndexForward=False,
        Limit=20,
    )
    return respond(200, {"items": [goal_from(item) for item in found.get("Items", [])]})


def create_goal_handler(event):
    body = json.loads(event.get("body") or "{}")
    goal_id = uuid.uuid4().hex
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    item = {
        "userId": {"S": caller(event)},
        "sk": {"S": f"GOAL#{goal_id}"},
        "goalId": {"S": goal_id},
        "title": {"S": body["title"]},
        "status": {"S": "active"},
        "progressTotal": {"N": "0"},
        "createdAt": {"S": now},
    }
    dynamodb.put_item(TableName=GOALS_TABLE, Item=item)
    return respond(201, goal_from(item))


routes = {
    "GET /health": health_handler,
    "POST /auth/register": register_handler,
    "GET /goals": list_goals_handler,
    "POST /goals": create_goal_handler,
}


def handler(event, context=None):
    http = event.get("requestContext", {}).get("http", {})
    route = routes.get(f"{http.get('method')} {event.get('rawPath')}")
    if route is None:
        return respond(404, {"error": "not found"})
    return route(event)
