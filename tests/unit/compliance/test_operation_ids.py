"""The DSA operation ids are a contract: each is in the OpenAPI document exactly once, on its route."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from comments.app import create_app
from comments.config import Settings

CONTRACT = {
    "SubmitNotice": ("post", "/api/v1/notices"),
    "ListNotices": ("get", "/api/v1/sites/{site}/moderation/notices"),
    "DecideNotice": ("post", "/api/v1/moderation/notices/{notice_id}/decision"),
    "GetStatementOfReasons": ("get", "/api/v1/statements/{statement_id}"),
    "AppealDecision": ("post", "/api/v1/appeals"),
    "ListAppeals": ("get", "/api/v1/sites/{site}/moderation/appeals"),
    "DecideAppeal": ("post", "/api/v1/moderation/appeals/{appeal_id}/decision"),
    "TransparencyReport": ("get", "/api/v1/sites/{site}/transparency-report"),
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    app = create_app(Settings(home=tmp_path_factory.mktemp("openapi"), create_demo=False, toxicity_enabled=False))
    with TestClient(app) as client:
        response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("operation_id", "route"), CONTRACT.items())
def test_operation_id(document: dict, operation_id: str, route: tuple[str, str]) -> None:
    found = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, op in operations.items()
        if isinstance(op, dict) and op.get("operationId") == operation_id
    ]
    assert found == [route]
