"""webhooks package."""

__all__: list[str] = []
