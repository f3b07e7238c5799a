"""The Lambda Runtime API loop, as the managed Python runtime runs a handler:
import the module (the init phase), then next → handler → response, forever."""

import json
import os
import traceback
import urllib.request

import main

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"


def post(url, body):
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    urllib.request.urlopen(request).read()


while True:
    with urllib.request.urlopen(f"{API}/next") as invocation:
        request_id = invocation.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(invocation.read())
    try:
        post(f"{API}/{request_id}/response", json.dumps(main.handler(event)))
    except Exception as error:  # the managed runtime reports any failure as an invocation error
        post(
            f"{API}/{request_id}/error",
            json.dumps({"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": traceback.format_exc().splitlines()}),
        )
