"""``schedtop exporter``: no UI; watches remote sources (schedtop servers, CubeFS schedulers, ScyllaDB nodes) and
serves their metrics and alerts for Prometheus, labelled by cluster and node.

:mod:`.fleet` polls the sources (each on its own request budget) and evaluates the alert rules per source,
:mod:`.metrics` turns what they hold into one Prometheus exposition, :mod:`.server` serves it over HTTP and
:mod:`.cli` parses the command line.
"""
