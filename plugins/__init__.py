"""plugins package."""

__all__: list[str] = []
