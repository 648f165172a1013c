"""Publisher single sign-on: HS256 with the site's secret (made by the CLI, stored encrypted) and
RS256/ES256 through the publisher's JWKS URL; accounts linked by (site, sub); the profile filled from the
claims; every way a token can be wrong is a 401 problem."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from comments.db import Site, SsoIdentity, User
from comments.domain.accounts.secretbox import decrypt
from comments.domain.accounts.sso import PURPOSE, store_secret
from tests.integration.test_cli import _invoke
from tests.support import create_site, db_run


async def _set_secret(settings, slug="demo", secret="s3cret-" + "x" * 40):
    async def work(session):
        site = await session.scalar(select(Site).where(Site.slug == slug))
        store_secret(settings, site, secret)

    await db_run(settings, work)
    return secret


def _claims(**overrides):
    now = int(time.time())
    claims = {"sub": "subscriber-42", "iat": now, "exp": now + 120}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _sso(api, token, site="demo"):
    return await api.client.post("/api/v1/auth/sso", json={"site": site, "token": token})


async def test_the_cli_prints_a_secret_once_and_stores_it_encrypted(api):
    result = await _invoke(CliRunner(), ["site", "sso-secret", "demo"], api.settings)
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("sso_")
    stored = await db_run(api.settings, lambda s: s.scalar(select(Site.sso_secret).where(Site.slug == "demo")))
    assert secret not in stored
    assert decrypt(api.settings, PURPOSE, stored) == secret
    token = jwt.encode(_claims(), secret, algorithm="HS256")
    assert (await _sso(api, token)).status_code == 200
    unknown = await _invoke(CliRunner(), ["site", "sso-secret", "nope"], api.settings)
    assert unknown.exit_code != 0


async def test_a_subscriber_logs_in_with_the_profile_filled(api):
    secret = await _set_secret(api.settings)
    claims = _claims(
        email="Sub@News.example",
        email_verified=True,
        display_name="Newsreader",
        full_name="Nora Reader",
        country="de",
        birth_year=1970,
    )
    r = await _sso(api, jwt.encode(claims, secret, algorithm="HS256"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["email"] == "sub@news.example"
    assert body["user"]["email_verified"] is True
    me = (await api.client.get("/api/v1/me?site=demo", headers=api.auth(body["token"]))).json()
    assert me["profile"]["display_name"] == "Newsreader"
    assert me["profile"]["country"] == "DE"
    # Only what the publisher did not send is left for the "complete your details" step.
    assert me["missing_fields"] == ["accepted_rules_version"]

    again = await _sso(api, jwt.encode(_claims(full_name="Nora R. Reader"), secret, algorithm="HS256"))
    assert again.json()["user"]["id"] == body["user"]["id"]  # linked by (site, sub)
    me = (await api.client.get("/api/v1/me", headers=api.auth(again.json()["token"]))).json()
    assert me["profile"]["full_name"] == "Nora R. Reader"
    assert me["profile"]["display_name"] == "Newsreader"  # not sent this time: kept


async def test_a_token_never_takes_over_a_local_account(api):
    local = await api.register("taken@example.com")
    secret = await _set_secret(api.settings)
    r = await _sso(api, jwt.encode(_claims(email="taken@example.com", email_verified=True), secret, algorithm="HS256"))
    assert r.status_code == 200
    assert r.json()["user"]["email"] != "taken@example.com"
    local_me = (await api.client.get("/api/v1/me", headers=api.auth(local))).json()
    assert local_me["user"]["id"] != r.json()["user"]["id"]


async def test_a_display_name_someone_has_is_left_for_the_reader_to_choose(api, reader_token):
    secret = await _set_secret(api.settings)
    r = await _sso(
        api, jwt.encode(_claims(display_name="Reader One", full_name="Ann Other"), secret, algorithm="HS256")
    )
    assert r.status_code == 200
    me = (await api.client.get("/api/v1/me?site=demo", headers=api.auth(r.json()["token"]))).json()
    assert me["profile"]["display_name"] is None
    assert "display_name" in me["missing_fields"]


async def test_the_same_subject_on_two_sites_is_two_accounts(api):
    await create_site(api.settings, "other")
    demo = await _set_secret(api.settings, "demo", "a" * 48)
    other = await _set_secret(api.settings, "other", "b" * 48)
    one = (await _sso(api, jwt.encode(_claims(), demo, algorithm="HS256"))).json()
    two = (await _sso(api, jwt.encode(_claims(), other, algorithm="HS256"), site="other")).json()
    assert one["user"]["id"] != two["user"]["id"]
    identities = await db_run(api.settings, lambda s: _count(s))
    assert identities == 2


async def _count(session):
    return len((await session.scalars(select(SsoIdentity))).all())


def _bad_tokens(secret):
    now = int(time.time())
    return {
        "wrong signature": jwt.encode(_claims(), "another secret entirely, long enough", algorithm="HS256"),
        "expired": jwt.encode(_claims(iat=now - 900, exp=now - 300), secret, algorithm="HS256"),
        "lives too long": jwt.encode(_claims(exp=now + 3600), secret, algorithm="HS256"),
        "no sub": jwt.encode(_claims(sub=None), secret, algorithm="HS256"),
        "no exp": jwt.encode({"sub": "x", "iat": now}, secret, algorithm="HS256"),
        "issued in the future": jwt.encode(_claims(iat=now + 600, exp=now + 700), secret, algorithm="HS256"),
        "other site": jwt.encode(_claims(aud="other"), secret, algorithm="HS256"),
        "alg none": jwt.encode(_claims(), None, algorithm="none"),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "case",
    [
        "wrong signature",
        "expired",
        "lives too long",
        "no sub",
        "no exp",
        "issued in the future",
        "other site",
        "alg none",
        "garbage",
    ],
)
async def test_bad_tokens_are_401_problems(api, case):
    secret = await _set_secret(api.settings)
    r = await _sso(api, _bad_tokens(secret)[case])
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/sso-rejected"


async def test_a_token_for_another_sites_secret_is_401(api):
    await create_site(api.settings, "other")
    await _set_secret(api.settings, "demo", "a" * 48)
    other = await _set_secret(api.settings, "other", "b" * 48)
    r = await _sso(api, jwt.encode(_claims(), other, algorithm="HS256"), site="demo")
    assert r.status_code == 401


async def test_a_site_without_sso_and_an_unknown_site(api):
    token = jwt.encode(_claims(), "x" * 48, algorithm="HS256")
    assert (await _sso(api, token)).status_code == 401
    assert (await _sso(api, token, site="nope")).status_code == 404


@pytest.mark.parametrize(
    ("claims", "pointer"),
    [
        ({"display_name": "x" * 500}, "/claims/display_name"),
        ({"country": "Atlantis"}, "/claims/country"),
        ({"birth_year": "1970"}, "/claims/birth_year"),
        ({"email": "not an email"}, "/claims/email"),
        ({"sub": "s" * 300}, "/claims/sub"),
        ({"email_verified": "yes"}, "/claims/email_verified"),
    ],
)
async def test_bad_claims_are_422_naming_the_claim(api, claims, pointer):
    secret = await _set_secret(api.settings)
    r = await _sso(api, jwt.encode(_claims(**claims), secret, algorithm="HS256"))
    assert r.status_code == 422, r.text
    assert pointer in [e["pointer"] for e in r.json()["errors"]]


async def test_an_oversize_token_is_4xx(api):
    await _set_secret(api.settings)
    r = await _sso(api, "x" * 9000)
    assert 400 <= r.status_code < 500


class _Jwks:
    """A publisher's JWKS endpoint on loopback."""

    def __init__(self, keys):
        body = json.dumps({"keys": keys}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _jwk(private_key, kid, alg):
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_tokens_signed_with_the_publishers_own_key_via_jwks(api, alg):
    key = rsa.generate_private_key(65537, 2048) if alg == "RS256" else ec.generate_private_key(ec.SECP256R1())
    stranger = rsa.generate_private_key(65537, 2048) if alg == "RS256" else ec.generate_private_key(ec.SECP256R1())
    with _Jwks([_jwk(key, "k1", alg)]) as jwks:
        result = await _invoke(CliRunner(), ["site", "sso-jwks", "demo", jwks.url], api.settings)
        assert result.exit_code == 0, result.output
        good = jwt.encode(_claims(display_name="Keyholder"), key, algorithm=alg, headers={"kid": "k1"})
        r = await _sso(api, good)
        assert r.status_code == 200, r.text
        forged = jwt.encode(_claims(), stranger, algorithm=alg, headers={"kid": "k1"})
        assert (await _sso(api, forged)).status_code == 401
        unknown_kid = jwt.encode(_claims(), key, algorithm=alg, headers={"kid": "k9"})
        assert (await _sso(api, unknown_kid)).status_code == 401
        # An HS256 token "signed" with the public key must not pass (algorithm confusion).
        hs = jwt.encode(_claims(), "whatever secret value here, long enough", algorithm="HS256", headers={"kid": "k1"})
        assert (await _sso(api, hs)).status_code == 401
    user = await db_run(api.settings, lambda s: s.scalar(select(User).where(User.id == r.json()["user"]["id"])))
    assert user.password_hash == ""  # no password: SSO accounts log in through the publisher


async def test_site_language_and_purge_commands(api):
    runner = CliRunner()
    ok = await _invoke(runner, ["site", "set-language", "demo", "de-CH"], api.settings)
    assert ok.exit_code == 0, ok.output
    assert await db_run(api.settings, lambda s: s.scalar(select(Site.language).where(Site.slug == "demo"))) == "de-CH"
    bad = await _invoke(runner, ["site", "set-language", "demo", "not a language"], api.settings)
    assert bad.exit_code != 0
    bad_url = await _invoke(runner, ["site", "sso-jwks", "demo", "ftp://x"], api.settings)
    assert bad_url.exit_code != 0
    purged = await _invoke(runner, ["purge"], api.settings)
    assert purged.exit_code == 0, purged.output
    assert "login_failures: 0" in purged.output
