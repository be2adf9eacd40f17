"""The engine's API (:class:`engine.api.EngineAPI`) by family, as ``engine/http/routes_*`` is: one mixin each.

- :mod:`.cubefs` — the CubeFS scheduler: stats, task detail, disk migration progress, manual migrate, switches;
- :mod:`.tasks` — the ScyllaDB task manager (lists, status, abort, wait, TTLs) and Ocient-style distributed tasks;
- :mod:`.supervisor` — the embedded supervisor's jobs, halt/restart and clean-ups, and starting a job's work;
- :mod:`.faults` — the simulated cluster's disks and the faults one can inject.

Each mixin builds on :class:`engine.core.EngineCore`; :class:`engine.engine.Engine` combines them. A method that
changes state is decorated with :func:`engine.core.durable`.
"""
