"""The scheduler admin API over a real socket: state (503 without a schedule), halt, restart, jobs, clean-ups."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from engine.supervisor_engine import attach

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    """A client against a server whose schedule starts empty for each test."""

    async def reset() -> None:
        conn = served.engine.store.connection
        for table in ("PARTIAL_JOB_RESULTS", "JOB_RESULTS", "SCHEDULED_JOBS", "SUPERVISOR"):
            conn.execute(f"DELETE FROM {table}")
        await served.engine.supervisor.close()
        served.engine.supervisor = attach(served.engine)

    served.call(reset())
    with served.client() as client:
        yield client


def add_job(http: httpx.Client, name: str = "balance", **extra: object) -> dict:
    answer = http.post(
        "/api/supervisor/jobs",
        json={"name": name, "task_type": "balance", "interval_seconds": 120, "start": "2015-03-11 00:28:00", **extra},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def hang_the_job(served: ServedEngine, http: httpx.Client) -> dict:
    job = add_job(http)

    async def lose() -> None:
        served.engine.supervisor.lose_next_completion()

    served.call(lose())
    served.advance(400)
    return job


def test_state_is_503_when_no_schedule_is_configured(http: httpx.Client) -> None:
    answer = http.get("/api/supervisor/state")
    assert answer.status_code == 503
    assert answer.json()["code"] == "Unavailable"


def test_state_is_the_bare_word_as_text(http: httpx.Client) -> None:
    add_job(http)
    answer = http.get("/api/supervisor/state")
    assert (answer.status_code, answer.text, answer.headers["content-type"].split(";")[0]) == (
        200,
        "RUNNING",
        "text/plain",
    )


def test_state_is_json_when_the_client_asks_for_it(http: httpx.Client) -> None:
    add_job(http)
    assert http.get("/api/supervisor/state", headers={"accept": "application/json"}).json() == {"state": "RUNNING"}


def test_halt_then_restart(http: httpx.Client) -> None:
    add_job(http)
    assert http.post("/api/supervisor/halt").text == "HALTED"
    assert http.get("/api/supervisor/state").text == "HALTED"
    assert http.post("/api/supervisor/restart").text == "RUNNING"


def test_halt_without_a_schedule_is_503(http: httpx.Client) -> None:
    assert http.post("/api/supervisor/halt").status_code == 503


def test_the_jobs_view_shows_runs_with_their_partial_results(served: ServedEngine, http: httpx.Client) -> None:
    job = add_job(http)
    served.advance(2)
    view = http.get("/api/supervisor/jobs").json()
    assert view["state"] == "RUNNING" and view["running_job_id"] == job["id"]
    assert view["results"][0]["scheduled_start"] == "2015-03-11T00:28:00Z"
    assert [p["state"] for p in view["results"][0]["partials"]] == ["running"]


def test_a_job_with_a_zero_interval_is_400(http: httpx.Client) -> None:
    answer = http.post("/api/supervisor/jobs", json={"name": "x", "task_type": "balance", "interval_seconds": 0})
    assert answer.status_code == 400
    assert "interval_seconds" in answer.json()["error"]


def test_a_second_job_with_the_same_name_is_409(http: httpx.Client) -> None:
    add_job(http)
    answer = http.post("/api/supervisor/jobs", json={"name": "balance", "task_type": "balance", "interval_seconds": 60})
    assert answer.status_code == 409


def test_a_hanging_run_is_flagged_in_the_jobs_view(served: ServedEngine, http: httpx.Client) -> None:
    hang_the_job(served, http)
    assert http.get("/api/supervisor/jobs").json()["results"][0]["hanging"] is True


def test_a_cleanup_while_running_is_409_asking_to_halt_first(served: ServedEngine, http: httpx.Client) -> None:
    job = hang_the_job(served, http)
    answer = http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job["id"]})
    assert (answer.status_code, answer.json()["code"]) == (409, "NotHalted")


def test_cleanup_reschedule_completes_the_run_and_moves_scheduled_start(
    served: ServedEngine, http: httpx.Client
) -> None:
    job = hang_the_job(served, http)
    http.post("/api/supervisor/halt")
    answer = http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job["id"]})
    assert answer.status_code == 200
    assert answer.json()["scheduled_start"] == "2015-03-11T00:30:00Z"
    assert http.post("/api/supervisor/restart").text == "RUNNING"
    served.advance(2)
    starts = [r["scheduled_start"] for r in http.get("/api/supervisor/jobs").json()["results"]]
    assert starts == ["2015-03-11T00:30:00Z", "2015-03-11T00:28:00Z"]


def test_cleanup_delete_run_lets_the_job_run_again_at_the_same_start(served: ServedEngine, http: httpx.Client) -> None:
    job = hang_the_job(served, http)
    http.post("/api/supervisor/halt")
    answer = http.post(
        "/api/supervisor/cleanup/delete-run", json={"job_id": job["id"], "scheduled_start": "2015-03-11 00:28:00"}
    )
    assert (answer.status_code, answer.json()["results"]) == (200, [])
    http.post("/api/supervisor/restart")
    served.advance(2)
    (run,) = http.get("/api/supervisor/jobs").json()["results"]
    assert (run["scheduled_start"], run["state"]) == ("2015-03-11T00:28:00Z", "running")


def test_cleanup_delete_of_a_run_that_does_not_exist_is_404(served: ServedEngine, http: httpx.Client) -> None:
    job = add_job(http)
    http.post("/api/supervisor/halt")
    answer = http.post(
        "/api/supervisor/cleanup/delete-run", json={"job_id": job["id"], "scheduled_start": "2015-03-11T09:00:00Z"}
    )
    assert answer.status_code == 404


def test_restart_with_a_duplicate_key_clash_left_is_409_saying_so(served: ServedEngine, http: httpx.Client) -> None:
    hang_the_job(served, http)
    http.post("/api/supervisor/halt")

    async def half_the_runbook() -> None:
        served.engine.store.connection.execute(
            "update PARTIAL_JOB_RESULTS set state = 'completed', duration = 1, result_code = 'ok'"
        )

    served.call(half_the_runbook())
    answer = http.post("/api/supervisor/restart")
    assert answer.status_code == 409
    assert "DuplicateKeyException" in answer.json()["error"]
    assert http.get("/api/supervisor/state").text == "HALTED"


def test_a_cleanup_body_with_a_bad_time_is_400(http: httpx.Client) -> None:
    job = add_job(http)
    http.post("/api/supervisor/halt")
    answer = http.post("/api/supervisor/cleanup/delete-run", json={"job_id": job["id"], "scheduled_start": "yesterday"})
    assert answer.status_code == 400
    assert "scheduled_start" in answer.json()["error"]


def test_a_remote_job_runs_one_partial_result_per_idc(served: ServedEngine, http: httpx.Client) -> None:
    add_job(http, "remote-balance", remote=True)
    served.advance(2)
    (run,) = http.get("/api/supervisor/jobs").json()["results"]
    assert [partial["cluster"] for partial in run["partials"]] == ["z0", "z1", "z2"]


def test_the_state_is_finished_once_the_only_job_passes_its_until(served: ServedEngine, http: httpx.Client) -> None:
    add_job(http, "once", until="2015-03-11 00:28:00")
    served.advance(600)
    assert http.get("/api/supervisor/state").text == "FINISHED"


def test_a_job_starting_in_year_1_is_accepted_and_reads_back_as_year_1(http: httpx.Client) -> None:
    job = add_job(http, "year-one", start="0001-01-01T00:00:00Z")
    assert job["scheduled_start"] == "0001-01-01T00:00:00Z"
    assert [j["scheduled_start"] for j in http.get("/api/supervisor/jobs").json()["jobs"]] == ["0001-01-01T00:00:00Z"]


def test_jobs_added_after_a_year_1_job_are_accepted(http: httpx.Client) -> None:
    add_job(http, "year-one", start="0001-01-01T00:00:00Z")
    add_job(http, "later")
    view = http.get("/api/supervisor/jobs").json()
    assert ([j["name"] for j in view["jobs"]], view["state"], view["last_error"]) == (
        ["year-one", "later"],
        "RUNNING",
        None,
    )


def test_a_job_at_the_last_minute_of_the_calendar_with_an_hour_interval_is_accepted(http: httpx.Client) -> None:
    job = add_job(http, "last", start="9999-12-31T23:59:00Z", interval_seconds=3600)
    assert job["scheduled_start"] == "9999-12-31T23:59:00Z"


OUT_OF_RANGE = ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]
EDGE_BODIES = [
    ("/api/supervisor/jobs", "start", {"name": "edge", "task_type": "balance", "interval_seconds": 60}),
    ("/api/supervisor/jobs", "until", {"name": "edge", "task_type": "balance", "interval_seconds": 60}),
    ("/api/supervisor/cleanup/delete-run", "scheduled_start", {"job_id": 1}),
    ("/api/supervisor/cleanup/reschedule", "scheduled_start", {"job_id": 1}),
]


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
@pytest.mark.parametrize(
    ("url", "field", "body"), EDGE_BODIES, ids=[f"{u.rsplit('/', 1)[-1]}.{f}" for u, f, _ in EDGE_BODIES]
)
def test_a_time_that_leaves_the_calendar_once_in_utc_is_400_naming_the_field_and_the_range(
    http: httpx.Client, url: str, field: str, body: dict, moment: str
) -> None:
    add_job(http)
    http.post("/api/supervisor/halt")
    answer = http.post(url, json={**body, field: moment})
    assert (answer.status_code, answer.json()["code"]) == (400, "Argument")
    assert f"'{field}'" in answer.json()["error"]
    assert "0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z" in answer.json()["error"]


def test_a_reschedule_whose_default_would_pass_the_end_of_the_calendar_is_400(http: httpx.Client) -> None:
    job = add_job(http, "last", start="9999-12-31T23:59:00Z", interval_seconds=3600)
    http.post("/api/supervisor/halt")
    answer = http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job["id"]})
    assert (answer.status_code, answer.json()["code"]) == (400, "Argument")
    assert "9999-12-31T23:59:59Z" in answer.json()["error"]


def test_a_run_completed_by_the_reschedule_clean_up_reads_cleaned_up_in_the_jobs_view(
    served: ServedEngine, http: httpx.Client
) -> None:
    job = hang_the_job(served, http)
    http.post("/api/supervisor/halt")
    http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job["id"]})
    (run,) = http.get("/api/supervisor/jobs").json()["results"]
    assert (run["state"], run["result_code"], run["cleaned_up"]) == ("completed", "cleaned up", True)
    assert [(p["result_code"], p["cleaned_up"]) for p in run["partials"]] == [("cleaned up", True)]


def test_patch_changes_a_jobs_interval_enabled_and_until(http: httpx.Client) -> None:
    job = add_job(http)
    answer = http.patch(
        f"/api/supervisor/jobs/{job['id']}",
        json={"interval_seconds": 600, "enabled": False, "until": "2015-03-12T00:00:00Z"},
    )
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("interval_seconds", "enabled", "until")} == {
        "interval_seconds": 600,
        "enabled": False,
        "until": "2015-03-12T00:00:00Z",
    }
    (listed,) = http.get("/api/supervisor/jobs").json()["jobs"]
    assert (listed["interval_seconds"], listed["enabled"]) == (600, False)


def test_patch_with_until_null_removes_the_end(http: httpx.Client) -> None:
    job = add_job(http, until="2015-03-12 00:00:00")
    answer = http.patch(f"/api/supervisor/jobs/{job['id']}", json={"until": None})
    assert (answer.status_code, answer.json()["until"]) == (200, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"interval_seconds": "60"}, "interval_seconds"),
        ({"enabled": "false"}, "enabled"),
        ({"until": "tomorrow"}, "until"),
        ({"until": "2015-03-11T00:00:00Z"}, "until"),
        ({"name": "renamed"}, "name"),
        ({}, "interval_seconds, enabled or until"),
    ],
    ids=["zero-interval", "text-interval", "text-enabled", "bad-until", "until-before-start", "unknown", "empty"],
)
def test_a_bad_job_edit_is_400_naming_the_field(http: httpx.Client, body: dict, field: str) -> None:
    job = add_job(http)
    answer = http.patch(f"/api/supervisor/jobs/{job['id']}", json=body)
    assert (answer.status_code, answer.json()["code"]) == (400, "Argument"), answer.text
    assert field in answer.json()["error"]


def test_editing_an_unknown_job_is_404(http: httpx.Client) -> None:
    add_job(http)
    answer = http.patch("/api/supervisor/jobs/999", json={"enabled": False})
    assert (answer.status_code, answer.json()["code"]) == (404, "NotFound")
    assert "999" in answer.json()["error"]


def test_delete_removes_a_job_and_its_past_runs(served: ServedEngine, http: httpx.Client) -> None:
    job = add_job(http, interval_seconds=1)
    add_job(http, "later", start="2015-03-11 09:00:00")
    served.advance(120)
    http.post("/api/supervisor/halt")
    http.post("/api/supervisor/cleanup/reschedule", json={"job_id": job["id"]})  # nothing left in flight
    answer = http.delete(f"/api/supervisor/jobs/{job['id']}")
    assert answer.status_code == 200, answer.text
    view = http.get("/api/supervisor/jobs").json()
    assert [j["name"] for j in view["jobs"]] == ["later"]
    assert [r for r in view["results"] if r["job_id"] == job["id"]] == []


def test_deleting_a_job_with_a_run_in_flight_is_409(served: ServedEngine, http: httpx.Client) -> None:
    job = add_job(http)
    served.advance(2)
    answer = http.delete(f"/api/supervisor/jobs/{job['id']}")
    assert (answer.status_code, answer.json()["code"]) == (409, "RunInFlight")
    assert "in flight" in answer.json()["error"]


def test_deleting_an_unknown_job_is_404(http: httpx.Client) -> None:
    assert http.delete("/api/supervisor/jobs/12345").status_code == 404


def test_a_job_id_that_is_not_a_number_is_400_naming_it(http: httpx.Client) -> None:
    answer = http.patch("/api/supervisor/jobs/first", json={"enabled": False})
    assert answer.status_code == 400 and "job_id" in answer.json()["error"]
