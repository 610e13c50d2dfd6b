"""A bare Django project: the floor that bench/run measures every page of the app against (docs/performance.md)."""
