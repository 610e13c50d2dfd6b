"""Concurrent posts of the same choice (a double click that reaches two app servers at once) record one step."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection

from tests.factories import make_course, make_module, make_sim_graph
from training import simulation as sim
from training.models import SimulationStep

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_identical_choices_record_exactly_one_step():
    user = get_user_model().objects.create_user("racer")
    simulation = make_sim_graph(
        make_module(make_course()),
        nodes={
            "start": {"options": [{"key": "a", "next": "middle", "effects": {"trust": 10}}]},
            "middle": {"options": [{"key": "b", "next": "end"}]},
            "end": {"ending": "success"},
        },
    )
    run = sim.start_run(user=user, simulation=simulation)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def post() -> None:
        barrier.wait()
        try:
            for _ in range(200):
                try:
                    sim.choose(
                        user=user,
                        run_id=run.pk,
                        node_id=simulation.start_node_id,
                        option_key="a",
                        step_number=1,
                    )
                    outcomes.append("recorded")
                    return
                except sim.StaleChoice:
                    outcomes.append("stale")
                    return
                except OperationalError as error:
                    # SQLite's in-memory test database fails a shared-cache table lock at once, where the
                    # file database waits (timeout=20): wait and try again, as the server would have.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.01)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded", "stale", "stale", "stale"]
    assert SimulationStep.objects.filter(run=run).count() == 1
    run.refresh_from_db()
    assert run.current_node.key == "middle" and run.meters == {"trust": 60}
