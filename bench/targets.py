"""The targets of issues 7 and 13, checked against what each benchmark printed."""


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _median(spread_text: str) -> float:
    """The median out of `spread()`'s text: "12.34 (min ..., max ..., 3 runs)" or "12.34"."""
    return float(str(spread_text).split(" ", 1)[0])


def _failed(what: str, target: str, result: dict) -> tuple[str, str, str, str, str]:
    return (what, "", target, f"failed: {result['error'][-200:]}", "**no**")


def _pages_row(r: dict) -> tuple[str, str, str, str, str]:
    """Issue 13: the mass breach's pages, as the loopback Twilio server received them."""
    p = r["paging"]
    ok = (
        p["max_sms_per_recipient_per_window"] <= 1
        and p["max_calls_per_recipient_per_window"] <= 1
        and p["unattributed_messages"] == 0
        and p["fired_listed_on_a_page"] == p["fired"]
        and p["pages_listing_short"] == 0
    )
    return (
        "the same storm, pages",
        f"{r['tickets']:,} major tickets due in the same minute, Twilio on a loopback server, "
        f"{p['window_s']:g} s windows",
        "<= 1 SMS and <= 1 call per recipient per window; every ticket listed on its page",
        f"max {p['max_sms_per_recipient_per_window']} SMS and {p['max_calls_per_recipient_per_window']} "
        f"call per recipient per window ({p['sms_received']} SMS and {p['calls_received']} calls to "
        f"{p['recipients']} numbers, {p['pages']} pages, {p['unattributed_messages']} messages outside "
        f"a page); {p['fired_listed_on_a_page']:,} of {p['fired']:,} fired escalations listed on a page; "
        f"SMS received over {p['sms_span_s']} s, at most {p['delay_after_trigger_s']['max']} s after "
        f"their window opened or closed; 429s {p['http_429']}",
        _yes(ok),
    )


def rows(results: dict) -> list[tuple[str, str, str, str, str]]:
    out = []
    r = results.get("lateness")
    if r:
        if "error" in r:
            out.append(_failed("escalation lateness", "p99 <= 100 ms, max <= 1 s", r))
        else:
            late = r["lateness_ms"]
            ok = (
                late["p99"] <= 100
                and late["max"] <= 1000
                and r["fired"] == r["tickets"]
                and r["fired_twice"] == 0
            )
            out.append(
                (
                    "escalation lateness",
                    f"{r['tickets']:,} open tickets due over {r.get('minutes', 10)} min, 1 worker",
                    "p99 <= 100 ms, max <= 1 s",
                    f"p50 {late['p50']} ms, p99 {late['p99']} ms, max {late['max']} ms; "
                    f"fired {r['fired']:,}, twice {r['fired_twice']}",
                    _yes(ok),
                )
            )
    for name, target_p99 in (("mass-breach", 1000), ("mass-breach-20k", 5000)):
        r = results.get(name)
        if not r:
            continue
        target = f"all fired exactly once, p99 <= {target_p99 // 1000} s" + (
            ", max <= 2 s, worker RSS flat" if target_p99 == 1000 else ""
        )
        if "error" in r:
            out.append(_failed("mass breach", target, r))
            continue
        late = r["lateness_ms"]
        ok = late["p99"] <= target_p99 and r["fired"] == r["tickets"] and r["fired_twice"] == 0
        if target_p99 == 1000:
            ok = ok and late["max"] <= 2000
        out.append(
            (
                "mass breach",
                f"{r['tickets']:,} major tickets due in the same minute, 1 worker",
                target,
                f"fired {r['fired']:,}, twice {r['fired_twice']}; p50 {late['p50']} ms, "
                f"p99 {late['p99']} ms, max {late['max']} ms; "
                f"worker RSS first/last {r.get('worker_rss_first_last_mib')}, "
                f"peak {r['worker_peak_rss_mib']} MiB",
                _yes(ok),
            )
        )
        if "paging" in r:
            out.append(_pages_row(r))
    r = results.get("catch-up")
    if r:
        target = "all once within 30 s of Redis's return; tick query <= 5 ms"
        if "error" in r:
            out.append(_failed("catch-up after an outage", target, r))
        else:
            query = r["tick_query_ms"]
            ok = (
                r["fired"] == r["overdue"]
                and r["fired_twice"] == 0
                and r["all_fired_after_return_s"] <= 30
                and query["p50"] <= 5
            )
            out.append(
                (
                    "catch-up after an outage",
                    f"{r['overdue']:,} alarms overdue after a {r['outage_minutes']:g}-minute broker outage, "
                    f"{r['background_tickets']:,} more tickets due later",
                    target,
                    f"fired {r['fired']:,}, twice {r['fired_twice']}; all fired "
                    f"{r['all_fired_after_return_s']} s after the return "
                    f"(first {r['first_fired_after_return_s']} s); tick queries p50 "
                    + ", ".join(
                        f"{name.replace('_', ' ')} {f['p50']} ms (p99 {f['p99']} ms)"
                        for name, f in query.get("per_query", {"slower": query}).items()
                    ),
                    _yes(ok),
                )
            )
    r = results.get("ledger")
    if r:
        if "error" in r:
            out.append(_failed("ledger appends", "reported", r))
        else:
            figures = "; ".join(
                f"{key.replace('_', ' ')}: {run['appends_per_s']:,}/s ({run['per_writer_per_s']:,} a writer)"
                for key, run in r["runs"].items()
            )
            out.append(
                (
                    "ledger appends",
                    f"1, 2 and 4 writers; one row a transaction, and {r['batch']} rows a transaction",
                    "reported, with the design's ceiling",
                    figures,
                    "reported",
                )
            )
    r = results.get("throughput")
    if r:
        if "error" in r:
            out.append(_failed("firing throughput", "reported", r))
        else:
            figures = "; ".join(
                f"{key.replace('_', ' ')}: {run['steps_per_s']}/s "
                f"({run['steps_per_s_per_process']} a process), "
                f"CPU {run['worker_cpu_ms_per_step']} ms a step in the worker, "
                f"{run['machine_cpu_ms_per_step']} ms on the machine"
                for key, run in r["runs"].items()
            )
            out.append(
                (
                    "firing throughput",
                    f"{r['tickets']:,} steps due at once; worker with 1, 2 and 4 processes",
                    "reported per process, with CPU per step",
                    figures,
                    "reported",
                )
            )
    r = results.get("intake")
    if r:
        if "error" in r:
            out.append(_failed("intake", ">= 50 % of bare DRF", r))
        else:
            ok = r["median_ratio"] >= 0.5 and r["errors"] == 0
            out.append(
                (
                    "intake",
                    "POST /api/v1/tickets/ with routing enqueued, gunicorn 2 workers, PostgreSQL",
                    ">= 50 % of a bare DRF create on the same table shape",
                    f"{r['intake_rps']} req/s vs bare {r['bare_rps']} req/s = {r['intake_to_bare']}; "
                    f"p99 {r['intake_p99_ms']} ms; errors {r['errors']}",
                    _yes(ok),
                )
            )
            if "form_rps" in r:
                ok = r["form_median_ratio"] >= 0.5 and r["errors"] == 0
                out.append(
                    (
                        "intake: public form POST",
                        "POST / (multipart, CSRF, rate limit, redirect), gunicorn 2 workers, PostgreSQL",
                        ">= 50 % of a bare Django form view saving one row",
                        f"{r['form_rps']} req/s vs bare {r['bare_form_rps']} req/s = "
                        f"{r['form_to_bare_form']}; p99 {r['form_p99_ms']} ms; errors {r['errors']}",
                        _yes(ok),
                    )
                )
    r = results.get("queue")
    if r:
        if "error" in r:
            out.append(_failed("queue", "p95 <= 50 ms", r))
        else:
            for name, page in r["pages"].items():
                completed = _median(page["p95_ms"]) > 0  # wrk leaves timed-out requests out of its latencies
                fast = completed and _median(page["p95_ms"]) <= 50
                ok = fast and not page["errors"] and page["status"] == 200
                figures = (
                    f"p95 {page['p95_ms']} ms, p50 {page['p50_ms']} ms, {page['rps']} req/s"
                    if completed
                    else "no request finished within wrk's 2 s timeout"
                )
                out.append(
                    (
                        f"queue: {name}",
                        f"{r['tickets']:,} tickets",
                        "p95 <= 50 ms, query count constant",
                        f"{figures}; {page['queries']} queries",
                        _yes(ok),
                    )
                )
    r = results.get("reports")
    if r:
        if "error" in r:
            out.append(_failed("reports", "<= 500 ms; breach list <= 200 ms", r))
        else:
            for label, key, limit in (
                ("grouped report, 30 days", "grouped_report_ms", 500),
                ("breach list, first page", "breach_list_ms", 200),
            ):
                figures = r.get(key, {})
                p50 = figures.get("p50")
                ok = p50 is not None and p50 <= limit
                out.append(
                    (
                        f"reports: {label}",
                        f"{r.get('rows', 0):,} ledger rows",
                        f"<= {limit} ms",
                        f"p50 {p50} ms, p95 {figures.get('p95')} ms, max {figures.get('max')} ms",
                        _yes(ok),
                    )
                )
    out += _search_rows(results.get("search"))
    r = results.get("sweep")
    if r:
        if "error" in r:
            out.append(_failed("sweep", "<= 5 ms", r))
        else:
            for label, key in (
                ("breach sweep, first responses", "breach_sweep_first_response_ms"),
                ("breach sweep, resolutions", "breach_sweep_resolution_ms"),
                ("alarm tick, steady state (the next 5 s of alarms)", "alarm_tick_steady_ms"),
                (
                    f"alarm tick, catching up ({r['alarm_tick_catch_up_rows']:,} alarms never handed over)",
                    "alarm_tick_catch_up_ms",
                ),
                (
                    f"alarm tick, {r.get('alarm_tick_in_flight_rows', 0):,} overdue alarms in flight",
                    "alarm_tick_in_flight_ms",
                ),
            ):
                if key not in r:
                    continue
                figures = r[key]
                out.append(
                    (
                        f"sweep: {label}",
                        f"{r['tickets']:,} open tickets",
                        "<= 5 ms (partial index)",
                        f"p50 {figures['p50']} ms, p95 {figures['p95']} ms, p99 {figures['p99']} ms",
                        _yes(figures["p50"] <= 5),
                    )
                )
    return out


# Issue 16: what an engineer types, through the API, every one held to the target. The same searches
# through the queue page are reported: the page without a search (tabs, incidents, roster, 50 rows
# rendered) takes about 45 ms of its own, and a search adds each tab's count of its matches.
SEARCH_TARGET_MS = 100
SEARCH_REPORTED_ONLY = {"queue_page_word", "queue_page_common_word", "queue_page_common_word_unassigned_new"}


def _search_rows(r: dict | None) -> list[tuple[str, str, str, str, str]]:
    if not r:
        return []
    if "error" in r:
        return [_failed("search", f"p95 <= {SEARCH_TARGET_MS} ms", r)]
    out = []
    for name, figures in r["searches"].items():
        ms = figures["ms"]
        params = ", ".join(f"{k}={v}" for k, v in figures["params"].items())
        reported = name in SEARCH_REPORTED_ONLY
        out.append(
            (
                f"search: {name.replace('_', ' ')}",
                f"{r['tickets']:,} tickets, {r['replies']:,} replies; `{params}` "
                f"({figures['matches']:,} matches)",
                "reported" if reported else f"p95 <= {SEARCH_TARGET_MS} ms",
                f"p50 {ms['p50']} ms, p95 {ms['p95']} ms, max {ms['max']} ms; {figures['queries']} queries",
                "reported" if reported else _yes(ms["p95"] <= SEARCH_TARGET_MS),
            )
        )
    return out
