#!/usr/bin/env python3
"""Helpers for bench/run.sh: free ports, pgbench runs, proxy CPU, large-result timing, RSS sampling, report.

Standard library only. Every subcommand is called from run.sh; see `benchlib.py -h`.

Raw results are appended to a TSV file (one record per line, first column = record kind):
  pgbench  target mode round tps latency_ms failed conn_ms clients p50_ms p99_ms
           (p50/p99 per statement from pgbench's sampled transaction log, -S runs one statement per transaction)
  cpu      target mode round us_per_tx clients   (CPU time, user + system, the proxy process used during a
           measured run, divided by the transactions pgbench processed)
  audit    target mode round clients written dropped seconds   (records a gateway committed during a run)
  ingest   records_per_s text                                 (the audit store at saturation, AuditStoreBench)
  large    target test bytes median_s min_s runs rss_before_kb rss_max_kb sha256 [checks]
           (checks, only with --needle: "kind=found/total,..." = how many sampled raw values of each kind
            appeared in the output of the counted run)
  mem      target pid vmrss_kb vmhwm_kb
  fail     target what kind reason         (a run that failed or hung; the report marks it)
"""
import argparse
import glob
import hashlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


# ---------------------------------------------------------------------------------------------
# small utilities

def free_ports(n):
    """Return n distinct free TCP ports on 127.0.0.1 (all sockets held open until all are picked)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def proc_status_kb(pid, field):
    """Read a 'kB' field (VmRSS, VmHWM, ...) from /proc/<pid>/status; None if unavailable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


class RssSampler:
    """Samples VmRSS of a pid every `interval` seconds in a background thread."""

    def __init__(self, pid, interval=0.05):
        self.pid = pid
        self.interval = interval
        self.max_kb = None
        self.samples = 0
        self._stop = threading.Event()
        self._thread = None

    def _run(self):
        while not self._stop.is_set():
            v = proc_status_kb(self.pid, "VmRSS")
            if v is not None:
                self.samples += 1
                if self.max_kb is None or v > self.max_kb:
                    self.max_kb = v
            self._stop.wait(self.interval)

    def __enter__(self):
        if self.pid:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread:
            self._thread.join()
        return False


def append_tsv(path, fields):
    with open(path, "a") as f:
        f.write("\t".join(str(x) for x in fields) + "\n")


def read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                rows.append(line.split("\t"))
    return rows


# ---------------------------------------------------------------------------------------------
# subcommands

def cmd_ports(args):
    print(" ".join(str(p) for p in free_ports(args.n)))


def cmd_rss(args):
    v = proc_status_kb(args.pid, args.field)
    print(v if v is not None else "")


PGBENCH_PATTERNS = {
    "tps": re.compile(r"^tps = ([0-9.]+)", re.M),
    "lat": re.compile(r"^latency average = ([0-9.]+) ms", re.M),
    "failed": re.compile(r"^number of failed transactions: ([0-9]+)", re.M),
    "conn": re.compile(r"^initial connection time = ([0-9.]+) ms", re.M),
    "processed": re.compile(r"^number of transactions actually processed: ([0-9]+)", re.M),
}


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a process so far (all its threads), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)": state is field 3
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15
    except (OSError, IndexError, ValueError):
        return None


def tree_cpu_seconds(pid):
    """CPU seconds of a process and its children (a PostgreSQL postmaster and its backends), or None. Children
    that have ended count too: their time is in the parent's cutime and cstime once it has reaped them
    (pgbench's backends end with it, before the window's last reading)."""
    if not pid:
        return None
    total, found = 0.0, False
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if p == str(pid) or fields[1] == str(pid):  # fields[1]: the parent pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            found = True
        if p == str(pid):  # cutime, cstime: fields 16, 17
            total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total if found else None


def machine_busy():
    """(busy, total, softirq, steal) jiffies of all CPUs from /proc/stat: busy = everything but idle and
    iowait; softirq also counts hardware interrupts (the kernel's network processing, charged to no process);
    steal: time the hypervisor gave another guest while this one had work."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v), v[5] + v[6], v[7]


def latency_percentiles(prefix, since=0.0):
    """p50 and p99 in ms from pgbench -l files '<prefix>.<pid>[.<thread>]' (removed after reading), of the
    transactions that ended at or after `since` (epoch seconds; each line's fields 5 and 6)."""
    times = []
    for path in glob.glob(glob.escape(prefix) + ".*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[2].isdigit() and int(parts[4]) + int(parts[5]) / 1e6 >= since:
                    times.append(int(parts[2]))
        os.remove(path)
    if not times:
        return None, None
    times.sort()

    def pct(p):
        return times[min(len(times) - 1, int(p * len(times)))] / 1000.0
    return pct(0.50), pct(0.99)


def cmd_audit(args):
    """Records a gateway committed (and dropped) during one run, from its counters before and after."""
    w0, d0 = (int(x) for x in args.before.split())
    w1, d1 = (int(x) for x in args.after.split())
    append_tsv(args.out, ["audit", args.target, args.mode, args.round, args.clients, w1 - w0, d1 - d0, args.seconds])
    rate = (w1 - w0) / args.seconds if args.seconds else 0
    print(f"    {args.target:<16} {args.mode:<8} audit records written={w1 - w0} ({rate:.0f}/s) dropped={d1 - d0}")
    return 0


PROGRESS = re.compile(r"^progress: ([0-9.]+) s, ([0-9.]+) tps, lat ([0-9.]+) ms", re.M)


class Window:
    """The counters a measured run reports, read when its window opens (`skip` s after pgbench starts,
    from a timer) and when pgbench has ended."""

    def __init__(self, args):
        self.args = args
        self.opened = None  # epoch seconds
        self.client_pid = None  # pgbench, once started

    def read(self, client_cpu=None):
        """Proxy, store, database and client CPU seconds and the machine's jiffies. pgbench's own CPU is read
        from /proc while it runs; once it has been reaped, pass what its rusage says (client_cpu)."""
        a = self.args
        if client_cpu is None and self.client_pid:
            client_cpu = proc_cpu_seconds(self.client_pid)
        return (proc_cpu_seconds(a.pid) if a.pid else None,
                tree_cpu_seconds(a.store_pid) if a.store_pid else None, machine_busy(),
                tree_cpu_seconds(a.db_pid) if a.db_pid else None, client_cpu)

    def open(self):
        self.opened = time.time()
        self.start = self.read()

    def close_database(self):
        """The benchmarked PostgreSQL's CPU a second before pgbench ends: its backends end with pgbench,
        and one that ends while its tree is read is counted neither as itself nor in its parent yet."""
        self.database_closed = (time.monotonic(), tree_cpu_seconds(self.args.db_pid) if self.args.db_pid else None)


def pgbench_seconds(cmd):
    """The -T of a pgbench command line, or None."""
    for i, a in enumerate(cmd):
        if a == "-T" and i + 1 < len(cmd) and cmd[i + 1].isdigit():
            return int(cmd[i + 1])
    return None


def window_tps(out, skip, until=None):
    """Transactions, TPS and average latency of the window from pgbench -P 1 lines (None without them):
    the seconds after `skip`, up to `until` when given."""
    lines = [(float(t), float(tps), float(lat)) for t, tps, lat in PROGRESS.findall(out)
             if float(t) > skip and (until is None or float(t) <= until + 0.5)]
    if not lines:
        return None
    tx = sum(tps for _, tps, _ in lines)  # one-second intervals
    lat = sum(tps * lat for _, tps, lat in lines) / tx if tx else 0.0
    return tx, tx / len(lines), lat


def cmd_pgbench(args):
    """Run one pgbench command, keep its output in a log, parse TPS/latency, append a record (and, with
    --pid, the proxy process's CPU time per transaction: what it costs, whatever else the machine runs).
    With --skip S (a measured run of pgbench -P 1), the figures are those of the run after its first S s."""
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    timed_out = False
    window = Window(args)
    opener = None
    closer = None
    run_seconds = pgbench_seconds(cmd)
    if args.kind == "measure":
        if args.skip > 0:
            opener = threading.Timer(args.skip, window.open)
        else:
            window.open()
        if run_seconds and run_seconds - 1 > args.skip:
            closer = threading.Timer(run_seconds - 1, window.close_database)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        window.client_pid = proc.pid
        if opener:
            opener.start()
        if closer:
            closer.start()
        try:
            out, _ = proc.communicate(timeout=args.timeout or None)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            raise subprocess.TimeoutExpired(cmd, args.timeout, output=out)
        rc = proc.returncode
        # pgbench is this process's only child: after it was reaped, its CPU is in RUSAGE_CHILDREN
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        end = window.read(children.ru_utime + children.ru_stime) if args.kind == "measure" else None
    except subprocess.TimeoutExpired as e:
        timed_out = True
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = "killed"
    finally:
        if opener:
            opener.cancel()
        if closer:
            closer.cancel()
    if args.log:
        with open(args.log, "a") as f:
            f.write(f"### {args.target} {args.mode} round={args.round} kind={args.kind}\n$ {' '.join(cmd)}\n{out}\n")
            if timed_out:
                f.write(f"### TIMEOUT: pgbench still running after {args.timeout:.0f} s, killed\n")
    found = {k: (m.group(1) if (m := p.search(out)) else None) for k, p in PGBENCH_PATTERNS.items()}
    windowed = args.kind == "measure" and args.skip > 0
    w = window_tps(out, args.skip) if windowed else None
    if timed_out:
        reason = (f"hung: pgbench had not finished {args.timeout:.0f} s after start (its -T is shorter); "
                  "some connections got no answer")
    elif args.kind == "warmup" and rc == 0 and found["tps"] is None:
        # Logging in many clients can take longer than a short warm-up on a busy machine: not a failure.
        print(f"    {args.target:<16} {args.mode:<8} -c {args.clients:<3} warm-up ran no transaction "
              "(its clients were still logging in)")
        return 0
    elif rc != 0 or found["tps"] is None or found["lat"] is None:
        reason = f"pgbench exit {rc}"
    elif int(found["failed"] or 0):
        reason = f"{found['failed']} failed transactions"
    elif windowed and w is None:
        reason = "no pgbench -P lines after the skipped start"
    elif windowed and window.opened is None:
        reason = "the window never opened"
    else:
        reason = None
    if reason:
        sys.stderr.write(f"pgbench failed for target={args.target} mode={args.mode} ({args.kind}): {reason}\n")
        sys.stderr.write("\n".join(out.splitlines()[-25:]) + "\n")
        append_tsv(args.out, ["fail", args.target, f"pgbench -M {args.mode} -c {args.clients}", args.kind, reason])
        return 3 if timed_out else 1
    failed = 0
    tps, lat = float(found["tps"]), float(found["lat"])
    processed = int(found["processed"] or 0)
    if windowed:
        processed, tps, lat = round(w[0]), w[1], w[2]
    if args.kind == "measure":
        cpu_before, store_before, busy_before, db_before, client_before = window.start
        cpu_after, store_after, busy_after, db_after, client_after = end
        since = window.opened if args.skip > 0 else 0.0
        p50, p99 = latency_percentiles(args.latency_log_prefix, since) if args.latency_log_prefix else (None, None)
        append_tsv(args.out, ["pgbench", args.target, args.mode, args.round, f"{tps:.3f}", f"{lat:.4f}",
                              failed, found["conn"] or "", args.clients,
                              f"{p50:.3f}" if p50 is not None else "", f"{p99:.3f}" if p99 is not None else ""])
        pcts = f" p50={p50:.3f} p99={p99:.3f} ms" if p50 is not None else ""
        cpu_txt = ""
        if cpu_before is not None and cpu_after is not None and processed > 0:
            us = (cpu_after - cpu_before) / processed * 1e6
            append_tsv(args.out, ["cpu", args.target, args.mode, args.round, f"{us:.2f}", args.clients])
            cpu_txt = f" proxy cpu/tx={us:.1f} µs"
        if store_before is not None and store_after is not None and processed > 0:
            us = (store_after - store_before) / processed * 1e6
            append_tsv(args.out, ["storecpu", args.target, args.mode, args.round, f"{us:.2f}", args.clients])
            cpu_txt += f" store cpu/tx={us:.1f} µs"
        if busy_after[1] > busy_before[1]:
            busy = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1]) * 100
            append_tsv(args.out, ["busy", args.target, args.mode, args.round, f"{busy:.1f}", args.clients])
            cpu_txt += f" machine busy={busy:.0f}%"
        if processed > 0:
            # the rest of the machine's CPU per transaction, so every µs of it is somewhere in the report
            per_tx = lambda before, after: (after - before) / processed * 1e6
            tick = os.sysconf("SC_CLK_TCK")
            parts = {"machinecpu": (busy_before[0] / tick, busy_after[0] / tick),
                     "softirqcpu": (busy_before[2] / tick, busy_after[2] / tick),
                     "stealcpu": (busy_before[3] / tick, busy_after[3] / tick),
                     "clientcpu": (client_before, client_after)}
            for kind, (b, a) in parts.items():
                if b is not None and a is not None:
                    append_tsv(args.out, [kind, args.target, args.mode, args.round, f"{per_tx(b, a):.2f}",
                                          args.clients])
            # the database's per transaction over the window up to its reading a second before the end
            closed = getattr(window, "database_closed", None)
            db_tx = window_tps(out, args.skip, run_seconds - 1) if closed and windowed else None
            if db_before is not None and closed and closed[1] is not None and db_tx and db_tx[0] > 0:
                append_tsv(args.out, ["dbcpu", args.target, args.mode, args.round,
                                      f"{(closed[1] - db_before) / db_tx[0] * 1e6:.2f}", args.clients])
        print(f"    {args.target:<16} {args.mode:<8} -c {args.clients:<3} tps={tps:>9.1f}{cpu_txt}  "
              f"latency avg={lat:.3f} ms{pcts}  (tx={processed})")
    else:
        print(f"    {args.target:<16} {args.mode:<8} -c {args.clients:<3} warm-up done (tps={tps:.0f})")
    return 0


def cmd_large(args):
    """Time a large-result psql command. One counted run (bytes + sha256 of the output, also a warm-up),
    then `repeat` timed runs with stdout going to /dev/null. RSS of --pid is sampled throughout."""
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    pid = args.pid or None
    rss_before = proc_status_kb(pid, "VmRSS") if pid else None
    times = []
    needles = parse_needles(args.needle)
    found = set()
    keep = max((len(v) for _, v in needles), default=1) - 1  # overlap so a value split across chunks is seen
    with RssSampler(pid, args.interval) as sampler:
        # counted run: stream the output through a pipe, count bytes, hash them, look for the needles
        h = hashlib.sha256()
        nbytes = 0
        tail = b""
        errf = tempfile.TemporaryFile()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf)
        killed = threading.Event()

        def watchdog():
            killed.set()
            p.kill()

        timer = threading.Timer(args.timeout, watchdog) if args.timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        while True:
            chunk = p.stdout.read(1 << 20)
            if not chunk:
                break
            nbytes += len(chunk)
            h.update(chunk)
            if needles and len(found) < len(needles):
                window = tail + chunk
                for i, (_, v) in enumerate(needles):
                    if i not in found and v in window:
                        found.add(i)
                tail = window[-keep:] if keep else b""
        rc = p.wait()
        if timer:
            timer.cancel()
        errf.seek(0)
        err = errf.read().decode(errors="replace").strip()
        errf.close()
        if killed.is_set():
            return large_failed(args, f"hung: no complete result within {args.timeout:.0f} s ({nbytes} bytes received)")
        if rc != 0 or nbytes == 0:
            return large_failed(args, f"psql exit {rc}, {nbytes} bytes: {err[:300]}")
        # timed runs: plain `psql ... > /dev/null`
        with open(os.devnull, "wb") as devnull:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                try:
                    p = subprocess.run(cmd, stdout=devnull, stderr=subprocess.PIPE, timeout=args.timeout or None)
                except subprocess.TimeoutExpired:
                    return large_failed(args, f"hung: a timed run took longer than {args.timeout:.0f} s")
                dt = time.perf_counter() - t0
                if p.returncode != 0:
                    return large_failed(args, f"psql exit {p.returncode}: "
                                              f"{p.stderr.decode(errors='replace').strip()[:300]}")
                times.append(dt)
    med, mn = statistics.median(times), min(times)
    checks = format_checks(needles, found)
    append_tsv(args.out, ["large", args.target, args.test, nbytes, f"{med:.4f}", f"{mn:.4f}", len(times),
                          rss_before if rss_before is not None else "", sampler.max_kb if sampler.max_kb is not None else "",
                          h.hexdigest(), checks])
    rss_txt = ""
    if pid:
        rss_txt = f"  proxy RSS before={fmt_mib(rss_before)} max during={fmt_mib(sampler.max_kb)} ({sampler.samples} samples)"
    print(f"    {args.target:<15} {args.test:<9} {nbytes / 1e6:8.1f} MB in {med:6.3f} s (median of {len(times)})"
          f" = {nbytes / 1e6 / med:7.1f} MB/s{rss_txt}")
    if checks:
        print(f"    {'':<15} {'':<9} raw sample values found in the output: {checks.replace(',', ', ')}")
    return 0


def large_failed(args, reason):
    sys.stderr.write(f"large-result test {args.test} failed for {args.target}: {reason}\n")
    append_tsv(args.out, ["fail", args.target, f"large {args.test}", "measure", reason.replace("\t", " ").replace("\n", " ")])
    return 3 if reason.startswith("hung") else 1


def parse_needles(specs):
    """--needle KIND=VALUE (repeatable) -> [(kind, value bytes)]."""
    out = []
    for spec in specs or []:
        kind, sep, value = spec.partition("=")
        if not sep or not kind or not value:
            raise SystemExit(f"bad --needle '{spec}' (expected KIND=VALUE)")
        out.append((kind, value.encode()))
    return out


def format_checks(needles, found):
    """'ssn=0/3,card=0/3,email=0/3': per kind, how many of its sampled raw values were in the output."""
    kinds = {}
    for i, (kind, _) in enumerate(needles):
        f, t = kinds.get(kind, (0, 0))
        kinds[kind] = (f + (i in found), t + 1)
    return ",".join(f"{k}={f}/{t}" for k, (f, t) in kinds.items())


def parse_checks(text):
    """Inverse of format_checks: {'ssn': (found, total), ...}; {} for ''."""
    out = {}
    for part in (text or "").split(","):
        k, _, ft = part.partition("=")
        f, _, t = ft.partition("/")
        if k and f.isdigit() and t.isdigit():
            out[k] = (int(f), int(t))
    return out


def repo_commit(repo):
    """Commit of a git checkout read from .git files (no git binary needed); '' if unknown."""
    try:
        git = os.path.join(repo, ".git")
        head = open(os.path.join(git, "HEAD")).read().strip()
        if not head.startswith("ref:"):
            return head[:12]
        ref = head.split(None, 1)[1]
        path = os.path.join(git, ref)
        if os.path.exists(path):
            return f"{ref.rsplit('/', 1)[-1]}@{open(path).read().strip()[:12]}"
        with open(os.path.join(git, "packed-refs")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return f"{ref.rsplit('/', 1)[-1]}@{parts[0][:12]}"
    except OSError:
        pass
    return ""


def cmd_meta(args):
    """Write meta.json from key=value pairs plus host facts."""
    meta = {}
    for kv in args.pairs:
        k, _, v = kv.partition("=")
        meta[k] = v
    for k in ("targets", "modes"):
        if k in meta:
            meta[k] = [x for x in meta[k].split(",") if x]
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                meta["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                meta["mem"] = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    except OSError:
        pass
    meta["nproc"] = os.cpu_count()
    meta["kernel"] = "Linux " + os.uname().release
    if args.repo:
        c = repo_commit(args.repo)
        if c and meta.get("pgwarden"):
            meta["pgwarden"] += f", source {c}"
    with open(args.out, "w") as f:
        json.dump(meta, f, indent=2)
    return 0


def cmd_mem(args):
    rss = proc_status_kb(args.pid, "VmRSS")
    hwm = proc_status_kb(args.pid, "VmHWM")
    if rss is None and hwm is None:
        sys.stderr.write(f"cannot read /proc/{args.pid}/status for {args.target}\n")
        return 1
    append_tsv(args.out, ["mem", args.target, args.pid, rss or "", hwm or ""])
    print(f"    {args.target:<15} pid={args.pid} VmRSS={fmt_mib(rss)} VmHWM={fmt_mib(hwm)}")
    return 0


# ---------------------------------------------------------------------------------------------
# report

def fmt_mib(kb):
    if kb in (None, ""):
        return "n/a"
    return f"{int(kb) / 1024:.1f} MiB"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}×"


def records_audit_target(t):
    """Does this bench target record an audit trail (its store CPU is its own)?"""
    return t in ("pgwarden-audit", "pgwarden-example")


def cmd_report(args):
    meta = json.load(open(args.meta)) if args.meta and os.path.exists(args.meta) else {}
    rows = read_tsv(args.results)
    targets = meta.get("targets") or []
    modes = meta.get("modes") or ["simple", "prepared"]
    clients = [c for c in str(meta.get("clients", "")).split(",") if c]

    pg = {}  # (target, mode, clients) -> list of (tps, lat, p50, p99)
    audit = {}  # (target, mode, clients) -> list of (written, dropped, seconds)
    cpu = {}  # (target, mode, clients) -> list of proxy CPU µs per transaction, one per round
    store_cpu = {}  # (target, mode, clients) -> list of audit store CPU µs per transaction (gateways that record)
    busy = {}  # (target, mode, clients) -> list of machine busy % during the run
    # kind -> (target, mode, clients) -> list of CPU µs per transaction: the whole machine's, the kernel's
    # interrupt work, hypervisor steal, the benchmarked PostgreSQL's, pgbench's
    machine_parts = {k: {} for k in ("machinecpu", "softirqcpu", "stealcpu", "dbcpu", "clientcpu")}
    large = {}  # (target, test) -> row
    mem = {}  # target -> (rss, hwm)
    fails = []  # (target, what, kind, reason)
    for r in rows:
        if r[0] == "pgbench":
            c = r[8] if len(r) > 8 and r[8] else (clients[0] if clients else "?")
            p50 = float(r[9]) if len(r) > 9 and r[9] else None
            p99 = float(r[10]) if len(r) > 10 and r[10] else None
            pg.setdefault((r[1], r[2], c), []).append((float(r[4]), float(r[5]), p50, p99))
            if c not in clients:
                clients.append(c)
        elif r[0] == "cpu":
            c = r[5] if len(r) > 5 and r[5] else (clients[0] if clients else "?")
            cpu.setdefault((r[1], r[2], c), []).append(float(r[4]))
        elif r[0] in ("storecpu", "busy"):
            c = r[5] if len(r) > 5 and r[5] else (clients[0] if clients else "?")
            (store_cpu if r[0] == "storecpu" else busy).setdefault((r[1], r[2], c), []).append(float(r[4]))
        elif r[0] in machine_parts:
            machine_parts[r[0]].setdefault((r[1], r[2], r[5]), []).append(float(r[4]))
        elif r[0] == "audit":
            audit.setdefault((r[1], r[2], r[4]), []).append((int(r[5]), int(r[6]), float(r[7])))
        elif r[0] == "large":
            large[(r[1], r[2])] = r
        elif r[0] == "mem":
            mem[r[1]] = (r[3] or None, r[4] or None)
        elif r[0] == "fail":
            fails.append((r[1], r[2], r[3], r[4] if len(r) > 4 else ""))
    failed_what = {(f[0], f[1]) for f in fails}
    for t in [k[0] for k in pg] + [k[0] for k in large] + [f[0] for f in fails]:
        if t not in targets:
            targets.append(t)
    first_c = clients[0] if clients else "?"

    def runs(t, m, c=None):
        return pg.get((t, m, c or first_c)) or []

    def mean_of(t, m, c, i):
        v = [x[i] for x in runs(t, m, c) if x[i] is not None]
        return statistics.mean(v) if v else None

    def tps(t, m, c=None):
        return mean_of(t, m, c, 0)

    def lat(t, m, c=None):
        return mean_of(t, m, c, 1)

    def failed_run(t, m, c=None):
        return (t, f"pgbench -M {m} -c {c or first_c}") in failed_what

    def ms(v):
        return f"{v:.3f}" if v is not None else "n/a"

    def cpu_us(t, m, c=None):
        v = cpu.get((t, m, c or first_c))
        return statistics.median(v) if v else None

    def cpu_cell(t, m, c):
        v = cpu_us(t, m, c)
        return f" {v:.1f} |" if v is not None else " — |"

    has_cpu = bool(cpu)

    L = []
    L.append(f"# pgwarden benchmark — {meta.get('timestamp', '')}")
    L.append("")
    L.append(f"Host: {meta.get('cpu', '?')}, {meta.get('nproc', '?')} cores, {meta.get('mem', '?')}; "
             f"{meta.get('kernel', '')}")
    sw = [meta.get(k) for k in ("pg_version", "pgbouncer_version", "haproxy_version", "java_version")]
    L.append("Software: " + "; ".join(x for x in sw if x))
    if meta.get("pgwarden"):
        L.append(f"pgwarden: {meta.get('pgwarden')} (JAVA_OPTS=`{meta.get('java_opts', '')}`)")
    rounds = int(meta.get("rounds", 1))
    L.append(f"pgbench: `-S -c {{{','.join(clients)}}} -j {meta.get('jobs', '?')} -T {meta.get('seconds', '?')}`, "
             f"scale {meta.get('scale', '?')}, {meta.get('warmup', '?')} s warm-up per target and mode, "
             f"then figures from {meta.get('skip', 0)} s into each measured run, "
             f"{rounds} round(s), targets interleaved; all connections over TCP 127.0.0.1, sslmode=disable; "
             f"p50/p99 per statement from `pgbench -l --sampling-rate {meta.get('latency_sampling', '?')}`; "
             f"gateways' store fsync {meta.get('store_fsync', '?')}"
             + (f", reached through bench/delayrelay.py adding {meta['store_delay_ms']} ms each way (a store a "
                "network hop away; the ingest and commit figures below are measured directly)"
                if meta.get("store_delay_ms", "0") not in ("0", "") else "") + ".")
    if meta.get("loadavg_start"):
        L.append(f"Load average (1/5/15 min) before the pgbench phase: {meta['loadavg_start']}; after all runs: "
                 f"{meta.get('loadavg_end', '?')} (the benchmark itself keeps about the client count + 2 "
                 "runnable while pgbench runs; a high 15-minute figure before the start means other work skewed "
                 "the numbers).")
    L.append("")

    if fails:
        L.append("## FAILURES: these runs did not complete, their numbers are missing")
        L.append("")
        for t, what, kind, reason in fails:
            L.append(f"- **{t}**: {what} ({kind}): {reason}")
        L.append("")

    for c in clients:
        L.append(f"## pgbench select-only, {c} clients (higher TPS is better)")
        L.append("")
        L.append("| target |" + "".join(f" TPS {m} | avg / p50 / p99 {m} (ms) |"
                                         + (f" proxy CPU/tx {m} (µs) |" if has_cpu else "") for m in modes))
        L.append("|---|" + ("---:|---:|---:|" if has_cpu else "---:|---:|") * len(modes))
        for t in targets:
            if not any(runs(t, m, c) or failed_run(t, m, c) for m in modes):
                continue
            cells = []
            for m in modes:
                v = tps(t, m, c)
                if v is None:
                    cells.append((" **FAILED** | n/a |" if failed_run(t, m, c) else " n/a | n/a |")
                                 + (" n/a |" if has_cpu else ""))
                    continue
                rs = runs(t, m, c)
                spread = f" ({min(x[0] for x in rs):.0f}–{max(x[0] for x in rs):.0f})" if len(rs) > 1 else ""
                cells.append(f" {v:.0f}{spread} | {ms(lat(t, m, c))} / {ms(mean_of(t, m, c, 2))} / "
                             f"{ms(mean_of(t, m, c, 3))} |" + (cpu_cell(t, m, c) if has_cpu else ""))
            L.append(f"| {t} |" + "".join(cells))
        L.append("")

    ratio_pairs = [("pgwarden-example", "pgbouncer"), ("pgwarden-example", "haproxy"), ("pgwarden-example", "direct"),
                   ("pgwarden", "pgbouncer"), ("pgwarden", "haproxy"), ("pgwarden", "direct"),
                   ("pgwarden-rule", "pgwarden"), ("pgwarden-audit", "pgwarden"), ("pgwarden-example", "pgwarden"),
                   ("pgwarden-masked", "pgwarden"), ("pgwarden-masked", "direct"), ("pgwarden-audit", "direct"),
                   ("pgwarden-budget", "pgwarden-masked"), ("pgwarden-budget", "direct"),
                   ("pgbouncer", "direct"), ("haproxy", "direct")]
    ratio_rows = []
    for a, b in ratio_pairs:
        if any(runs(a, m, c) and runs(b, m, c) for m in modes for c in clients):
            ratio_rows.append(f"| {a} / {b} |" + "".join(f" {fmt_ratio(tps(a, m, c), tps(b, m, c))} |"
                                                         for c in clients for m in modes))
    if ratio_rows:
        L.append("### TPS ratios (1.00× = same throughput; below 1 = slower than the reference)")
        L.append("")
        L.append("| ratio |" + "".join(f" {m}, {c} clients |" for c in clients for m in modes))
        L.append("|---|" + "---:|" * (len(modes) * len(clients)))
        L.extend(ratio_rows)
        L.append("")
    if has_cpu:
        L.append("Proxy CPU/tx: the CPU time (user + system, all threads, from `/proc/<pid>/stat`) the proxy process "
                 "used during a measured run divided by the transactions pgbench processed, median of the rounds; "
                 "— for direct, which has no proxy. Unlike TPS it hardly moves with other work on the machine, so it "
                 "is the figure to compare two gateway configurations by. Lower is better.")
        L.append("")
        cpu_rows = []
        for a, b in ratio_pairs:
            if any(cpu_us(a, m, c) is not None and cpu_us(b, m, c) is not None for m in modes for c in clients):
                cpu_rows.append(f"| {a} / {b} |" + "".join(f" {fmt_ratio(cpu_us(a, m, c), cpu_us(b, m, c))} |"
                                                           for c in clients for m in modes))
        if cpu_rows:
            L.append("### Proxy CPU per transaction ratios (1.00× = same cost; above 1 = costlier than the reference)")
            L.append("")
            L.append("| ratio |" + "".join(f" {m}, {c} clients |" for c in clients for m in modes))
            L.append("|---|" + "---:|" * (len(modes) * len(clients)))
            L.extend(cpu_rows)
            L.append("")
    where = []
    for c in clients:
        for t in targets:
            for m in modes:
                b = busy.get((t, m, c))
                if not b or not runs(t, m, c):
                    continue
                p = cpu_us(t, m, c)
                st = store_cpu.get((t, m, c))
                stv = statistics.median(st) if st and records_audit_target(t) else None
                tx_us = 1e6 / tps(t, m, c)
                part = {k: (statistics.median(v[(t, m, c)]) if v.get((t, m, c)) else None)
                        for k, v in machine_parts.items()}
                known = [x for x in (p, stv, part["dbcpu"], part["clientcpu"]) if x is not None]
                other = (part["machinecpu"] - sum(known)) if part["machinecpu"] is not None else None
                cell = lambda v: f"{v:.1f}" if v is not None else "—"
                where.append(f"| {t} | {c} | {m} | {statistics.median(b):.0f}% | {tx_us:.1f} | "
                             f"{cell(part['machinecpu'])} | {cell(p)} | {cell(stv)} | {cell(part['dbcpu'])} | "
                             f"{cell(part['clientcpu'])} | {cell(other)} | {cell(part['softirqcpu'])} | "
                             f"{cell(part['stealcpu'])} |")
    if where:
        L.append("### Where the CPU goes")
        L.append("")
        L.append("Machine busy: share of all cores not idle during the run (`/proc/stat`); near 100% the machine, not "
                 "the gateway's waits, bounds TPS. Wall µs/tx: 1/TPS (all clients together). The other columns are "
                 "CPU µs per transaction: machine, all cores' busy time; proxy, the proxy process; store, the audit "
                 "store's PostgreSQL (postmaster and backends; it runs on this machine in the benchmark, beside a "
                 "deployment's own); database, the benchmarked PostgreSQL (postmaster and backends, ended ones "
                 "included); pgbench, the client; other, machine minus those four (the idle targets of the run, the "
                 "benchmark's own scripts, the rest of the system). Two parts of those, not added: kernel irq, "
                 "interrupt and softirq work (loopback networking), which the kernel's tick accounting charges to "
                 "whatever it interrupted, mostly the processes above; steal, time the hypervisor ran another guest "
                 "while this machine had work.")
        L.append("")
        L.append("| target | clients | mode | machine busy | wall µs/tx | machine CPU µs/tx | proxy | store | database "
                 "| pgbench | other | kernel irq | steal |")
        L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        L.extend(where)
        L.append("")
    if meta.get("budget_rows"):
        L.append(f"pgwarden-budget runs pgwarden-masked's policy plus a budget on `public.pgbench_accounts` for group "
                 f"`bench` (limits out of reach): every statement is checked against it and metered, and its usage is "
                 f"flushed to its store every second; it counted {meta['budget_rows']} rows.")
        L.append("")

    audit_lines = []
    for t in ("pgwarden-audit", "pgwarden-example"):
        for c in clients:
            for m in modes:
                v = audit.get((t, m, c))
                if v:
                    w, d, sec = sum(x[0] for x in v), sum(x[1] for x in v), sum(x[2] for x in v)
                    audit_lines.append(f"| {t} | {c} | {m} | {w} | {w / sec:.0f} | {d} |")
    if audit_lines or meta.get("ingest") or meta.get("audit_records") or meta.get("commit_latency"):
        L.append("## Audit trail")
        L.append("")
        if audit_lines:
            L.append("Records the gateways committed during each measured pgbench run (warm-up excluded; fail-closed, "
                     "each acknowledgement waited for its record's commit):")
            L.append("")
            L.append("| gateway | clients | mode | records written | records/s | dropped |")
            L.append("|---|---:|---|---:|---:|---:|")
            L.extend(audit_lines)
            L.append("")
        for line in (meta.get("audit_records") or "").split("|"):
            if line:
                L.append(f"- totals {line}")
        if meta.get("ingest"):
            L.append(f"- store ingest at saturation (`AuditStoreBench`, the gateway's writer fed as fast as the "
                     f"store commits, store fsync {meta.get('store_fsync', '?')}): {meta['ingest']}")
        if meta.get("commit_latency"):
            L.append(f"- one record's commit, as a fail-closed client waits for it (`AuditStoreBench`, no proxy): "
                     f"{meta['commit_latency']}")
        L.append("")

    goals = []

    def goal(label, value, op, target):
        if value is None:
            goals.append(f"| {label} | n/a | {op} {target} | not measured |")
            return
        ok = value >= target if op == "≥" else value <= target
        goals.append(f"| {label} | {value:.2f}× | "
                     f"{op} {target} | {'met' if ok else '**missed**'} |")

    def ratio(a, b, m, c):
        x, y = tps(a, m, c), tps(b, m, c)
        return x / y if x is not None and y else None

    for c in clients:
        for m in (x for x in modes if x in ("simple", "prepared")):  # the goals name these two
            if c in ("64", "8"):
                need = 0.8 if c == "64" else 0.5
                goal(f"pgwarden-example / pgbouncer, {m}, {c} clients", ratio("pgwarden-example", "pgbouncer", m, c),
                     "≥", need)
                goal(f"pgwarden-audit / pgwarden, {m}, {c} clients", ratio("pgwarden-audit", "pgwarden", m, c), "≥",
                     need)
            goal(f"pgwarden-rule / pgwarden, {m}, {c} clients", ratio("pgwarden-rule", "pgwarden", m, c), "≥", 0.9)
    if any("n/a" not in g for g in goals):
        L.append("### Goals of issue 15 (this run)")
        L.append("")
        L.append("| measure | this run | goal | |")
        L.append("|---|---:|---|---|")
        L.extend(g for g in goals if "| n/a |" not in g)
        if meta.get("ingest"):
            try:
                rate = float(meta["ingest"].split()[0])
                L.append(f"| audit store ingest, records/s | {rate:.0f} | ≥ 50000 | "
                         f"{'met' if rate >= 50000 else '**missed**'} |")
            except ValueError:
                pass
        L.append("")

    md5_tests = [x for x in ("copy", "select") if any(k[1] == x for k in large)]
    all_tests = [x for x in ("copy", "select", "customers") if any(k[1] == x for k in large)]
    rows_n = meta.get("rows", "?")
    rows_txt = f"{int(rows_n):,}" if str(rows_n).isdigit() else "N"

    def speed_ratio(t, x, ref="direct"):
        """direct time / target time for the same rows (= MB/s ratio when the outputs are the same size)."""
        a, b = large.get((t, x)), large.get((ref, x))
        if not a or not b or float(a[4]) == 0:
            return None
        return float(b[4]) / float(a[4])

    def mbps(t, x):
        r = large.get((t, x))
        return int(r[3]) / 1e6 / float(r[4]) if r and float(r[4]) > 0 else None

    def checks(t, x):
        r = large.get((t, x))
        return parse_checks(r[10]) if r and len(r) > 10 else {}

    def same_as_direct(t, x):
        a, b = large.get((t, x)), large.get(("direct", x))
        if not a or not b:
            return "n/a"
        if a[9] == b[9]:
            return "yes"
        return "no (masked)" if x == "customers" and t == "pgwarden-masked" else "**NO**"

    if md5_tests:
        L.append(f"## Large result relay ({rows_txt} rows through psql, output to /dev/null)")
        L.append("")
        L.append("`COPY (SELECT g, md5(g::text) FROM generate_series(1,N) g) TO STDOUT` and "
                 "`SELECT g, md5(g::text) FROM generate_series(1,N) g` (psql -At). "
                 f"Median of {meta.get('large_repeat', '?')} timed runs after one counted run; "
                 "MB = 10^6 bytes of psql output.")
        L.append("")
        L.append("| target |" + "".join(f" {x.upper()} s | {x.upper()} MB/s |" for x in md5_tests) + " output = direct |")
        L.append("|---|" + "---:|---:|" * len(md5_tests) + "---|")
        for t in targets:
            if not any((t, x) in large for x in md5_tests):
                continue
            cells, same = [], []
            for x in md5_tests:
                r = large.get((t, x))
                if r:
                    b, sec = int(r[3]), float(r[4])
                    cells.append(f" {sec:.3f} | {b / 1e6 / sec:.1f} |")
                    if ("direct", x) in large:
                        same.append(same_as_direct(t, x))
                else:
                    cells.append(" n/a | n/a |")
            L.append(f"| {t} |" + "".join(cells) + f" {'/'.join(same) if same else 'n/a'} |")
        L.append("")
        lr = []
        for t in targets:
            if t == "direct":
                continue
            vals = [speed_ratio(t, x) for x in md5_tests]
            if any(v is not None for v in vals):
                lr.append(f"| {t} / direct |" + "".join(f" {v:.2f}× |" if v is not None else " n/a |" for v in vals))
        if lr:
            L.append("| MB/s ratio |" + "".join(f" {x.upper()} |" for x in md5_tests))
            L.append("|---|" + "---:|" * len(md5_tests))
            L.extend(lr)
            L.append("")
        sizes = ", ".join(f"{x.upper()} {int(large[('direct', x)][3]) / 1e6:.1f} MB" for x in md5_tests if ("direct", x) in large)
        if sizes:
            L.append(f"Output size: {sizes}.")
            L.append("")

    if "customers" in all_tests:
        L.append(f"## Masked table: `SELECT * FROM customers` ({rows_txt} rows, psql -At, output to /dev/null)")
        L.append("")
        L.append("`customers(id, name, email, ssn, card_number)` with fake data; pgwarden-masked's policy masks "
                 "`ssn` (redact), `card_number` (last4) and `email` (email). The ratio to direct is direct time / "
                 "target time (same rows; masked values are not the same length as the raw ones, so MB/s alone "
                 "does not compare). *masked* = none of the raw SSNs of the sampled rows is in the output.")
        L.append("")
        L.append("| target | s | MB/s | ratio to direct | output = direct | masked | raw sampled values in output |")
        L.append("|---|---:|---:|---:|---|---|---|")
        for t in targets:
            r = large.get((t, "customers"))
            if not r:
                continue
            sec = float(r[4])
            ratio = speed_ratio(t, "customers")
            c = checks(t, "customers")
            if "ssn" in c and c["ssn"][1] > 0:
                masked = "yes" if c["ssn"][0] == 0 else ("**NO**" if t == "pgwarden-masked" else "no")
            else:
                masked = "n/a"
            raw = ", ".join(f"{k} {f}/{tot}" for k, (f, tot) in c.items()) or "n/a"
            L.append(f"| {t} | {sec:.3f} | {int(r[3]) / 1e6 / sec:.1f} | "
                     f"{f'{ratio:.2f}×' if ratio is not None else 'n/a'} | {same_as_direct(t, 'customers')} | "
                     f"{masked} | {raw} |")
        L.append("")
        dc = checks("direct", "customers")
        if dc and any(f < tot for f, tot in dc.values()):
            L.append("**Check invalid**: direct output lacks some sampled raw values, so the masked check proves nothing.")
            L.append("")

    proxies = [t for t in targets if t != "direct" and (t in mem or any(k[0] == t for k in large))]
    if proxies:
        L.append("## Proxy memory (RSS of the proxy process)")
        L.append("")
        L.append("| target |" + "".join(f" {x.upper()}: RSS before → max sampled |" for x in all_tests)
                 + " RSS at end | VmHWM (peak) at end |")
        L.append("|---|" + "---:|" * len(all_tests) + "---:|---:|")
        for t in proxies:
            cells = []
            for x in all_tests:
                r = large.get((t, x))
                cells.append(f" {fmt_mib(r[7])} → {fmt_mib(r[8])} |" if r else " n/a |")
            rss, hwm = mem.get(t, (None, None))
            L.append(f"| {t} |" + "".join(cells) + f" {fmt_mib(rss)} | {fmt_mib(hwm)} |")
        L.append("")
        L.append("Flat memory = the max sampled during a large result stays close to the RSS before it (for the JVM, "
                 "the first large result may grow the heap once, bounded by -Xmx; buffering would grow with "
                 "BENCH_ROWS). VmHWM also covers start-up and the pgbench phase.")
        L.append("")

    M, P = "pgwarden-masked", "pgwarden"
    if M in targets and (any(k[0] == M for k in pg) or any(k[0] == M for k in large) or M in mem
                         or any(f[0] == M for f in fails)):
        L.append("## Masking on: pgwarden-masked vs pass-through pgwarden and direct")
        L.append("")
        L.append("pgwarden-masked runs the policy with `masking` (3 masked columns, detectors ssn/card/email on every "
                 "text value of unknown lineage, on_derived: mask) and a blocking rule (ddl/call/do); pgwarden has "
                 "the roles-only policy (statements still analysed, nothing masked). Both are separate JVMs with the "
                 "same JAVA_OPTS. pgbench -S in simple mode sends a new SQL text per transaction (uncached analysis); "
                 "prepared mode parses once (cached).")
        L.append("")
        for line in (meta.get("smoke") or "").split("|"):
            if line:
                L.append(f"Policy check at start: {line}.")
        L.append("")
        L.append(f"| measure | direct | {P} | {M} | {M} / {P} | {M} / direct |")
        L.append("|---|---:|---:|---:|---:|---:|")

        def num(v, fmt):
            return fmt.format(v) if v is not None else "n/a"

        def rat(a, b):
            return f"{a / b:.2f}×" if a is not None and b not in (None, 0) else "n/a"

        def tps_cell(t, m, c):
            v = tps(t, m, c)
            if v is None and failed_run(t, m, c):
                return "**FAILED**"
            return num(v, "{:.0f}")

        for c in clients:
            for m in modes:
                if runs(M, m, c) or failed_run(M, m, c):
                    d, w, k = tps("direct", m, c), tps(P, m, c), tps(M, m, c)
                    L.append(f"| TPS pgbench -S {m}, {c} clients | {tps_cell('direct', m, c)} | {tps_cell(P, m, c)} | "
                             f"{tps_cell(M, m, c)} | {rat(k, w)} | {rat(k, d)} |")
        labels = {"copy": "COPY md5 result, MB/s", "select": "SELECT md5 result, MB/s",
                  "customers": "SELECT * FROM customers, MB/s"}
        for x in ("copy", "select", "customers"):
            if (M, x) not in large and (M, f"large {x}") not in failed_what:
                continue
            d, w, k = mbps("direct", x), mbps(P, x), mbps(M, x)
            if (M, f"large {x}") in failed_what:
                L.append(f"| {labels[x]} | {num(d, '{:.1f}')} | {num(w, '{:.1f}')} | **FAILED** | n/a | n/a |")
                continue
            vs_p = speed_ratio(M, x, P)
            vs_d = speed_ratio(M, x, "direct")
            L.append(f"| {labels[x]} | {num(d, '{:.1f}')} | {num(w, '{:.1f}')} | {num(k, '{:.1f}')} | "
                     f"{num(vs_p, '{:.2f}×')} | {num(vs_d, '{:.2f}×')} |")

        def kb(t, i):
            v = mem.get(t, (None, None))[i]
            return int(v) if v not in (None, "") else None

        def max_during(t):
            vals = [int(large[(t, x)][8]) for x in all_tests if (t, x) in large and large[(t, x)][8]]
            return max(vals) if vals else None

        for label, fw, fk in (("peak RSS of the process (VmHWM), MiB", kb(P, 1), kb(M, 1)),
                              ("max RSS sampled during the large results, MiB", max_during(P), max_during(M)),
                              ("RSS at end, MiB", kb(P, 0), kb(M, 0))):
            if fw is None and fk is None:
                continue
            L.append(f"| {label} | — | {num(fw / 1024 if fw else None, '{:.1f}')} | "
                     f"{num(fk / 1024 if fk else None, '{:.1f}')} | {rat(fk, fw)} | — |")
        L.append("")
        notes = []
        for x in md5_tests:
            if (M, x) in large and ("direct", x) in large:
                notes.append(f"{x.upper()} output through {M} = direct: {same_as_direct(M, x)}")
        c = checks(M, "customers")
        if c:
            ok = "ssn" in c and c["ssn"][0] == 0 and c["ssn"][1] > 0
            detail = ", ".join(f"{k} {f}/{tot}" for k, (f, tot) in c.items())
            notes.append(f"`SELECT * FROM customers` masked through {M}: {'yes' if ok else '**NO**'} "
                         f"(raw sampled values found in its output: {detail})")
        if notes:
            L.append("; ".join(notes) + ".")
            L.append("")
        L.append("Ratios of MB/s are direct (or pgwarden) time / pgwarden-masked time for the same rows. Peak RSS "
                 "covers start-up, the pgbench phase and the large results of each gateway process.")
        L.append("")

    text = "\n".join(L)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    print(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="sub", required=True)

    p = sub.add_parser("ports", help="print N free TCP ports on 127.0.0.1")
    p.add_argument("n", type=int)
    p.set_defaults(fn=cmd_ports)

    p = sub.add_parser("rss", help="print a kB field of /proc/<pid>/status")
    p.add_argument("pid", type=int)
    p.add_argument("--field", default="VmRSS")
    p.set_defaults(fn=cmd_rss)

    p = sub.add_parser("pgbench", help="run pgbench, parse, append a record")
    p.add_argument("--target", required=True)
    p.add_argument("--mode", required=True)
    p.add_argument("--round", default="1")
    p.add_argument("--kind", choices=["warmup", "measure"], default="measure")
    p.add_argument("--out", required=True)
    p.add_argument("--log")
    p.add_argument("--timeout", type=float, default=0, help="kill pgbench after this many seconds (0 = never)")
    p.add_argument("--clients", default="")
    p.add_argument("--latency-log-prefix", default="", help="pgbench -l --log-prefix of the run (for p50/p99)")
    p.add_argument("--skip", type=float, default=0,
                   help="measure from this many seconds into the run (pgbench -P 1 lines give its TPS)")
    p.add_argument("--pid", default="", help="the proxy's pid: record its CPU time per transaction ('' = none)")
    p.add_argument("--store-pid", default="",
                   help="the audit store's postmaster pid: record its CPU time (backends included) per transaction")
    p.add_argument("--db-pid", default="",
                   help="the benchmarked PostgreSQL's postmaster pid: record its CPU time (backends included) too")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_pgbench)

    p = sub.add_parser("audit", help="append the audit records a gateway wrote during a run")
    p.add_argument("--target", required=True)
    p.add_argument("--mode", required=True)
    p.add_argument("--round", default="1")
    p.add_argument("--clients", default="")
    p.add_argument("--before", required=True, help="'written dropped' before the run")
    p.add_argument("--after", required=True, help="'written dropped' after the run")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_audit)

    p = sub.add_parser("large", help="time a large-result psql command")
    p.add_argument("--target", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--pid", type=int, default=0, help="proxy pid whose RSS to sample (0 = none)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--timeout", type=float, default=0, help="kill a psql run after this many seconds (0 = never)")
    p.add_argument("--needle", action="append", default=[],
                   help="KIND=VALUE: report whether VALUE occurs in the output (repeatable)")
    p.add_argument("--out", required=True)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_large)

    p = sub.add_parser("mem", help="record VmRSS/VmHWM of a pid")
    p.add_argument("--target", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_mem)

    p = sub.add_parser("meta", help="write meta.json from key=value pairs")
    p.add_argument("--out", required=True)
    p.add_argument("--repo")
    p.add_argument("pairs", nargs="*")
    p.set_defaults(fn=cmd_meta)

    p = sub.add_parser("report", help="print the markdown summary")
    p.add_argument("--results", required=True)
    p.add_argument("--meta")
    p.add_argument("--output")
    p.set_defaults(fn=cmd_report)

    args = ap.parse_args()
    try:
        rc = args.fn(args) or 0
    except KeyboardInterrupt:
        rc = 130
    sys.exit(rc)


if __name__ == "__main__":
    main()
