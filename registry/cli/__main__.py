"""``python -m registry.cli``: the ``canonry`` command."""

from registry.cli._app import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
