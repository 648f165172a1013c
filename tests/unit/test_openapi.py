"""The OpenAPI document names the bodies that clients generate code from. No database needed: the app is
built, never served a request that queries."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from comments.app import create_app
from comments.config import Settings


def openapi(tmp_path: Path) -> dict:
    app = create_app(Settings(home=tmp_path, create_demo=False, toxicity_enabled=False))
    with TestClient(app) as client:
        response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def operation(document: dict, operation_id: str) -> dict:
    found = [op for ops in document["paths"].values() for op in ops.values() if op.get("operationId") == operation_id]
    assert len(found) == 1, operation_id
    return found[0]


def test_post_comment_answers_201_with_the_named_post_outcome_schema(tmp_path: Path) -> None:
    document = openapi(tmp_path)
    responses = operation(document, "PostComment")["responses"]
    assert "201" in responses
    schema = responses["201"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PostOutcome"}
    outcome = document["components"]["schemas"]["PostOutcome"]
    assert set(outcome["required"]) == {"id", "status", "message", "reasons", "comment"}
    assert outcome["properties"]["status"]["enum"] == ["published", "held", "rejected"]


def test_edit_comment_answers_the_same_schema(tmp_path: Path) -> None:
    responses = operation(openapi(tmp_path), "EditComment")["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PostOutcome"}
