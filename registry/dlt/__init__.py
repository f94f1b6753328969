"""A dlt source of the record store (``pip install "canonry[dlt]"``).

import dlt
from registry.dlt import source

pipeline = dlt.pipeline("canonry", destination="duckdb", dataset_name="canonical")
pipeline.run(source(tenant="default"))
"""

from registry.dlt._source import source

__all__ = ["source"]
