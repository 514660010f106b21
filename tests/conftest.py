"""Shared test settings: hypothesis runs deterministically so the suite gives the same verdict every time."""

from hypothesis import HealthCheck, settings

settings.register_profile("interplay", derandomize=True, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("interplay")
