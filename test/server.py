#!/usr/bin/python3
"""Loopback test server for the exclusions integration tests (stdlib only).

Usage: server.py --port-file FILE [--tls CERT KEY] [--delay SECONDS] [--root DIR]
                 [--github-fixtures DIR] [--peer NAME=URL]... [--record-dir DIR]

Binds 127.0.0.1 on a free port, writes the port number to FILE (atomically:
temporary name, then rename), and serves until killed.  Every request line is
logged to stderr as

    request: GET /status/500 HTTP/1.1

when it is received (before any --delay), and every response status as

    response: GET /status/500 500

so that a test can count how often a path was asked for.

Routes:
  /data/<name>          the file <name> from --root (default test/data, the
                        folder beside this script, which holds the two
                        disabled-tests snapshots), with Content-Length
  /status/<code>        that status, short text body
  /stall                200, Content-Length 1000, a few bytes, then nothing
                        for 600 s
  /stall-headers        reads the request, never answers
  /truncated            Content-Length 100000, 1000 bytes of JSON-looking
                        text, then the connection is closed
  /invalid              200 with a body that is not valid JSON
  /big                  200 MB of '[' with Content-Length
  /big-chunked          the same 200 MB, Transfer-Encoding: chunked
  /redirect?to=PATH     302 to PATH on this server
  /cached/<name>?validators=both|etag|lm|none&delay=S
                        the file <name> from --root, read at each request
                        (so a test can change it between runs), with an
                        ETag (a hash of the content) and a Last-Modified
                        (the file's mtime) as validators= says (default
                        both); 304 and no body when the request's
                        If-None-Match names that ETag, or (without it) its
                        If-Modified-Since is that Last-Modified.  Waits S
                        seconds first (a slow server).  Logs
                        "cond: PATH inm=<If-None-Match> ims=<If-Modified-Since>"
                        and, when a body is sent, "body: PATH <bytes>".
  /api/v3/...           fake GitHub API (API_ROUTES), data from
                        --github-fixtures (default ./fixtures/github); see
                        "Fake GitHub" below.  Anything else under /api/v3 is
                        404 with GitHub's JSON error body.
  /blobs/OWNER/SCENARIO/JOB   a job's log (where the logs route redirects)

Fake GitHub (what `gh api` and curl --api-url .../api/v3 ask for):
  /api/v3/repos/OWNER/SCENARIO/actions/workflows/FILE/runs
        {"total_count", "workflow_runs": [...]}: the scenario's runs whose
        head_branch is the branch= asked, but only when the query also has
        status=completed; otherwise an empty list (so a test can prove the
        filters were sent).  per_page is ignored on purpose: the client must
        keep to its own --runs.
  /api/v3/repos/OWNER/SCENARIO/actions/runs/RUN/jobs?per_page=N&page=K
        {"total_count", "jobs": [...]}, pages of per_page (default 30, at
        most 100), with GitHub's Link header (absolute URLs of this server,
        or of a peer, below; in GitHub's order: rel="prev" (later pages),
        "next", "last", "first" (later pages)).
  /api/v3/repos/OWNER/SCENARIO/actions/jobs/JOB/logs
        302 to /blobs/OWNER/SCENARIO/JOB?sig=... (on this server, or a peer,
        below), which serves the log as text/plain, every line timestamped
        like GitHub Actions logs.
  Run options that make a broken paginator: "total_count" (the count the
  pages claim, whatever the jobs), "omit_total" (no total_count at all),
  "links_self" (rel="next" is the page just served), "links_back": K (the
  last page's rel="next" is page K).  "every_job" (run): the special-job
  fields for every job not listed in "special" (a run of failed test jobs).
  A special job with "log_kind": "distinct" serves "count" distinct failed
  tests (its own "log" lines first), the whole list "repeat" times.
  OWNER is not looked at: tests put a case tag there, to count their own
  requests in the log.  SCENARIO is a key of scenarios.json (basic,
  ratelimit, stall, badids, badjobids, hostile, bench, bench2, authlogs,
  authruns-b, authruns-c, authnext, hugecount, selflink, linkloop,
  manyfailed, distinct); unknown ones 404.
  /api/v3/repos/OWNER/SCENARIO/issues?state=open&per_page=N&page=K
        a JSON array of the scenario's issues from issues.json (beside
        scenarios.json): its "filler" count of plain open issues (every
        fifth a pull request) first, then its "issues"; only the open ones
        when the query says state=open (else the closed ones too, so that a
        test can prove the filter was sent); pages of per_page (default 30,
        at most 100) with GitHub's Link header (rel="next", "last", ...).
  /api/v3/repos/OWNER/SCENARIO/issues/NUMBER
        one issue of the scenario, open or closed; 404 when it has none.
  An issue of issues.json: {"number", "title", "body", "state" (default
  open), "pull" (true: a pull request), "created_at"}.
  Every request under /api/v3 and /blobs also logs
        auth: PATH <Authorization header, or "(none)">
        agent: PATH <User-Agent header, or "(none)">
  (so a test can tell gh's calls, "GitHub CLI ...", from curl's).
  --delay applies to every response, the 302 and the blob included.

Other origins (--peer NAME=URL, repeatable): URL is the base
(scheme://127.0.0.1:PORT, no path) of another instance of this server, such
as one on another port or plain HTTP; scenarios.json names it by NAME, to
send a client elsewhere:
  "runs_redirect": NAME      (scenario) the runs list answers 302 to the same
        path and query on NAME.  A server that has no peer of that name
        serves the list itself: peers are started without --peer, so they
        answer what they are sent, and a redirect never loops.
  "links_at": NAME           (run) the jobs pages' Link URLs name NAME's
        base instead of this server's (so rel="next" points elsewhere).
  "log_at": NAME             (special job) the logs route answers 302 to the
        blob on NAME (/blobs/OWNER/SCENARIO/JOB?sig=...).
  A peer name this server does not know makes links_at and log_at name this
  server itself (and logs "server: no peer NAME"), so that the test sees the
  other origin was never reached.

Issue ages and the tracking issue (--issue-ages, --notify-issue): for a
repository OWNER/NAME whose NAME is no scenario of issues.json (and, for the
list, the search and POST, ends in "track"), state kept in memory while the
server runs, numbers from 1 in each:
  GET  /api/v3/repos/OWNER/NAME/issues/N
        an issue the tool made, or else one of issue-ages.json (beside
        issues.json): {"OWNER/NAME": {"N": "created_at"}} gives {"number",
        "state", "created_at", ...}; {"N": {"status": CODE}} answers CODE;
        {"N": {"raw": TEXT}} answers 200 with TEXT as it is.  Else 404.
  GET  /api/v3/repos/OWNER/NAME/issues?state=all&...
        the repository's issues, the latest updated first, with a pull
        request among them (it has a "pull_request" field and the marker in
        its body: a client must leave it out); without state=all only the
        open ones.  A NAME starting with "hidden" lists no issue the tool made
        (as if they were past the first page): only the search finds them.
  GET  /api/v3/search/issues?q=repo:OWNER/NAME+...+"WORD"...
        {"total_count", "items"}: the issues whose body holds WORD.
  POST /api/v3/repos/OWNER/NAME/issues            (JSON: title, body)
  PATCH /api/v3/repos/OWNER/NAME/issues/N          (JSON: title, body, state)
        make or change an issue; 401 without Authorization, 422 for a body
        that is not a JSON object with string fields.  Each is logged as
        "sent: METHOD PATH <the JSON body, compact>".
  POST /hook/NAME       a webhook: 200 "ok"; the exact body is written to
        --record-dir as hook.NAME.K (K = 1, 2, ...), its Content-Type to
        hook.NAME.K.type, and "webhook: NAME K" is logged.

--tls CERT KEY serves HTTPS (the listening socket is wrapped by an
ssl.SSLContext; the handshake runs in the connection's own thread, so a
client that never completes it cannot block the others).
"""

import argparse
import email.utils
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

BIG_SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
STALL_SECONDS = 600

# Errors that just mean "the client went away"; never worth a traceback.
QUIET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                socket.timeout, ssl.SSLError, ssl.SSLEOFError)

_log_lock = threading.Lock()


ETAGS = {}
ETAG_LOCK = threading.Lock()


def log(msg):
    with _log_lock:
        try:
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def truncated_prefix(size=1000):
    """`size` bytes of the start of a plausible disabled-tests list."""
    parts = ["{"]
    i = 0
    while sum(len(p) for p in parts) < size:
        sep = "" if i == 0 else ", "
        parts.append('%s"test_case_%d (__main__.TestTruncated)": '
                     '["%d", "https://github.com/pytorch/pytorch/issues/%d", '
                     '["linux"]]' % (sep, i, 100000 + i, 100000 + i))
        i += 1
    return "".join(parts).encode()[:size]


INVALID_BODY = (b'{"test_ok (__main__.TestInvalid)": ["1", '
                b'"https://github.com/pytorch/pytorch/issues/1", ["linux"]], '
                b'"test_bad (__main__.TestInvalid)": ["2", '
                b'"https://github.com/pytorch/pytorch/issues/2", ["linux"}\n')

# -- Fake GitHub ------------------------------------------------------------

GH_FIXTURES = None          # {"scenarios": {...}, "frame": [lines]}, see load_github
LOG_STAMP = "2026-08-21T19:26:%02d.%07dZ "
HOSTILE_LONG = 1024 * 1024  # the over-long line of the hostile log
STALL_PAD = 100000          # Content-Length the stalling log announces


GH_FIXTURES_DIR = [None]


def load_github(folder):
    global GH_FIXTURES
    try:
        with open(os.path.join(folder, "scenarios.json")) as f:
            scen = json.load(f)["scenarios"]
        with open(os.path.join(folder, "log-frame.txt")) as f:
            frame = f.read().splitlines()
    except OSError as e:
        log("server: no GitHub fixtures in %s: %s" % (folder, e))
        scen, frame = {}, ["@@FAILURES@@"]
    try:
        with open(os.path.join(folder, "issues.json")) as f:
            issues = json.load(f)["scenarios"]
    except (OSError, ValueError, KeyError) as e:
        log("server: no issue fixtures in %s: %s" % (folder, e))
        issues = {}
    GH_FIXTURES = {"scenarios": scen, "frame": frame, "issues": issues}


def gh_scenario(name):
    return GH_FIXTURES["scenarios"].get(name) if GH_FIXTURES else None


def gh_json_str(s):
    return json.dumps(s)


def gh_run_id_text(run):
    return run.get("id_raw") or str(run["id"])


def gh_jobs_of(run):
    """The run's jobs: [(id_text, name, conclusion, special or None)]."""
    special = {j["index"]: j for j in run.get("special", [])}
    every = run.get("every_job")
    out = []
    for i in range(run.get("jobs", 0)):
        sp = special.get(i, every)
        if sp is not None:
            name = sp.get("name", "linux-jammy-py3.10-gcc11 / test (default, %d, 5, "
                          "linux.4xlarge)" % (i % 5 + 1))
            concl = sp.get("conclusion", "failure")
            jid = sp.get("id_raw") or str(run["id"] * 1000 + i)
        else:
            # Ordinary jobs: builds, passed test shards, a skipped one.
            if i % 4 == 0:
                name, concl = "linux-jammy-py3.10-gcc11 / build", "success"
            elif i % 7 == 0:
                name, concl = "linux-docs / build-docs-python-false", "skipped"
            else:
                name = ("linux-jammy-py3.10-gcc11 / test (default, %d, 5, linux.2xlarge)"
                        % (i % 5 + 1))
                concl = "success"
            jid = str(run["id"] * 1000 + i)
        out.append((jid, name, concl, sp))
    return out


def gh_find_job(scen, job_id):
    for run in scen.get("runs", []):
        for jid, _name, _concl, sp in gh_jobs_of(run):
            if jid == job_id:
                return run, sp
    return None, None


def gh_stamp(lines):
    """Timestamp every line like a GitHub Actions log (bytes in, bytes out);
    the first line starts with a UTF-8 BOM, as downloaded job logs often do."""
    out = []
    for n, line in enumerate(lines):
        if isinstance(line, str):
            line = line.encode()
        out.append(b"%s%s\n" % ((LOG_STAMP % (n // 100 % 60, n % 100 * 1000)).encode(), line))
    if out:
        out[0] = b"\xef\xbb\xbf" + out[0]
    return b"".join(out)


def gh_framed(failures):
    lines = []
    for line in GH_FIXTURES["frame"]:
        if line == "@@FAILURES@@":
            lines.extend(failures)
        else:
            lines.append(line)
    return lines


def gh_hostile_lines():
    t = "profiler/test_profiler.py::TestProfiler::test_kineto_"
    return [
        "FAILED %s$(touch X) - command substitution" % t,
        "FAILED %s`touch X` - backticks" % t,
        "FAILED %ssemi;touch${IFS}X - semicolon, no space" % t,
        "FAILED %sa;touch X - semicolon and a space" % t,
        "FAILED %swith space - a space in the id" % t,
        "FAILED %sglob* - star" % t,
        "FAILED %sq?[ab] - question mark and bracket" % t,
        "FAILED %squote'\"q - quotes" % t,
        "FAILED %sdollar$HOME>out|pipe&amp - more metacharacters" % t,
        "FAILED %sback\\slash - a backslash" % t,
        b"FAILED " + t.encode() + b"nul\x00evil - a NUL byte",
        "FAILED %stab\there - a tab" % t,
        "FAILED [1.00s] %s%s - a 1 MB line" % (t, "A" * HOSTILE_LONG),
        "FAIL: test_$(touch X) (__main__.TestProfiler)",
        "FAILED profiler/test_profiler.py::TestProfiler::test_user_annotation - the legitimate one",
    ]


def peer_base(h, name):
    """The base URL of peer NAME, or this server's own (logged) if unknown."""
    if name is None:
        return h.base_url()
    url = h.server.peers.get(name)
    if url is None:
        log("server: no peer %s, naming this server instead" % name)
        return h.base_url()
    return url


def api_runs(h, m, query):
    scen = gh_scenario(m.group("scen"))
    if scen is None:
        return api_not_found(h)
    peer = scen.get("runs_redirect")
    if peer is not None and peer in h.server.peers:
        # The same path and query on the other origin.
        return h.send_body(302, "", headers={"Location": h.server.peers[peer] + h.path})
    err = scen.get("runs_error")
    if err:
        return h.send_json(err["status"], json.dumps(err["body"]), err.get("headers"))
    branch = (query.get("branch") or [None])[0]
    status = (query.get("status") or [None])[0]
    runs = []
    if branch is not None and status == "completed":
        for n, run in enumerate(scen.get("runs", [])):
            if run.get("head_branch", "main") != branch:
                continue
            # Nested objects after the run's own fields, with ids and
            # names of their own, as GitHub sends them.
            sha = "%040x" % (0xabc0 + n)
            runs.append('{"id": %s, "name": "pull", "head_branch": %s, '
                        '"head_sha": "%s", "status": "completed", '
                        '"conclusion": "failure", "workflow_id": 1000, '
                        '"created_at": "2026-08-21T%02d:00:00Z", "pull_requests": [], '
                        '"head_commit": {"id": "%s", "message": "test: fix it"}, '
                        '"repository": {"id": 65600975, "name": "pytorch", '
                        '"owner": {"id": 21003710, "login": "pytorch"}}}'
                        % (gh_run_id_text(run), gh_json_str(branch), sha, 23 - n, sha))
    body = '{"total_count": %d, "workflow_runs": [%s]}' % (len(runs), ", ".join(runs))
    return h.send_json(200, body)


def api_jobs(h, m, query):
    scen = gh_scenario(m.group("scen"))
    run = None
    for r in (scen or {}).get("runs", []):
        if gh_run_id_text(r) == m.group("run"):
            run = r
    if run is None:
        return api_not_found(h)
    try:
        per_page = min(max(int((query.get("per_page") or ["30"])[0]), 1), 100)
        page = max(int((query.get("page") or ["1"])[0]), 1)
    except ValueError:
        return h.send_json(422, '{"message": "Validation Failed"}')
    jobs = gh_jobs_of(run)
    last = max((len(jobs) + per_page - 1) // per_page, 1)
    items = []
    for k, (jid, name, concl, _sp) in enumerate(jobs[(page - 1) * per_page:page * per_page]):
        # Steps after the job's own fields: their names and conclusions must
        # not be taken for the job's (the last step's name holds "test"; in
        # every third job that step failed, as a continue-on-error step can).
        steps = ('[{"name": "Set up job", "status": "completed", "conclusion": "success", '
                 '"number": 1}, {"name": "Run the job", "status": "completed", '
                 '"conclusion": %s, "number": 2}, {"name": "Upload test statistics", '
                 '"status": "completed", "conclusion": "%s", "number": 3}]'
                 % (gh_json_str(concl), "failure" if k % 3 == 0 else "success"))
        items.append('{"id": %s, "run_id": %s, "workflow_name": "pull", "head_branch": "main", '
                     '"name": %s, "status": "completed", "conclusion": %s, '
                     '"started_at": "2026-08-21T19:00:00Z", "steps": %s, '
                     '"labels": ["linux.2xlarge"], "runner_id": 424242, '
                     '"runner_name": "i-0123456789abcdef0", "runner_group_id": 1}'
                     % (jid, gh_run_id_text(run), gh_json_str(name), gh_json_str(concl), steps))
    total = run.get("total_count", len(jobs))
    if run.get("omit_total"):
        body = '{"jobs": [%s]}' % ", ".join(items)
    else:
        body = '{"total_count": %d, "jobs": [%s]}' % (total, ", ".join(items))
    url = "%s/api/v3/repos/%s/%s/actions/runs/%s/jobs?per_page=%d&page=" % (
        peer_base(h, run.get("links_at")), m.group("owner"), m.group("scen"),
        m.group("run"), per_page)
    # GitHub's order: prev, next, last, first.
    links = []
    if run.get("links_self"):
        # A broken paginator: "next" is the very page just served.
        links.append('<%s%s>; rel="next"' % (peer_base(h, run.get("links_at")), h.path))
    else:
        if page > 1:
            links.append('<%s%d>; rel="prev"' % (url, page - 1))
        if page < last:
            links.append('<%s%d>; rel="next"' % (url, page + 1))
            links.append('<%s%d>; rel="last"' % (url, last))
        if page > 1:
            links.append('<%s%d>; rel="first"' % (url, 1))
        if run.get("links_back") and page == last:
            # A paginator that loops: the last page's "next" is an
            # earlier page.
            links.append('<%s%d>; rel="next"' % (url, run["links_back"]))
    headers = {"Link": ", ".join(links)} if links else None
    return h.send_json(200, body, headers)


def api_logs(h, m, _query):
    scen = gh_scenario(m.group("scen"))
    run, sp = gh_find_job(scen or {}, m.group("job"))
    if run is None:
        return api_not_found(h)
    to = "%s/blobs/%s/%s/%s?sig=fake%%2Bsignature&se=2026-08-21T20%%3A00%%3A00Z" % (
        peer_base(h, (sp or {}).get("log_at")), m.group("owner"), m.group("scen"),
        m.group("job"))
    return h.send_body(302, "", headers={"Location": to})


def gh_issue_json(h, owner, scen, it):
    number = it["number"]
    fields = ['"url": %s' % gh_json_str("%s/api/v3/repos/%s/%s/issues/%d"
                                        % (h.base_url(), owner, scen, number)),
              '"html_url": %s' % gh_json_str("https://github.com/%s/%s/%s/%d" % (
                  owner, scen, "pull" if it.get("pull") else "issues", number)),
              '"id": %d' % (900000000 + number), '"number": %d' % number,
              '"title": %s' % gh_json_str(it.get("title", "")),
              '"user": {"login": "tester", "id": 1, "type": "User"}',
              '"labels": [{"id": 1, "name": "skipped", "color": "ededed"}]',
              '"state": %s' % gh_json_str(it.get("state", "open")),
              '"locked": false', '"comments": 0',
              '"created_at": %s' % gh_json_str(it.get("created_at", "2026-10-01T12:00:00Z")),
              '"updated_at": "2026-11-30T08:00:00Z"',
              '"closed_at": %s' % ('"2026-11-29T08:00:00Z"' if it.get("state") == "closed" else "null")]
    if it.get("pull"):
        fields.append('"pull_request": {"url": %s, "merged_at": null}'
                      % gh_json_str("%s/api/v3/repos/%s/%s/pulls/%d"
                                    % (h.base_url(), owner, scen, number)))
    fields.append('"body": %s' % ("null" if it.get("body") is None else gh_json_str(it["body"])))
    return "{" + ", ".join(fields) + "}"


def gh_issues_of(scen_name):
    scen = (GH_FIXTURES or {}).get("issues", {}).get(scen_name)
    if scen is None:
        return None
    out = []
    for i in range(scen.get("filler", 0)):
        n = 1000 + i
        out.append({"number": n, "title": "Flaky CI on runner %d" % n,
                    "body": "Seen on trunk.\nPlatforms: linux", "pull": i % 5 == 4})
    return out + scen.get("issues", [])


def api_issues(h, m, query):
    issues = gh_issues_of(m.group("scen"))
    if issues is None:
        return api_not_found(h)
    try:
        per_page = min(max(int((query.get("per_page") or ["30"])[0]), 1), 100)
        page = max(int((query.get("page") or ["1"])[0]), 1)
    except ValueError:
        return h.send_json(422, '{"message": "Validation Failed"}')
    if (query.get("state") or [""])[0] == "open":
        issues = [it for it in issues if it.get("state", "open") == "open"]
    last = max((len(issues) + per_page - 1) // per_page, 1)
    items = [gh_issue_json(h, m.group("owner"), m.group("scen"), it)
             for it in issues[(page - 1) * per_page:page * per_page]]
    url = "%s/api/v3/repos/%s/%s/issues?state=%s&per_page=%d&page=" % (
        h.base_url(), m.group("owner"), m.group("scen"),
        (query.get("state") or ["open"])[0], per_page)
    links = []
    if page > 1:
        links.append('<%s%d>; rel="prev"' % (url, page - 1))
    if page < last:
        links.append('<%s%d>; rel="next"' % (url, page + 1))
        links.append('<%s%d>; rel="last"' % (url, last))
    if page > 1:
        links.append('<%s%d>; rel="first"' % (url, 1))
    headers = {"Link": ", ".join(links)} if links else None
    return h.send_json(200, "[" + ", ".join(items) + "]", headers)


def api_issue(h, m, _query):
    for it in gh_issues_of(m.group("scen")) or []:
        if str(it["number"]) == m.group("num"):
            return h.send_json(200, gh_issue_json(h, m.group("owner"), m.group("scen"), it))
    return api_not_found(h)


_issues_lock = threading.Lock()
ISSUES = {}                 # "OWNER/NAME" -> [issue dict, ...]
ISSUE_CLOCK = [0]           # a counter standing for updated_at
PR_DECOY = {"number": 999999, "state": "open", "title": "a pull request",
            "body": "<!-- exclusions:tracking-issue platforms=linux --> quoted in a pull request",
            "pull_request": {"url": "x"}, "created_at": "2026-01-01T00:00:00Z"}


def issue_age_fixtures():
    try:
        with open(os.path.join(GH_FIXTURES_DIR[0], "issue-ages.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def issue_public(i):
    return {k: v for k, v in i.items() if k != "_clock"}


def api_issue_any(h, m, query):
    """/repos/O/N/issues/NUM: a scenario's (issues.json), else ours."""
    if h.command == "GET" and gh_issues_of(m.group("scen")) is not None:
        return api_issue(h, m, query)
    repo = "%s/%s" % (m.group("owner"), m.group("scen"))
    num = m.group("num")
    if h.command == "PATCH":
        return api_issue_patch(h, repo, int(num))
    if h.command != "GET":
        return api_not_found(h)
    with _issues_lock:
        for i in ISSUES.get(repo, []):
            if i["number"] == int(num):
                return h.send_json(200, json.dumps(issue_public(i)))
    fx = issue_age_fixtures().get(repo, {}).get(num)
    if isinstance(fx, str):
        return h.send_json(200, json.dumps({
            "number": int(num), "state": "open", "title": "DISABLED test",
            "body": "Platforms: linux", "created_at": fx, "updated_at": fx,
            "user": {"login": "pytorch-bot"}}))
    if isinstance(fx, dict) and "status" in fx:
        return h.send_json(fx["status"], '{"message":"status %d"}' % fx["status"])
    if isinstance(fx, dict) and "raw" in fx:
        return h.send_json(200, fx["raw"])
    return api_not_found(h)


def read_issue_json(h):
    try:
        d = json.loads(h.req_body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(d, dict) or not all(isinstance(v, str) for v in d.values()):
        return None
    return d


def api_issue_write_check(h):
    if not h.headers.get("Authorization"):
        h.send_json(401, '{"message":"Requires authentication"}')
        return None
    d = read_issue_json(h)
    if d is None:
        h.send_json(422, '{"message":"Problems parsing JSON"}')
        return None
    log("sent: %s %s %s" % (h.command, h.path, json.dumps(d, sort_keys=True)))
    return d


def api_issue_patch(h, repo, num):
    d = api_issue_write_check(h)
    if d is None:
        return None
    with _issues_lock:
        for i in ISSUES.get(repo, []):
            if i["number"] == num:
                for k in ("title", "body", "state"):
                    if k in d:
                        i[k] = d[k]
                ISSUE_CLOCK[0] += 1
                i["_clock"] = ISSUE_CLOCK[0]
                return h.send_json(200, json.dumps(issue_public(i)))
    return api_not_found(h)


def api_issues_any(h, m, query):
    """/repos/O/N/issues: a scenario's list (issues.json), else ours."""
    if h.command == "GET" and gh_issues_of(m.group("scen")) is not None:
        return api_issues(h, m, query)
    if not m.group("scen").endswith("track"):
        return api_issues(h, m, query) if h.command == "GET" else api_not_found(h)
    repo = "%s/%s" % (m.group("owner"), m.group("scen"))
    if h.command == "POST":
        d = api_issue_write_check(h)
        if d is None:
            return None
        if "title" not in d:
            return h.send_json(422, '{"message":"title is missing"}')
        with _issues_lock:
            lst = ISSUES.setdefault(repo, [])
            ISSUE_CLOCK[0] += 1
            i = {"number": len(lst) + 1, "state": "open", "title": d["title"],
                 "body": d.get("body", ""), "created_at": "2026-08-21T00:00:00Z",
                 "_clock": ISSUE_CLOCK[0]}
            lst.append(i)
            return h.send_json(201, json.dumps(issue_public(i)))
    if h.command != "GET":
        return api_not_found(h)
    state = (query.get("state") or ["open"])[0]
    with _issues_lock:
        lst = [] if m.group("scen").startswith("hidden") else list(ISSUES.get(repo, []))
        lst.sort(key=lambda i: -i["_clock"])
        out = [issue_public(i) for i in lst if state == "all" or i["state"] == "open"]
    out.insert(0, PR_DECOY)
    return h.send_json(200, json.dumps(out))


def api_search_issues(h, _m, query):
    q = (query.get("q") or [""])[0]
    rm = re.search(r"repo:(\S+)", q)
    wm = re.search(r'"([^"]+)"', q)
    if not rm or not wm or "is:issue" not in q:
        return h.send_json(422, '{"message":"Validation Failed"}')
    with _issues_lock:
        items = [issue_public(i) for i in ISSUES.get(rm.group(1), []) if wm.group(1) in i["body"]]
    return h.send_json(200, json.dumps({"total_count": len(items), "incomplete_results": False,
                                        "items": items}))


def api_not_found(h):
    return h.send_json(404, '{"message":"Not Found",'
                       '"documentation_url":"https://docs.github.com/rest"}')


# (compiled regex matched against the path after /api/v3,
#  function(handler, match, query)); the function answers with
#  handler.send_body / handler.send_json.
_SEG = r"[^/]+"
API_ROUTES = [
    (re.compile(r"/repos/(?P<owner>%s)/(?P<scen>%s)/actions/workflows/(?P<wf>%s)/runs"
                % (_SEG, _SEG, _SEG)), api_runs),
    (re.compile(r"/repos/(?P<owner>%s)/(?P<scen>%s)/actions/runs/(?P<run>%s)/jobs"
                % (_SEG, _SEG, _SEG)), api_jobs),
    (re.compile(r"/repos/(?P<owner>%s)/(?P<scen>%s)/actions/jobs/(?P<job>%s)/logs"
                % (_SEG, _SEG, _SEG)), api_logs),
    (re.compile(r"/repos/(?P<owner>%s)/(?P<scen>%s)/issues" % (_SEG, _SEG)), api_issues_any),
    (re.compile(r"/repos/(?P<owner>%s)/(?P<scen>%s)/issues/(?P<num>[0-9]+)" % (_SEG, _SEG)),
     api_issue_any),
    (re.compile(r"/search/issues"), api_search_issues),
]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "exclusions-test-server/1.0"
    sys_version = ""

    # -- plumbing ---------------------------------------------------------

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # Handshake here, in this connection's thread.
            self.connection.do_handshake()

    def handle(self):
        try:
            super().handle()
        except QUIET_ERRORS:
            self.close_connection = True

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        log("server: " + (format % args))

    def log_request(self, code="-", size="-"):
        if isinstance(code, http.HTTPStatus):
            code = code.value
        log("response: %s %s %s" % (self.command, self.path, code))

    def send_body(self, code, body, ctype="text/plain", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, code, text, headers=None):
        self.send_body(code, text, "application/json; charset=utf-8", headers)

    def base_url(self):
        scheme = "https" if self.server.tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.server.server_address[1])

    # -- dispatch ---------------------------------------------------------

    def do_GET(self):
        log("request: %s" % self.requestline)
        if self.server.delay > 0:
            time.sleep(self.server.delay)
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        if path.startswith("/data/"):
            return self.r_data(path[len("/data/"):])
        if path.startswith("/status/"):
            return self.r_status(path[len("/status/"):])
        if path.startswith("/cached/"):
            return self.r_cached(path[len("/cached/"):], query)
        if path.startswith("/api/v3/") or path == "/api/v3" or path.startswith("/blobs/"):
            log("auth: %s %s" % (self.path, self.headers.get("Authorization") or "(none)"))
            log("agent: %s %s" % (self.path, self.headers.get("User-Agent") or "(none)"))
        if path.startswith("/api/v3/") or path == "/api/v3":
            return self.r_api(path[len("/api/v3"):], query)
        if path.startswith("/blobs/"):
            return self.r_blob(path[len("/blobs/"):])
        if path.startswith("/hook/") and self.command == "POST":
            return self.r_hook(path[len("/hook/"):])
        fn = {
            "/stall": self.r_stall,
            "/stall-headers": self.r_stall_headers,
            "/truncated": self.r_truncated,
            "/invalid": self.r_invalid,
            "/big": self.r_big,
            "/big-chunked": self.r_big_chunked,
            "/redirect": self.r_redirect,
        }.get(path)
        if fn is None:
            return self.send_body(404, "not found: %s\n" % path)
        return fn(query)

    do_HEAD = do_GET

    def do_POST(self):
        # Read any body (kept for the routes that want it), then route.
        n = int(self.headers.get("Content-Length") or 0)
        self.req_body = self.rfile.read(n) if n else b""
        return self.do_GET()

    do_PATCH = do_POST

    # -- routes -----------------------------------------------------------

    def r_data(self, name):
        name = urllib.parse.unquote(name)
        if not name or "/" in name or name in (".", ".."):
            return self.send_body(404, "bad name\n")
        try:
            with open(os.path.join(self.server.root, name), "rb") as f:
                body = f.read()
        except OSError as e:
            return self.send_body(404, "cannot read %s: %s\n" % (name, e.strerror))
        ctype = "application/json" if name.endswith(".json") else "text/plain"
        return self.send_body(200, body, ctype)

    def r_cached(self, name, query):
        name = urllib.parse.unquote(name)
        if not name or "/" in name or name in (".", ".."):
            return self.send_body(404, "bad name\n")
        try:
            delay = float(query.get("delay", ["0"])[0])
        except ValueError:
            delay = 0.0
        if delay > 0:
            time.sleep(min(delay, 60.0))
        which = query.get("validators", ["both"])[0]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        log("cond: %s inm=%s ims=%s" % (self.path, inm or "(none)", ims or "(none)"))
        full = os.path.join(self.server.root, name)
        try:
            st = os.stat(full)
        except OSError as e:
            return self.send_body(404, "cannot read %s: %s\n" % (name, e.strerror))
        mtime = st.st_mtime
        # The ETag is computed once per version of the file (as a real
        # server stores it), so that a 304 costs no read of the body.
        key = (full, st.st_mtime_ns, st.st_size, st.st_ino)
        body = None
        with ETAG_LOCK:
            etag = ETAGS.get(key)
        if etag is None:
            try:
                with open(full, "rb") as f:
                    body = f.read()
            except OSError as e:
                return self.send_body(404, "cannot read %s: %s\n" % (name, e.strerror))
            etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
            with ETAG_LOCK:
                ETAGS[key] = etag
        lm = email.utils.formatdate(mtime, usegmt=True)
        headers = {}
        if which in ("both", "etag"):
            headers["ETag"] = etag
        if which in ("both", "lm"):
            headers["Last-Modified"] = lm
        fresh = False
        if inm is not None:
            fresh = "ETag" in headers and etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            fresh = "Last-Modified" in headers and ims.strip() == lm
        if fresh:
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.flush()
            return None
        if body is None:
            try:
                with open(full, "rb") as f:
                    body = f.read()
            except OSError as e:
                return self.send_body(404, "cannot read %s: %s\n" % (name, e.strerror))
        log("body: %s %d" % (self.path, len(body)))
        return self.send_body(200, body, "application/json", headers)

    def r_status(self, code):
        try:
            n = int(code)
            if not 100 <= n <= 599:
                raise ValueError
        except ValueError:
            return self.send_body(400, "bad status code\n")
        if n < 200 or n in (204, 304):
            self.send_response(n)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.send_body(n, "status %d\n" % n)

    def r_stall(self, _query):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"test_stall')
        self.wfile.flush()
        time.sleep(STALL_SECONDS)
        self.close_connection = True

    def r_stall_headers(self, _query):
        time.sleep(STALL_SECONDS)
        self.close_connection = True

    def r_truncated(self, _query):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(truncated_prefix(1000))
        self.wfile.flush()
        self.close_connection = True

    def r_invalid(self, _query):
        return self.send_json(200, INVALID_BODY)

    def _stream_big(self, chunked):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(BIG_SIZE))
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        block = b"[" * CHUNK
        try:
            for _ in range(BIG_SIZE // CHUNK):
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                else:
                    self.wfile.write(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except QUIET_ERRORS:
            pass

    def r_big(self, _query):
        return self._stream_big(False)

    def r_big_chunked(self, _query):
        return self._stream_big(True)

    def r_redirect(self, query):
        to = (query.get("to") or ["/"])[0]
        if not to.startswith("/"):
            to = "/" + to
        return self.send_body(302, "redirect to %s\n" % to,
                              headers={"Location": self.base_url() + to})

    def r_blob(self, rest):
        parts = rest.split("/")
        if len(parts) != 3:
            return self.send_body(404, "no such blob\n")
        _owner, scen_name, job = parts
        scen = gh_scenario(scen_name)
        _run, sp = gh_find_job(scen or {}, job)
        if _run is None:
            return self.send_body(404, "no such blob\n")
        kind = (sp or {}).get("log_kind")
        if kind == "hostile":
            return self.send_body(200, gh_stamp(gh_framed(gh_hostile_lines())))
        if kind == "distinct":
            # `count` distinct failed tests: the special job's own `log`
            # lines, then made-up ones outside the sample tree; the whole
            # list `repeat` times over.
            own = sp.get("log", [])
            lines = own + ["FAILED profiler/test_generated.py::TestGenerated::test_case_%06d - x" % n
                           for n in range(sp.get("count", 0) - len(own))]
            return self.send_body(200, gh_stamp(gh_framed(lines * sp.get("repeat", 1))))
        if sp is None:
            body = gh_stamp(gh_framed([]))
        else:
            body = gh_stamp(gh_framed(sp.get("log", [])))
        if kind == "stall":
            # Headers and the first part of the log (a complete FAILED line
            # in it), then nothing, for far longer than any test waits.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body) + STALL_PAD))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            time.sleep(STALL_SECONDS)
            self.close_connection = True
            return None
        return self.send_body(200, body)

    def r_hook(self, name):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not self.server.record_dir:
            return self.send_body(404, "no such hook\n")
        with _issues_lock:
            k = self.server.hooks.get(name, 0) + 1
            self.server.hooks[name] = k
        base = os.path.join(self.server.record_dir, "hook.%s.%d" % (name, k))
        with open(base, "wb") as f:
            f.write(self.req_body)
        with open(base + ".type", "w") as f:
            f.write(self.headers.get("Content-Type") or "(none)")
        log("webhook: %s %d" % (name, k))
        return self.send_body(200, "ok")

    def r_api(self, subpath, query):
        for rx, fn in API_ROUTES:
            m = rx.fullmatch(subpath)
            if m:
                return fn(self, m, query)
        return api_not_found(self)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS):
            return
        log("server: error on connection from %s: %r" % (client_address, exc))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--root", default=os.path.join(here, "data"))
    ap.add_argument("--github-fixtures", default=os.path.join(here, "fixtures", "github"))
    ap.add_argument("--peer", action="append", default=[], metavar="NAME=URL")
    ap.add_argument("--record-dir", default=None)
    args = ap.parse_args()
    peers = {}
    for p in args.peer:
        name, sep, url = p.partition("=")
        if not sep or not name or not re.fullmatch(r"https?://[^/?#\s]+", url):
            ap.error("--peer wants NAME=scheme://host:port, not %r" % p)
        peers[name] = url
    load_github(args.github_fixtures)
    GH_FIXTURES_DIR[0] = args.github_fixtures

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    srv = Server(("127.0.0.1", 0), Handler)
    srv.delay = args.delay
    srv.root = os.path.abspath(args.root)
    srv.tls = bool(args.tls)
    srv.peers = peers
    srv.record_dir = args.record_dir
    srv.hooks = {}
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)

    port = srv.server_address[1]
    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)
    log("server: listening on %s://127.0.0.1:%d, root %s"
        % ("https" if args.tls else "http", port, srv.root))
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
