"""The fault-injection fake answers like the real server: the same requests go to both
(OpenBao and tests/fakes/vault_server.py) and must get the same status and error text."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.openbao import ROOT_TOKEN as BAO_ROOT
from tests.fakes.openbao import VaultTarget
from tests.fakes.vault_server import ROOT_TOKEN, FakeVault


@pytest.fixture
def fake() -> Iterator[FakeVault]:
    with FakeVault() as vault:
        yield vault


class Api:
    def __init__(self, addr: str, token: str) -> None:
        self.addr, self.session = addr, requests.Session()
        self.session.headers["X-Vault-Token"] = token

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.session.request(method, f"{self.addr}/v1/{path}", json=body, timeout=10)
        return response.status_code, (response.json() if response.content else None)


def _errors(answer: tuple[int, Any]) -> tuple[int, list[str] | None]:
    status, body = answer
    return status, (body or {}).get("errors") if status >= 400 else None


def _script(api: Api, prefix: str, key: str) -> list[Any]:
    """The requests Canonry's code paths send, including the ones that must fail."""
    kv, ctx = f"secret/data/{prefix}/acme/c", base64.b64encode(b"owner").decode()
    out: list[Any] = [
        _errors(api("POST", kv, {"data": {"k": "1"}, "options": {"cas": 0}})),
        _errors(api("POST", kv, {})),  # real: 400 "no data provided"
        _errors(api("POST", kv, {"data": {"k": "2"}, "options": {"cas": 0}})),  # CAS mismatch
    ]
    for n in range(11):
        api("POST", kv, {"data": {"k": str(n)}})
    status, meta = api("GET", f"secret/metadata/{prefix}/acme/c")
    out.append((status, sorted(meta["data"]["versions"]), meta["data"]["current_version"]))
    out.append(api("GET", kv)[1]["data"]["data"])
    out.append(_errors(api("DELETE", kv)))  # soft delete: real 204
    out.append(api("GET", kv)[0])  # then 404
    out.append(_errors(api("LIST", f"secret/metadata/{prefix}")))
    out.append(api("LIST", f"secret/metadata/{prefix}/acme")[1]["data"]["keys"])
    out.append(_errors(api("DELETE", f"secret/metadata/{prefix}/acme/c")))
    out.append(_errors(api("GET", f"secret/metadata/{prefix}/acme/c")))
    out.append(_errors(api("GET", f"no-such-mount/data/{prefix}")))
    out.append(api("POST", f"transit/keys/{key}", {"derived": True})[0])
    plain = base64.b64encode(os.urandom(32)).decode()
    out.append(_errors(api("POST", f"transit/encrypt/{key}", {"plaintext": plain})))  # no ctx
    status, enc = api("POST", f"transit/encrypt/{key}", {"plaintext": plain, "context": ctx})
    ciphertext = enc["data"]["ciphertext"]
    out.append((status, ciphertext.split(":")[:2]))
    dec = api("POST", f"transit/decrypt/{key}", {"ciphertext": ciphertext, "context": ctx})
    out.append((dec[0], dec[1]["data"]["plaintext"] == plain))
    for bad in ("vault:v1:AAAA", "garbage", "vault:v9:" + "A" * 64):
        out.append(
            _errors(api("POST", f"transit/decrypt/{key}", {"ciphertext": bad, "context": ctx}))
        )
    out.append(api("POST", f"transit/keys/{key}/rotate")[0])
    rewrapped = api("POST", f"transit/rewrap/{key}", {"ciphertext": ciphertext, "context": ctx})
    out.append((rewrapped[0], rewrapped[1]["data"]["ciphertext"].split(":")[1]))
    out.append(api("POST", f"transit/keys/{key}/config", {"min_decryption_version": 2})[0])
    out.append(
        _errors(api("POST", f"transit/decrypt/{key}", {"ciphertext": ciphertext, "context": ctx}))
    )
    out.append(_errors(api("POST", "transit/decrypt/no-such-key", {"ciphertext": "vault:v1:AAAA"})))
    out.append(_errors(api("GET", "transit/keys/no-such-key")))
    return out


def test_the_fake_answers_like_openbao(target: VaultTarget, fake: FakeVault) -> None:
    real = _script(Api(target.addr, BAO_ROOT), target.prefix, target.transit_key)
    faked = _script(Api(fake.url, ROOT_TOKEN), target.prefix, target.transit_key)
    for step, (want, got) in enumerate(zip(real, faked, strict=True)):
        assert got == want, f"step {step}: OpenBao {want!r}, fake {got!r}"


def test_an_unknown_token_is_refused_like_openbao(target: VaultTarget, fake: FakeVault) -> None:
    path = f"secret/data/{target.prefix}/x"
    assert _errors(Api(fake.url, "hvs.nope")("GET", path)) == _errors(
        Api(target.addr, "hvs.nope")("GET", path)
    )
