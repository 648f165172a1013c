"""Personal details: what a site requires, per-field errors, and the posting gate."""

from __future__ import annotations


async def test_me_lists_missing_fields_for_the_demo_site(api):
    token = await api.register("new@example.com")
    r = await api.client.get("/api/v1/me?site=demo", headers=api.auth(token))
    assert r.status_code == 200
    body = r.json()
    assert body["profile_complete"] is False
    assert body["missing_fields"] == ["display_name", "full_name", "country", "birth_year", "accepted_rules_version"]
    assert body["minimum_age"] == 16
    assert body["rules_version"] == 1


async def test_completing_the_profile(api):
    token = await api.register("new@example.com")
    body = await api.complete_profile(token, "Newcomer")
    assert body["profile_complete"] is True
    assert body["missing_fields"] == []
    assert body["profile"]["country"] == "GB"
    assert body["profile"]["accepted_rules_version"] == 1


async def test_partial_updates_keep_other_fields(api):
    token = await api.register("p@example.com")
    await api.client.patch("/api/v1/me/profile", json={"display_name": "Partial"}, headers=api.auth(token))
    r = await api.client.patch("/api/v1/me/profile?site=demo", json={"country": "de"}, headers=api.auth(token))
    body = r.json()
    assert body["profile"]["display_name"] == "Partial"
    assert body["profile"]["country"] == "DE"
    assert body["missing_fields"] == ["full_name", "birth_year", "accepted_rules_version"]


async def test_every_bad_field_is_reported(api):
    token = await api.register("bad@example.com")
    r = await api.client.patch(
        "/api/v1/me/profile?site=demo",
        json={"display_name": "x", "country": "ZZ", "birth_year": 1700, "accepted_rules_version": 9},
        headers=api.auth(token),
    )
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert set(fields) == {"display_name", "country", "birth_year", "accepted_rules_version"}


async def test_display_names_are_unique(api):
    first = await api.register("first@example.com")
    await api.complete_profile(first, "Same Name")
    second = await api.register("second@example.com")
    r = await api.client.patch(
        "/api/v1/me/profile?site=demo", json={"display_name": "same  NAME"}, headers=api.auth(second)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/display_name"


async def test_accepting_rules_without_a_site_is_refused(api):
    token = await api.register("nosite@example.com")
    r = await api.client.patch("/api/v1/me/profile", json={"accepted_rules_version": 1}, headers=api.auth(token))
    assert r.status_code == 422


async def test_unknown_profile_fields_are_refused(api):
    token = await api.register("unknown@example.com")
    r = await api.client.patch("/api/v1/me/profile", json={"is_superadmin": True}, headers=api.auth(token))
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_posting_with_an_incomplete_profile_is_403_with_missing_fields(api):
    token = await api.register("incomplete@example.com")
    await api.client.patch("/api/v1/me/profile", json={"display_name": "Half Done"}, headers=api.auth(token))
    r = await api.post(token, "A perfectly civil remark.")
    assert r.status_code == 403
    problem = r.json()
    assert problem["type"] == "/problems/profile-incomplete"
    assert problem["missing_fields"] == ["full_name", "country", "birth_year", "accepted_rules_version"]
    assert (await api.thread())["items"] == []


async def test_under_age_readers_cannot_post(api):
    token = await api.register("young@example.com")
    await api.complete_profile(token, "Young One", birth_year=2012)
    r = await api.post(token, "Hello!")
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/profile-incomplete"
    assert r.json()["under_minimum_age"] is True
