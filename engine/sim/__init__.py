"""The simulated storage cluster the engine schedules work on: topology, placement and injected faults."""
