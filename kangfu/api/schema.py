"""OpenAPI post-processing: every operation documents its problem+json error answers."""

from __future__ import annotations

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field, in the caller's language.",
        },
    },
    "required": ["type", "title", "status", "detail"],
}
COMMON = {
    "400": "Invalid input; `errors` names each field.",
    "401": "No valid credentials.",
    "403": "The token lacks the scope, or the role may not do this.",
    "404": "No such record, or not visible to the caller.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "429": "Rate limit exceeded.",
}
BY_METHOD = {
    "post": {"409": "Idempotency-Key reused for a different request."},
    "patch": {
        "412": "If-Match does not match the current ETag.",
        "428": "If-Match is required.",
    },
    "put": {
        "412": "If-Match does not match the current ETag.",
        "428": "If-Match is required.",
    },
}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, text in {**COMMON, **BY_METHOD.get(method, {})}.items():
                responses.setdefault(
                    code,
                    {"description": text, "content": {"application/problem+json": {"schema": ref}}},
                )
    return result
