"""The pipeline: captures -> flows -> data items -> hosts -> recipients -> rules -> Assessment.

One direction, no back and forth: importers stream flows, classification names their data,
the aggregator folds them per host, the knowledge base attributes hosts to legal entities,
candidates go to the rules as RDF, and the matches become verdicts and findings.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from . import __version__, browser_services, catalogs, consent, local_traffic, vocab
from .classify import HealthContext, claims
from .classify.cookies import cookie_lifetimes
from .declared import DeclaredSafeguards, declared_items
from .enrich.domains import platform_suffix, registrable_domain
from .enrich.dpf import DpfList, match_report, read_dpf_list
from .enrich.kb import HostMatch, KnowledgeBase
from .enrich.cloaking import Cloak, load_signatures
from .enrich.cloaking import detect as detect_cloaking
from .enrich.network import enrich_recipients
from .enrich.siblings import probable as probable_first_party
from .errors import UsageError
from .graph import (
    SERVER_IPS_KEPT, FlowAggregator, HostStats, HostSummary, bottom_k, build_graph,
)
from .importers import ImportOptions, open_capture
from .importers.register import DeclaredCapture
from .importers.unsent import explain as explain_unsent
from .limits import host_problem
from .models import (
    Assessment, BrowserRequests, CaptureInfo, DataCategory, DpfListInfo, FirstPartyReason, Flow,
    Generator, KnowledgeInfo, LocalRequests, Organisation, Recipient, SkippedEntry,
    UnsentRequests,
)
from .rules.engine import load_ruleset
from .rules.findings import Judge, RecipientCase
from .rules.facts import Candidate, control_established, controlled_from
from .start_page import StartPage

GDPR_APPLIES_FROM = dt.date(2018, 5, 25)
LANGS = catalogs.languages()  # one per catalog in gdprmap/locale


@dataclass(frozen=True)
class Options:
    as_of: dt.date | None = None
    scenario: str | None = None
    scenario_file: Path | None = None
    doctrine: str = "exposure-is-risk"
    lang: str = "en"
    controller: str | None = None
    first_party: tuple[str, ...] = ()
    kb_overrides: tuple[Path, ...] = ()
    command: tuple[str, ...] = ()
    keep_secrets: bool = False  # debug only: importers keep raw values; outputs are marked
    skip_bad_entries: bool = False  # broken entries of sound files are listed, not fatal
    # issue #5: IP data (bundled, offline) is on; registration lookups (RDAP/WHOIS) reach the
    # network and run only with online=True or an injected registration_source (tests, fakes)
    ip_data: bool = True
    online: bool = False
    online_options: Any = None  # enrich.online.OnlineOptions (None: defaults)
    registration_source: Any = None  # e.g. gdprmap.testing.StaticWhois
    ip_source: Any = None  # e.g. gdprmap.testing.StaticAsn
    # issue 15: CNAME chains of the site's own hosts (an object with .chain(host) -> targets and
    # .lookups); None with online=True: DNS queries (enrich.online.CnameLookup)
    cname_source: Any = None
    # issue #4: the captured site is a health service (every flow is a health-context flow)
    health_context: bool = False
    # issue 19: every request's evidence, one JSON line per request, to this file (the report
    # keeps a bounded sample per recipient and data category)
    evidence_path: Path | None = None
    # a declared processing register given apart from the captures (analyze(register=...)):
    # its files, or the validated model (gdprmap.register.Register); read as one more input
    register_paths: tuple[Path, ...] = ()
    register: Any = None
    # issue 14: a DPF List file (the official .xlsx or a JSON export) whose statuses replace the
    # bundled ones for US entities
    dpf_list: Path | None = None
    # names shown for inputs that are not files the user named (standard input, spooled to a
    # temporary file by the API): the report says "<stdin>", never the temporary path
    input_names: Mapping[Path, str] = field(default_factory=dict)


@dataclass
class _Group:
    """Hosts of one recipient while they are being gathered."""

    id: str
    hosts: list[str] = field(default_factory=list)
    matches: list[HostMatch] = field(default_factory=list)


def analyze(paths: list[Path], options: Options = Options()) -> Assessment:
    if not paths:
        raise UsageError("no capture given")
    if options.lang not in LANGS:
        raise UsageError(f"unknown language {options.lang!r} (known: {', '.join(LANGS)})")
    ruleset = load_ruleset()
    if options.scenario and options.scenario not in ruleset.scenarios():
        raise UsageError(f"unknown scenario {options.scenario!r} "
                         f"(known: {', '.join(ruleset.scenarios())})")
    kb = KnowledgeBase.load(options.kb_overrides)
    dpf_list = read_dpf_list(options.dpf_list) if options.dpf_list else None  # fail early
    signatures = load_signatures()  # issue 15: vendor request signatures (cloaking)

    aggregator = FlowAggregator(observer=signatures.observer())
    infos: list[CaptureInfo] = []
    first_hosts: list[str] = []
    document_hosts: set[str] = set()  # issue 15: the pages' own hosts
    visited: dict[str, str] = {}  # issue 15: hosts of pages the capture visited, and how
    skipped: list[SkippedEntry] = []
    # issue 15: requests that are not the site's disclosures to a recipient
    browser_traffic, local_requests, unsent_requests = _Tally(), _Tally(), _Tally()
    import_options = ImportOptions(keep_secrets=options.keep_secrets,
                                   skip_bad_entries=options.skip_bad_entries)
    context = _health_context(kb, options.health_context, options.lang)
    consent_seen = consent.ConsentTracker()  # issue #16: flows' consent states, per host
    # A register given apart from the captures (analyze(register=...)) is one more input.
    sources: list[Any] = [*paths, *(p for p in options.register_paths if p not in paths)]
    if options.register is not None and not options.register_paths:
        sources.append(DeclaredCapture(options.register))
    sidecar = EvidenceWriter(options.evidence_path) if options.evidence_path else None
    with _few_collections(), (sidecar or nullcontext()):  # millions of short-lived objects
        for source in sources:
            capture = (open_capture(source, options.input_names.get(source, str(source)),
                                    import_options)
                       if isinstance(source, Path) else source)
            # Without page records, the page is guessed from documents and Referers; not from
            # the first request: in app traffic (mitmproxy har_dump, PCAPdroid HAR) it is often
            # a tracker, and taking its host as first party would hide that recipient (#3).
            start_page = StartPage()
            first_flow: Flow | None = None
            for flow in capture:
                if (service := browser_services.of_flow(flow)) is not None:
                    browser_traffic.add(flow, service, service.purpose)  # not the site's request
                    continue
                start_page.add(flow)
                if first_flow is None and flow.host:
                    first_flow = flow
                if (local := local_traffic.of_flow(flow)) is not None:
                    local_requests.add(flow, local, local.kind)  # issue 15: reached no one
                    continue
                if flow.unsent is not None:  # issue 15: blocked, unresolved or cached: not sent
                    unsent_requests.add(flow, flow.unsent, flow.unsent)
                    continue
                items = (declared_items(flow) if flow.origin == "declared"
                         else claims(flow, context))
                if sidecar is not None:
                    items = sidecar.write(flow, list(items))
                aggregator.add(flow, items)
                if flow.consent is not None:
                    consent_seen.add(flow)
            info = capture.info()
            infos.append(info)
            skipped += capture.skipped
            first_hosts += info.first_party_hints  # e.g. an app's developer domain, WEC's split
            page_hosts = [_host_of(u) for u in info.pages]
            start = next((h for h in page_hosts if h), None) or start_page.host()
            if start:
                first_hosts.append(start)
                document_hosts.add(start)
            document_hosts.update(h for h in page_hosts if h)
            # issue 15: other pages the capture visited are probably the site's own; so is the
            # home page a capture without any page record asks for first (GET /), not taken
            # as first party for the reason above
            for h in page_hosts[1:]:
                if h and h != start:
                    visited.setdefault(h, "the capture visited a page of this host")
            if start is None and first_flow is not None and first_flow.method == "GET" and \
                    _host_path(first_flow.url) == "/" and first_flow.host:
                visited.setdefault(first_flow.host, "first request of a capture without page "
                                   "records, for the home page /")

    as_of, basis = _as_of(infos, options.as_of)
    # every entity's DPF status as of that date (issue 14); each host's operator of the day the
    # data went, which a later --as-of does not change (issue 15: domains that changed hands)
    kb = kb.dated(as_of, dpf_list, operators_on=_first_observed(infos))
    first_party, tenants = _first_party(first_hosts, options.first_party, aggregator.hosts, kb)
    # issue 15: first-party hosts a vendor runs (cloaking), and the site's probable own domains
    ip_source = (options.ip_source if options.ip_source is not None else _default_ipdb()
                 ) if options.ip_data else None
    ip_lookup = ip_source.lookup if ip_source is not None else None
    cname_source = options.cname_source
    if cname_source is None and options.online:
        from .enrich.online import CnameLookup, OnlineOptions

        cname_source = CnameLookup(options.online_options or OnlineOptions())
    cnames = ({h: cname_source.chain(h) for h in sorted(aggregator.hosts)
               if h not in document_hosts and registrable_domain(h) in first_party}
              if cname_source is not None else None)
    cloaks = detect_cloaking(aggregator.hosts, first_party, document_hosts, kb, signatures,
                             ip_lookup, cnames)
    siblings = probable_first_party(aggregator.hosts, first_party, document_hosts, kb, ip_lookup,
                                    visited=visited, tenants=tenants)
    groups, attribution = _group(aggregator.hosts, first_party, kb, cloaks)
    safeguards = DeclaredSafeguards(infos, ruleset.safeguard_iris)
    servers = _server_countries(groups, aggregator.hosts, ip_source)
    candidates = _candidates(groups, kb, aggregator.hosts, safeguards, servers)
    received = {g.id: _categories(aggregator.hosts, g.hosts) for g in groups.values()}
    evaluation = ruleset.evaluate(candidates, {k: set(v) for k, v in received.items()},
                                  as_of, options.scenario, options.scenario_file, options.doctrine)
    judge = Judge(ruleset, evaluation, options.lang, as_of)
    shared = _shared_identifiers(groups, aggregator.hosts)  # before _recipients releases them
    summaries: dict[str, HostSummary] = {}  # what the flow graph reads of every host
    recipients = _recipients(groups, candidates, judge, aggregator.hosts, received, options.lang,
                             summaries)
    # issue #4: identifiers shared with other recipients, cookie lifetimes from the capture
    # tool's records; replaced in place and only when there is something to add (issue 17: a
    # copy of every recipient beside the originals was a tenth of the peak with 64,000 hosts)
    for rid, r in recipients.items():
        update: dict[str, Any] = {}
        if rid in shared:
            update["shared_identifiers"] = tuple(sorted(shared[rid]))
        lifetimes = cookie_lifetimes(infos, r.hosts)
        if lifetimes:
            update["cookie_lifetimes"] = lifetimes
        if update:
            recipients[rid] = r.model_copy(update=update)
    # issue #16: consent states and the consent rules' findings, beside the verdicts
    recipients = consent.apply(recipients, {g.id: g.hosts for g in groups.values()},
                               consent_seen, infos, options.lang)
    recipients = _mark_attribution(recipients, groups, cloaks, siblings)  # issue 15
    network = enrich_recipients(recipients, lang=options.lang, ip_data=options.ip_data,
                                online=options.online, online_options=options.online_options,
                                registration_source=options.registration_source,
                                ip_source=ip_source,
                                site_domains=tuple(sorted(first_party)))
    # facts only: the rules read the server countries before, see _server_countries
    recipients = network.recipients
    assessment = Assessment(
        generator=Generator(version=__version__),
        inputs=tuple(infos),
        as_of=as_of,
        as_of_basis=basis,
        scenario=options.scenario,
        doctrine=options.doctrine,
        language=options.lang,
        controller=options.controller,
        first_party_domains=tuple(sorted(first_party)),
        recipients=tuple(sorted(recipients.values(),
                                key=lambda r: (-r.verdict.rank, r.id))),
        knowledge=KnowledgeInfo(
            organisations=len(kb.data.entities),
            organisations_sha256=kb.sha256,
            ontology_sha256=ruleset.sha256,
            rules=tuple(r.id for r in ruleset.rules),
            ipdb_date=network.ipdb_date,
            dpf_list=_dpf_list_info(kb, dpf_list),
        ),
        command=options.command,
        extra=_controller_hint(first_party - tenants, kb),  # issue #7: the cover's fallback
        lookups=tuple(getattr(cname_source, "lookups", ()) or ()) + tuple(network.lookups),
        consent=consent.summary(infos),
        skipped=tuple(skipped),
        browser_traffic=browser_traffic.records(_browser_requests),
        local_traffic=local_requests.records(_local_requests),
        # the site's own requests are no recipient's anyway
        not_sent=tuple(r for r in unsent_requests.records(_unsent_requests)
                       if registrable_domain(r.host) not in first_party),
        secrets_kept=options.keep_secrets,
    )
    # built on first use (issue 19): the JSON and CSV reports never read it, and building it
    # imports networkx (~0.15 s of a report's start-up)
    assessment._graph = partial(build_graph, summaries, attribution, recipients)
    return assessment


# --- stages -------------------------------------------------------------------------------


class _Tally:
    """Requests counted per host and kind, with the first one's place (issue 15: the browser's
    own requests, those that stayed on the device or local network, those never sent)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], list[Any]] = {}  # (host, kind) -> [what, n, input, entry]

    def add(self, flow: Flow, what: Any, kind: str) -> None:
        seen = self.seen.setdefault((flow.host or "", kind), [what, 0, flow.input, flow.entry])
        seen[1] += 1

    def records(self, record: Any) -> tuple[Any, ...]:
        """``record(host, what, requests, input, entry)`` for each host and kind, in order."""
        return tuple(record(host, what, n, where, entry)
                     for (host, _), (what, n, where, entry) in sorted(self.seen.items()))


def _browser_requests(host: str, service: browser_services.BrowserService, n: int, where: str,
                      entry: int) -> BrowserRequests:
    return BrowserRequests(host=host, browser=service.browser, purpose=service.purpose,
                           requests=n, input=where, entry=entry, source=service.source)


def _local_requests(host: str, local: local_traffic.LocalDestination, n: int, where: str,
                    entry: int) -> LocalRequests:
    return LocalRequests(host=host, kind=local.kind, reason=local.reason, source=local.source,
                         requests=n, input=where, entry=entry)


def _unsent_requests(host: str, error: str, n: int, where: str, entry: int) -> UnsentRequests:
    reason, source = explain_unsent(error)
    return UnsentRequests(host=host, error=error, reason=reason, source=source, requests=n,
                          input=where, entry=entry)


class EvidenceWriter:
    """``--evidence FILE`` (issue 19): one JSON line per request with every data item found
    in it (the same redacted excerpts as the report), written as the capture streams, so the
    report can keep a bounded sample while nothing is lost. Written to a temporary name and
    renamed when the analysis ends well."""

    def __init__(self, path: Path) -> None:
        from .resources import AtomicFile

        try:
            self.out = AtomicFile(path, "w", encoding="utf-8", newline="\n")
        except OSError as e:
            raise UsageError(f"{path}: cannot write the evidence file: {e.strerror or e}") from e
        self.file = self.out.file

    def write(self, flow: Any, items: list[Any]) -> list[Any]:
        import json

        data = []
        for item in items:
            ev = item.evidence
            row = {"category": item.category, "field": ev.field, "excerpt": ev.excerpt}
            if item.term:
                row["term"] = item.term
            if item.context:
                row["context"] = item.context
            data.append(row)
        line = {"input": flow.input, "entry": flow.entry, "time": flow.started.isoformat(),
                "method": flow.method, "host": flow.host, "url": flow.url,
                "server_ip": flow.server_ip, "data": data}
        self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
        return items

    def __enter__(self) -> EvidenceWriter:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        self.out.__exit__(kind, *rest)


_GC_LOCK = threading.Lock()
_gc_streams = 0  # analyses streaming now (threads of one process share the collector)
_gc_threshold = gc.get_threshold()
_gc_runs = 0  # analyses started in this process
_gc_collected = 0  # the value of _gc_runs at the last full collection
GC_EVERY = 4


@contextmanager
def _few_collections() -> Iterator[None]:
    """Python's cycle collector runs every 700 container allocations and, now and then, walks
    every object alive - the ontology, the knowledge base, the lexicons included. Streaming a
    capture allocates millions of dicts and models that form no cycles, so it collects rarely,
    with the long-lived objects frozen out of its walks (issue #9: ~10 % of the stream's CPU).
    Memory stays bounded: what the stream drops is freed by reference counting as before. The
    first of concurrent analyses sets this up and the last one puts the collector back."""
    global _gc_streams, _gc_threshold, _gc_runs, _gc_collected
    with _GC_LOCK:
        if _gc_streams == 0:
            _gc_threshold = gc.get_threshold()
            # Collect first when analyses ran before in this process: freeze() would otherwise
            # move their cyclic garbage (models, graphs) into the permanent generation, where
            # nothing collects it, and after unfreeze() into the oldest one, rarely walked:
            # 100 analyses in one process kept 353 MiB (issue 19). A full collection walks the
            # whole heap (~60 ms after a 300-request site, a third of its CPU), so it runs every
            # GC_EVERY analyses: at most that many analyses' garbage waits. The first analysis
            # of a process (the CLI's only one) never pays it.
            if _gc_runs - _gc_collected >= GC_EVERY:
                gc.collect()
                _gc_collected = _gc_runs
            gc.freeze()
            gc.set_threshold(50_000, *_gc_threshold[1:])
        _gc_streams += 1
        _gc_runs += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_streams -= 1
            if _gc_streams == 0:
                gc.set_threshold(*_gc_threshold)
                gc.unfreeze()


def _dpf_list_info(kb: KnowledgeBase, dpf_list: DpfList | None) -> DpfListInfo | None:
    if dpf_list is None:
        return None
    report = match_report(kb, dpf_list)
    return DpfListInfo(path=dpf_list.path, sha256=dpf_list.sha256, date=dpf_list.date,
                       date_basis=dpf_list.date_basis if dpf_list.date else None,
                       entries=len(dpf_list.entries), us_entities=report.us_entities,
                       us_entities_matched=len(report.matched),
                       ambiguous=tuple(sorted(report.ambiguous)))


def _controller_hint(first_party: set[str], kb: KnowledgeBase) -> dict[str, object]:
    """Issue #7: the knowledge base's operator of a first-party domain, for the report's cover
    when no --controller was given (shown as such, never as the controller's own statement)."""
    for domain in sorted(first_party):
        match = kb.match(domain)
        if match and match.chain:
            operator = match.chain[0]
            return {"controller_kb": {"name": operator.name, "entity": operator.id,
                                      "country": operator.country, "domain": domain}}
    return {}


def _host_path(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return None


def _host_of(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host if host and not host_problem(host) else None  # a page URL is capture text


def _first_observed(infos: list[CaptureInfo]) -> dt.date | None:
    """The (local) date of the captures' first request; None when none is dated."""
    firsts = [i.first_seen for i in infos if i.first_seen]
    return min(firsts).date() if firsts else None


def _as_of(infos: list[CaptureInfo], option: dt.date | None) -> tuple[dt.date, str]:
    """The date whose law applies: the option, else the first observation's (local) date."""
    if option is not None:
        as_of, basis = option, "option"
    else:
        first = _first_observed(infos)
        if first is None:
            raise UsageError("the captures hold no dated request; give --as-of DATE")
        as_of, basis = first, "capture"
    if as_of < GDPR_APPLIES_FROM:
        raise UsageError(f"as-of date {as_of} precedes the GDPR's application on "
                         f"{GDPR_APPLIES_FROM}; give a later --as-of DATE")
    return as_of, basis


def _first_party(starts: list[str], declared: tuple[str, ...], hosts: dict[str, HostStats],
                 kb: KnowledgeBase) -> tuple[set[str], set[str]]:
    """Registrable domains of the site itself: the visited pages' domains, those the user
    declares, and those the knowledge base attributes to the same operator; and, apart, the
    domains of hosting platforms the site is only a tenant of (issue 15: a blog on
    blogspot.com, a page on github.io or herokuapp.com). The platform's operator hosts such a
    site, it does not run it: its other domains (Google's trackers on a Blogger blog) are not
    the site's, and it is not the site's operator."""
    on_platform = {h for h in starts if platform_suffix(h)}
    own = {registrable_domain(d.strip().lower()) for d in declared if d.strip()}
    own |= {registrable_domain(h) for h in starts if h not in on_platform}
    tenants = {registrable_domain(h) for h in on_platform} - own
    operators = {m.chain[0].id for d in own if (m := kb.match(d))}
    domains = own | tenants
    for host in hosts:
        match = kb.match(host)
        if match and match.chain[0].id in operators:
            domains.add(registrable_domain(host))
    return domains, tenants


def _group(hosts: dict[str, HostStats], first_party: set[str], kb: KnowledgeBase,
           cloaks: dict[str, Cloak] | None = None,
           ) -> tuple[dict[str, _Group], dict[str, HostMatch | None]]:
    groups: dict[str, _Group] = {}
    attribution: dict[str, HostMatch | None] = {}
    for host in sorted(hosts):
        match = kb.match(host)
        if registrable_domain(host) in first_party:
            cloak = (cloaks or {}).get(host)
            service = kb.service(cloak.service) if cloak else None
            if service is None:
                attribution[host] = match
                continue
            # issue 15: a vendor's server under the site's name is the vendor's recipient
            match = kb.match(host, service)
        attribution[host] = match
        rid = f"org:{match.chain[0].id}" if match else f"domain:{registrable_domain(host)}"
        group = groups.setdefault(rid, _Group(rid))
        group.hosts.append(host)
        if match:
            group.matches.append(match)
    return groups, attribution


def _server_countries(groups: dict[str, _Group], hosts: dict[str, HostStats],
                      db: Any) -> dict[str, tuple[str, ...]]:
    """Per recipient, the countries the bundled IP data give for the server addresses that
    received its requests (issue 13: indicative, but where no source establishes the processing
    place, a third-country server stops the rules from clearing the recipient). Empty when IP
    data are off."""
    if db is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for group in groups.values():
        found: list[str] = []
        for ip in sorted({ip for h in group.hosts for ip in hosts[h].server_ips}):
            try:
                info = db.lookup(ip)
            except Exception:  # noqa: BLE001 - an unparsable address says nothing
                continue
            if info.country and not info.special and info.country not in found:
                found.append(info.country)
        out[group.id] = tuple(sorted(found))
    return out


def _mark_attribution(recipients: dict[str, Recipient], groups: dict[str, _Group],
                      cloaks: dict[str, Cloak],
                      siblings: dict[str, list[FirstPartyReason]]) -> dict[str, Recipient]:
    """Issue 15: recipients that include cloaked first-party hosts, and recipients that are
    probably the site's own domains, with the evidence (verdicts untouched)."""
    out: dict[str, Recipient] = {}
    for rid, rec in recipients.items():
        update: dict[str, Any] = {}
        hosts = groups[rid].hosts if rid in groups else list(rec.hosts)
        evidence = tuple(e for h in hosts if h in cloaks for e in cloaks[h].evidence)
        if evidence:
            update.update(cloaked=True, cloaking=evidence)
        domains = {registrable_domain(h) for h in hosts}
        if domains and all(d in siblings for d in domains) and not evidence:
            update.update(first_party_probable=True, first_party_reasons=tuple(
                r for d in sorted(domains) for r in siblings[d]))
        out[rid] = rec.model_copy(update=update) if update else rec
    return out


def _default_ipdb() -> Any:
    from .enrich.ipdb import default_database

    return default_database()


def _candidates(groups: dict[str, _Group], kb: KnowledgeBase, hosts: dict[str, HostStats],
                declared: DeclaredSafeguards,
                servers: dict[str, tuple[str, ...]] | None = None) -> list[Candidate]:
    """Where each recipient receives data: its operator's country, and any processing location
    the knowledge base records for its services or names in the host (e.g. a cloud region);
    with the safeguards a register declares for it, and whether the hosts that lead there were
    observed in a capture or only declared."""
    out: list[Candidate] = []
    for group in groups.values():
        entities = {e.id for m in group.matches for e in m.chain}
        safeguards = declared.for_recipient(entities, group.hosts)
        if not group.matches:
            out.append(Candidate(f"{group.id}|?", group.id, None, (), True,
                                 "no organisation identified for these hosts",
                                 observed=any(hosts[h].observed for h in group.hosts),
                                 safeguards=safeguards))
            continue
        places: dict[tuple[str, str], Candidate] = {}
        seen_in = (servers or {}).get(group.id, ())
        for match in group.matches:
            operator = match.chain[0]
            observed = hosts[match.host].observed > 0
            # The operator's country is where it is incorporated; only a processing record (or
            # a region the host names) establishes where the data are processed.
            reached = [(operator.country, match.chain,
                        f"{operator.name} operates {match.service.name} for EEA customers",
                        bool(match.destinations))]
            reached += [(d.country, kb.chain(d.entity), d.basis, True)
                        for d in match.destinations]
            for country, chain, basis, established in reached:
                key = (country, chain[0].id)
                known = places.get(key)
                if known is None:
                    places[key] = Candidate(
                        f"{group.id}|{country}|{chain[0].id}", group.id, country, chain,
                        match.service.data_in_clear, basis, match.service.category, observed,
                        safeguards, processing_established=established,
                        server_countries=seen_in)
                else:
                    if observed and not known.observed:
                        known = replace(known, observed=True)
                    if known.chain[0].dpf == "active" and chain[0].dpf != "active":
                        # one of its services lies outside the operator's DPF certification:
                        # the listing does not clear the recipient (issue 14)
                        known = replace(known, chain=chain)
                    if established and not known.processing_established:
                        known = replace(known, processing_established=True)
                    places[key] = known
        out += places.values()
    return out


def _health_context(kb: KnowledgeBase, declared: bool, lang: str) -> HealthContext:
    """Pages of a health service make every flow from them a health-context flow (issue #4)."""

    def operator(host: str) -> str | None:
        match = kb.match(host)
        if match and kb.is_health_service(match.chain[0].id):
            return match.chain[0].name
        return None

    return HealthContext(declared=declared, lookup=operator, lang=lang)


def _shared_identifiers(groups: dict[str, _Group],
                        hosts: dict[str, HostStats]) -> dict[str, set[str]]:
    """Recipients that received the same identifier value (by the redactor's keyed digest):
    a cross-site identifier. Each recipient lists the others (issue #4)."""
    by_digest: dict[str, set[str]] = {}
    for group in groups.values():
        for h in group.hosts:
            for d in hosts[h].identifier_digests:
                by_digest.setdefault(d, set()).add(group.id)
    shared: dict[str, set[str]] = {}
    for ids in by_digest.values():
        if len(ids) > 1:
            for rid in ids:
                shared.setdefault(rid, set()).update(ids - {rid})
    return shared


def _categories(hosts: dict[str, HostStats], names: list[str]) -> list[str]:
    cats: list[str] = []
    for name in names:
        for iri in hosts[name].categories:
            if iri not in cats:
                cats.append(iri)
    return cats


def _recipients(groups: dict[str, _Group], candidates: list[Candidate], judge: Judge,
                hosts: dict[str, HostStats], received: dict[str, list[str]],
                lang: str, summaries: dict[str, HostSummary]) -> dict[str, Recipient]:
    """The judged recipients. Consumes ``hosts``: each host's statistics are replaced by their
    ``HostSummary`` in ``summaries`` as soon as its recipient is built."""
    recipients: dict[str, Recipient] = {}
    by_recipient: dict[str, list[Candidate]] = {}  # (a scan per group was quadratic: issue 17)
    for c in candidates:
        by_recipient.setdefault(c.recipient, []).append(c)
    for group in groups.values():
        stats = [hosts[h] for h in group.hosts]
        data = _data_categories(stats, lang)
        case = RecipientCase(
            id=group.id,
            candidates=by_recipient.get(group.id, []),
            matches=group.matches,
            data=data,
            sample=[e for s in stats for e in s.sample][:5],
        )
        verdict, transfers, findings = judge.judge(case)
        # issue 19: a bounded deterministic sample of the addresses (all of them when few)
        ips, ips_more = bottom_k((ip for s in stats for ip in s.server_ips), SERVER_IPS_KEPT)
        ips_more = ips_more or any(s.ip_sample.more for s in stats)
        # the match shown: one outside its operator's DPF certification, if any (see above)
        first = (min(group.matches, key=lambda m: m.chain[0].dpf == "active")
                 if group.matches else None)
        chains = [c.chain for c in case.candidates if c.chain]
        recipients[group.id] = Recipient(
            id=group.id,
            organisation=_organisation(first),
            services=tuple(dict.fromkeys(m.service.name for m in group.matches)),
            category=first.service.category if first else None,
            hosts=tuple(group.hosts),
            server_ips=tuple(ips),
            server_ips_sampled=ips_more,
            server_countries=(),
            destinations=tuple(dict.fromkeys(d for m in group.matches for d in m.destinations)),
            received_in=tuple(dict.fromkeys(t.country for t in transfers
                                            if t.country and not t.derived)),
            controlled_from=tuple(dict.fromkeys(c for ch in chains for c in controlled_from(ch))),
            control_established=all(control_established(ch) for ch in chains) if chains else None,
            requests=sum(s.flows for s in stats),
            observed_requests=sum(s.observed for s in stats),
            data_categories=tuple(received[group.id]),
            special_categories=tuple(d.iri for d in data if d.special),
            data=tuple(data),
            verdict=verdict,
            transfers=tuple(transfers),
            findings=tuple(findings),
        )
        # issue 17: the group's evidence now lives in its recipient; the flow graph needs only
        # a small summary of its hosts (so the peak holds one of the two per host, not both)
        for h in group.hosts:
            summaries[h] = hosts.pop(h).summary()
    summaries.update((h, s.summary()) for h, s in hosts.items())  # the site's own hosts
    hosts.clear()
    return recipients


def _data_categories(stats: list[HostStats], lang: str) -> list[DataCategory]:
    merged: dict[str, dict[str, Any]] = {}
    for s in stats:
        for iri, cat in s.categories.items():
            m = merged.setdefault(iri, {"flows": 0, "terms": [], "evidence": [], "contexts": []})
            m["flows"] += cat.flows
            m["terms"] += [t for t in cat.terms if t not in m["terms"]]
            m["contexts"] += [c for c in cat.contexts if c not in m["contexts"]]
            m["evidence"] += cat.evidence
            for edge, pick in (("first_seen", min), ("last_seen", max)):
                when = getattr(cat, edge)
                if when is not None:
                    m[edge] = when if m.get(edge) is None else pick(m[edge], when)
    order = list(vocab.CATEGORIES)
    return [
        DataCategory(iri=iri, label=vocab.label(iri, lang),
                     special=vocab.CATEGORIES.get(iri, vocab.IP_ADDRESS).special,
                     flows=m["flows"], terms=tuple(m["terms"]), evidence=tuple(m["evidence"][:10]),
                     contexts=tuple(m["contexts"]), first_seen=m.get("first_seen"),
                     last_seen=m.get("last_seen"))
        for iri, m in sorted(merged.items(), key=lambda kv: order.index(kv[0])
                             if kv[0] in order else len(order))
    ]


def _organisation(match: HostMatch | None) -> Organisation | None:
    if match is None:
        return None
    chain = match.chain
    top = chain[-1] if len(chain) > 1 else None
    return Organisation(id=chain[0].id, name=chain[0].name, country=chain[0].country,
                        parent=top.name if top else None,
                        parent_country=top.country if top else None, chain=chain)
