"""Bad input gets a clear 4xx problem-details answer, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"]
    return body


async def test_malformed_json(api, reader_token):
    r = await api.client.post(
        api.comments_url(), content=b'{"body": ', headers={**api.auth(reader_token), "content-type": "application/json"}
    )
    assert_problem(r, 400)


async def test_wrong_types_name_the_field(api, reader_token):
    r = await api.client.post(api.comments_url(), json={"body": 42}, headers=api.auth(reader_token))
    body = assert_problem(r, 400)
    assert body["errors"][0]["pointer"] == "/body"


async def test_unknown_fields_are_refused(api, reader_token):
    r = await api.client.post(
        api.comments_url(), json={"body": "hi", "status": "published"}, headers=api.auth(reader_token)
    )
    assert_problem(r, 400)


async def test_oversize_request_is_413(api, reader_token):
    r = await api.client.post(api.comments_url(), json={"body": "x" * 70_000}, headers=api.auth(reader_token))
    assert_problem(r, 413)


async def test_bad_uuid_in_path_is_4xx(api, reader_token):
    r = await api.client.patch("/api/v1/comments/not-a-uuid", json={"body": "x"}, headers=api.auth(reader_token))
    body = assert_problem(r, 404)  # the path does not match the {comment_id:uuid} route at all
    assert body["type"] == "/problems/not-found"


async def test_unknown_route_and_method(offline_client):
    assert_problem(await offline_client.get("/api/v1/nothing-here"), 404)
    assert_problem(await offline_client.delete("/api/v1/sites/demo"), 405)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
FIELDS = st.dictionaries(
    st.sampled_from(
        ["body", "parent_id", "display_name", "country", "birth_year", "accepted_rules_version", "bio", "x"]
    ),
    JSONISH,
    max_size=4,
)


@pytest.mark.parametrize("target", ["comment", "profile"])
async def test_no_input_makes_it_answer_500(api, reader_token, target):
    """Property: whatever JSON arrives, the answer is below 500."""
    url = api.comments_url() if target == "comment" else "/api/v1/me/profile?site=demo"
    seen = []

    @hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(payload=FIELDS | JSONISH)
    def collect(payload):
        seen.append(payload)

    collect()
    method = api.client.post if target == "comment" else api.client.patch
    for payload in seen:
        r = await method(url, json=payload, headers=api.auth(reader_token))
        assert r.status_code < 500, (payload, r.text)
