"""Reading ``GET /metrics`` the way Prometheus does: by family, sample name and label set, not by text layout.

Label order and number spelling (``1`` or ``1.0``) carry no meaning in the exposition format, so tests compare
parsed samples.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample called ``name`` with exactly these labels; AssertionError when there is none."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    raise AssertionError(f"no sample {name}{labels or ''} in /metrics")
