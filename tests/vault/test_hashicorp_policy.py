"""The README's minimal Vault policy is exactly what vault.minimal_policy renders (the policy
the real-server tests run the store on)."""

from __future__ import annotations

from pathlib import Path

from vault import minimal_policy

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_policy_is_the_rendered_one() -> None:
    text = README.read_text()
    section = text[text.index("**Minimal policy.**") :]
    block = section[section.index("```hcl\n") + len("```hcl\n") : section.index("```\n\n")]
    assert block == minimal_policy(transit_mount="transit")


def test_the_policy_follows_the_settings() -> None:
    hcl = minimal_policy("kv", "apps/canonry", transit_mount="kms", transit_key="kek", rotate=True)
    assert 'path "kv/data/apps/canonry/*"' in hcl
    assert 'path "kv/metadata/apps/canonry/*"' in hcl
    assert 'path "kms/keys/kek/rotate"' in hcl
    assert "transit" not in minimal_policy()
