"""registry package."""

__all__: list[str] = []
