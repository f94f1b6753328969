"""The Vault token lifecycle against a real OpenBao server: AppRole logins, renewal ahead of
expiry, re-login (revoking the replaced token) only when the token is gone or cannot be
renewed. The client's clock is injected, so no test waits for a real TTL."""

from __future__ import annotations

import logging
import time

import pytest
from pydantic import SecretStr

from canonical import CredentialError
from tests.fakes.openbao import RecordingSession, VaultTarget
from vault import HashiCorpStore, VaultClient, minimal_policy

LOGIN = "auth/approle/login"
RENEW = "auth/token/renew-self"


def _wait_real_seconds(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(
    target: VaultTarget, *, role: dict[str, object] | None = None, hcl: str | None = None
) -> tuple[HashiCorpStore, RecordingSession, Clock]:
    policy = hcl or minimal_policy(prefix=target.prefix)
    role_id, secret_id = target.approle(policy, **(role or {}))
    settings = target.settings(token=None, role_id=role_id, secret_id=SecretStr(secret_id))
    session, clock = RecordingSession(), Clock()
    client = VaultClient(settings, session=session, clock=clock)
    return HashiCorpStore(settings, client=client), session, clock


def test_policy_refusals_never_log_in_again(target: VaultTarget) -> None:
    """Five calls to a path the policy lacks: one login, one token, five clear errors."""
    store, session, _ = _store(target)
    store.put("acme", "ok", {"k": "v"})
    token = store.client._hvac.token
    outside = HashiCorpStore(
        target.settings(prefix="elsewhere"), client=store.client
    )  # same client, a path its policy lacks
    for _ in range(5):
        with pytest.raises(CredentialError, match="lacks a policy"):
            outside.get("acme", "x")
    assert session.count(LOGIN) == 1
    assert store.client._hvac.token == token
    assert target.accepts(token)


def test_a_token_vault_no_longer_accepts_is_replaced_once(target: VaultTarget) -> None:
    store, session, _ = _store(target)
    store.put("acme", "ar", {"k": "v"})
    first = store.client._hvac.token
    target.revoke(first)  # what an expired or revoked token looks like to the client
    assert store.get("acme", "ar")["k"].get_secret_value() == "v"
    assert store.client._hvac.token != first
    assert session.count(LOGIN) == 2
    store.get("acme", "ar")
    assert session.count(LOGIN) == 2


def test_a_renewable_token_is_renewed_ahead_of_expiry(target: VaultTarget) -> None:
    store, session, clock = _store(target, role={"token_ttl": "60s", "token_max_ttl": "1h"})
    store.put("acme", "renew", {"k": "v"})
    token = store.client._hvac.token
    clock.now += 30  # half the lease left: nothing to do yet
    store.get("acme", "renew")
    assert session.count(RENEW) == 0
    clock.now += 15  # a quarter left: renew before the call
    store.get("acme", "renew")
    assert session.count(RENEW) == 1
    lease = store.client.lease
    assert lease is not None
    assert lease.remaining(clock.now) == pytest.approx(60, abs=2)
    assert (store.client._hvac.token, session.count(LOGIN)) == (token, 1)


def test_a_token_at_its_max_ttl_is_replaced_and_revoked(target: VaultTarget) -> None:
    store, session, clock = _store(target, role={"token_ttl": "60s", "token_max_ttl": "60s"})
    store.put("acme", "max", {"k": "v"})
    first = store.client._hvac.token
    # Vault caps a renewal at what is left of the max TTL, in whole seconds: let at least
    # 1.5 real seconds pass so the cap shows (a slower machine only makes it show more).
    _wait_real_seconds(1.5)
    clock.now += 45
    store.get("acme", "max")  # renewal capped by the max TTL (Vault: "TTL value is capped")
    assert session.count(RENEW) == 1
    assert store.client._hvac.token == first
    clock.now += 45
    store.get("acme", "max")  # no renewal can help now: log in again, revoke the old one
    assert session.count(RENEW) == 1
    assert session.count(LOGIN) == 2
    assert store.client._hvac.token != first
    assert not target.accepts(first)


def test_a_renewal_vault_refuses_means_a_new_login(target: VaultTarget) -> None:
    revoke_only = 'path "auth/token/revoke-self" { capabilities = ["update"] }\n'
    hcl = minimal_policy(prefix=target.prefix).split('path "auth/token/')[0] + revoke_only
    store, session, clock = _store(
        target, hcl=hcl, role={"token_ttl": "60s", "token_no_default_policy": True}
    )
    store.put("acme", "norenew", {"k": "v"})
    first = store.client._hvac.token
    clock.now += 50
    assert store.get("acme", "norenew")["k"].get_secret_value() == "v"
    assert (session.count(RENEW), session.count(LOGIN)) == (1, 2)
    assert not target.accepts(first)


def test_close_revokes_the_approle_token(target: VaultTarget) -> None:
    store, _, _ = _store(target)
    store.put("acme", "bye", {"k": "v"})
    token = store.client._hvac.token
    store.close()
    assert not target.accepts(token)


def test_token_auth_renews_a_renewable_token(target: VaultTarget) -> None:
    token = target.token_for(minimal_policy(prefix=target.prefix), ttl="60s")
    session, clock = RecordingSession(), Clock()
    settings = target.settings(token=SecretStr(token))
    store = HashiCorpStore(settings, client=VaultClient(settings, session=session, clock=clock))
    store.put("acme", "tok", {"k": "v"})
    assert session.count("auth/token/lookup-self") == 1  # learns the TTL once
    clock.now += 45
    store.get("acme", "tok")
    assert session.count(RENEW) == 1
    assert session.count("auth/token/lookup-self") == 1


def test_token_auth_warns_once_about_a_token_it_cannot_renew(
    target: VaultTarget, caplog: pytest.LogCaptureFixture
) -> None:
    token = target.token_for(minimal_policy(prefix=target.prefix), ttl="60s", renewable=False)
    session, clock = RecordingSession(), Clock()
    settings = target.settings(token=SecretStr(token))
    store = HashiCorpStore(settings, client=VaultClient(settings, session=session, clock=clock))
    store.put("acme", "fixed", {"k": "v"})
    clock.now += 45
    with caplog.at_level(logging.WARNING, logger="canonry.vault.hashicorp"):
        store.get("acme", "fixed")
        store.get("acme", "fixed")
    assert caplog.text.count("cannot be renewed further") == 1
    assert session.count(RENEW) == 0
    assert token not in caplog.text


def test_root_tokens_never_expire_and_are_never_renewed(target: VaultTarget) -> None:
    session, clock = RecordingSession(), Clock()
    settings = target.settings()
    store = HashiCorpStore(settings, client=VaultClient(settings, session=session, clock=clock))
    store.put("acme", "root", {"k": "v"})
    clock.now += 10**9
    store.get("acme", "root")
    assert session.count(RENEW) == 0
    assert session.count("auth/token/lookup-self") == 1
