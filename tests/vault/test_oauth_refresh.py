"""OAuthRefresher against the loopback token endpoint, on the local SQLite store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from canonical import CredentialError, ReauthorizationRequired, TokenEndpointError
from plugins.fakes import unused_port
from tests.fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, FakeOAuthServer
from vault import (
    CredentialStore,
    OAuthRefresher,
    OAuthToken,
    ThreadConnectionLock,
    load_token,
    save_token,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def provider() -> Iterator[FakeOAuthServer]:
    with FakeOAuthServer() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def seed(store: CredentialStore, provider: FakeOAuthServer, *, expires_at: datetime) -> OAuthToken:
    access, refresh = provider.issue()
    token = OAuthToken(
        access_token=SecretStr(access), refresh_token=SecretStr(refresh), expires_at=expires_at
    )
    save_token(store, "acme", "hubspot-1", token)
    return token


def refresher(
    store: CredentialStore,
    provider: FakeOAuthServer,
    http: httpx.Client,
    sleeps: list[float] | None = None,
    **kw: object,
) -> OAuthRefresher:
    options: dict[str, object] = {
        "lock": ThreadConnectionLock(timeout=10),
        "http": http,
        "clock": lambda: T0,
        "sleep": (sleeps.append if sleeps is not None else lambda _s: None),
    }
    options.update(kw)
    return OAuthRefresher(
        store,
        "acme",
        "hubspot-1",
        provider.token_url,
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        **options,  # type: ignore[arg-type]
    )


def test_valid_token_is_used_without_refreshing(local_store, provider, http) -> None:
    token = seed(local_store, provider, expires_at=T0 + timedelta(hours=1))
    assert refresher(local_store, provider, http).access_token() == token.access_token
    assert provider.refresh_hits == 0


def test_token_inside_the_skew_is_refreshed_and_rotation_persisted(
    local_store, provider, http
) -> None:
    old = seed(local_store, provider, expires_at=T0 + timedelta(seconds=30))
    new_access = refresher(local_store, provider, http).access_token()
    assert provider.refresh_hits == 1
    assert new_access.get_secret_value() == provider.access_tokens[-1]
    stored, ref = load_token(local_store, "acme", "hubspot-1")
    assert ref.version == 2
    assert stored.access_token == new_access
    assert stored.refresh_token != old.refresh_token  # rotated and persisted
    assert stored.refresh_token.get_secret_value() in provider.live_refresh
    assert stored.expires_at == T0 + timedelta(seconds=provider.expires_in)
    assert stored.scope == "read write"


def test_stale_access_token_forces_one_refresh(local_store, provider, http) -> None:
    token = seed(local_store, provider, expires_at=T0 + timedelta(hours=1))
    oauth = refresher(local_store, provider, http)
    fresh = oauth.refresh(stale=token.access_token)
    assert provider.refresh_hits == 1
    again = oauth.refresh(stale=token.access_token)  # someone already replaced it
    assert again.access_token == fresh.access_token
    assert provider.refresh_hits == 1


def test_client_secret_post_is_supported(local_store, provider, http) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    oauth = refresher(local_store, provider, http, client_auth="client_secret_post")
    assert oauth.access_token().get_secret_value() == provider.access_tokens[-1]


def test_invalid_grant_marks_the_connection_and_stops_refreshing(
    local_store, provider, http
) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    provider.revoke_all()
    oauth = refresher(local_store, provider, http)
    with pytest.raises(ReauthorizationRequired, match="acme/hubspot-1") as info:
        oauth.access_token()
    assert not info.value.retryable
    payload = local_store.get("acme", "hubspot-1")
    assert payload["needs_reauth"].get_secret_value() == "true"
    with pytest.raises(ReauthorizationRequired):
        oauth.access_token()
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh()
    assert provider.refresh_hits == 1  # later calls never reached the provider


def test_reauthorising_clears_the_marker(local_store, provider, http) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    provider.revoke_all()
    oauth = refresher(local_store, provider, http)
    with pytest.raises(ReauthorizationRequired):
        oauth.access_token()
    token = seed(local_store, provider, expires_at=T0 + timedelta(hours=1))
    assert oauth.access_token() == token.access_token


def test_server_errors_are_retried_with_bounded_backoff(local_store, provider, http) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    provider.fail_next = [503, 502]
    sleeps: list[float] = []
    token = refresher(local_store, provider, http, sleeps).access_token()
    assert token.get_secret_value() == provider.access_tokens[-1]
    assert provider.refresh_hits == 3
    assert sleeps == [0.5, 1.0]


def test_server_errors_give_up_retryable_and_keep_the_stored_token(
    local_store, provider, http
) -> None:
    old = seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    provider.fail_next = [503, 503, 500]
    with pytest.raises(TokenEndpointError) as info:
        refresher(local_store, provider, http).access_token()
    assert info.value.retryable
    assert info.value.status == 500
    assert provider.refresh_hits == 3
    stored, ref = load_token(local_store, "acme", "hubspot-1")
    assert (stored.refresh_token, ref.version) == (old.refresh_token, 1)


def test_client_errors_are_terminal_and_name_the_code(local_store, provider, http) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    oauth = OAuthRefresher(
        local_store,
        "acme",
        "hubspot-1",
        provider.token_url,
        CLIENT_ID,
        SecretStr("wrong-secret-CANARY"),
        lock=ThreadConnectionLock(),
        http=http,
        clock=lambda: T0,
    )
    with pytest.raises(TokenEndpointError, match="invalid_client") as info:
        oauth.access_token()
    assert (info.value.code, info.value.status, info.value.retryable) == (
        "invalid_client",
        401,
        False,
    )
    assert "wrong-secret-CANARY" not in str(info.value)


def test_unreachable_endpoint_is_retryable(local_store, http) -> None:
    port = unused_port()
    token = OAuthToken(
        access_token=SecretStr("a"), refresh_token=SecretStr("r"), expires_at=T0 - timedelta(1)
    )
    save_token(local_store, "acme", "hubspot-1", token)
    oauth = OAuthRefresher(
        local_store,
        "acme",
        "hubspot-1",
        f"http://127.0.0.1:{port}/oauth/token",
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        lock=ThreadConnectionLock(),
        http=http,
        clock=lambda: T0,
        attempts=2,
        sleep=lambda _s: None,
    )
    with pytest.raises(TokenEndpointError, match="ConnectError") as info:
        oauth.access_token()
    assert info.value.retryable


def test_non_oauth_payload_is_a_clear_error(local_store, provider, http) -> None:
    local_store.put("acme", "hubspot-1", {"api_key": "k"})
    with pytest.raises(CredentialError, match="not an OAuth token"):
        refresher(local_store, provider, http).access_token()


def test_provider_that_does_not_rotate_keeps_the_refresh_token() -> None:
    token = OAuthToken(
        access_token=SecretStr("a1"), refresh_token=SecretStr("r1"), expires_at=T0, scope="x"
    )
    new = token.refreshed({"access_token": "a2", "expires_in": 120}, now=T0)
    assert new.refresh_token.get_secret_value() == "r1"
    assert new.access_token.get_secret_value() == "a2"
    assert (new.expires_at, new.scope, new.token_type) == (
        T0 + timedelta(seconds=120),
        "x",
        "Bearer",
    )
    with pytest.raises(TokenEndpointError, match="access_token"):
        token.refreshed({"token_type": "Bearer"}, now=T0)


def test_payload_round_trip_and_repr_hide_tokens() -> None:
    token = OAuthToken(
        access_token=SecretStr("at-secret"),
        refresh_token=SecretStr("rt-secret"),
        expires_at=T0,
        scope="read",
    )
    assert OAuthToken.from_payload(token.to_payload()) == token
    assert "at-secret" not in repr(token)
    assert "rt-secret" not in repr(token)


def test_nothing_secret_is_logged_or_printed(
    local_store,
    provider,
    http,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    oauth = refresher(local_store, provider, http)
    print(oauth, oauth.access_token(), oauth.token())
    provider.fail_next = [503]
    print(oauth.refresh(stale=oauth.access_token()))
    provider.revoke_all()
    for call in (lambda: oauth.refresh(stale=oauth.access_token()), oauth.access_token):
        with pytest.raises(ReauthorizationRequired) as info:
            call()
        errors.append(f"{info.value!s} {info.value!r}")
    out, err = capsys.readouterr()
    seen = caplog.text + out + err + "".join(errors)
    assert "refreshed OAuth token" in caplog.text  # logging did happen
    secrets_used = [*provider.access_tokens, *provider.rotated, CLIENT_SECRET]
    assert len(secrets_used) >= 5
    for secret in secrets_used:
        assert secret not in seen
    assert "CANARY" not in seen


def test_refresher_owns_and_closes_its_http_client(local_store, provider) -> None:
    seed(local_store, provider, expires_at=T0 - timedelta(minutes=5))
    with OAuthRefresher(
        local_store,
        "acme",
        "hubspot-1",
        provider.token_url,
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        lock=ThreadConnectionLock(),
        clock=lambda: T0,
    ) as oauth:
        assert oauth.access_token().get_secret_value() == provider.access_tokens[-1]
    assert oauth.endpoint._http.is_closed
