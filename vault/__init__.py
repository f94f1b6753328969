"""vault package."""

__all__: list[str] = []
