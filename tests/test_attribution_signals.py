"""Issue 15: cloaked first-party trackers (each signature, with negative cases), the DNS CNAME
client against a DNS server on 127.0.0.1, and the site's probable own domains (each signal,
with coincidences that must not count)."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time

import pytest
from conftest import entry, har

from gdprmap.models import SCHEMA_VERSION
from gdprmap import analyze
from gdprmap.enrich import dns
from gdprmap.enrich.cloaking import load_signatures
from gdprmap.enrich.kb import KnowledgeBase
from gdprmap.enrich.online import CnameLookup, OnlineOptions
from gdprmap.enrich.siblings import brand_match, load_rules
from gdprmap.models import Assessment
from gdprmap.testing import StaticAsn, StaticCnames

PAGE = "https://www.shop-example.fr/"
PAGE_IP = "45.80.1.10"
ASN = StaticAsn({"45.80.1.0/24": (64500, "Shop Example Hosting", "FR"),
                 "66.235.0.0/16": (15224, "Adobe Inc.", "US"),
                 "104.16.0.0/13": (13335, "Cloudflare, Inc.", "US"),
                 "203.0.113.0/24": (64501, "Somewhere Else", "DE"),
                 "91.121.200.0/25": (49030, "APPLIED TECHNOLOGIES INTERNET SAS", "FR"),
                 "91.121.200.128/25": (60164, "Webtrekk GmbH", "DE")})


def page(**kw):
    return entry(PAGE, ip=PAGE_IP, **kw) | {"_resourceType": "document"}


def run(write_har, entries, **kw) -> Assessment:
    return analyze(write_har(har(entries)), ip_source=kw.pop("ip_source", ASN), **kw)


def rec(a: Assessment, rid: str):
    return next((r for r in a.recipients if r.id == rid), None)


def first_party_hosts_hidden(a: Assessment, host: str) -> bool:
    return all(host not in r.hosts for r in a.recipients)


def assert_none_cloaked(write_har, urls) -> None:
    """Each URL, requested from the page's own network, unmasks no vendor (negative cases)."""
    for url in urls:
        b = run(write_har, [page(), entry(url, ip=PAGE_IP)])
        assert not any(r.cloaked for r in b.recipients), url


# --- the signature file ---------------------------------------------------------------------


def test_every_signature_has_a_source_and_a_known_service():
    sigs = load_signatures()
    kb = KnowledgeBase.load()
    assert {s.kind for s in sigs.items} >= {"path", "query", "cookie", "asn", "tls-organisation"}
    for s in sigs.items:
        assert s.source and s.basis and kb.service(s.service) is not None, s.id
        assert s.source.startswith("https://") or "ipdb" in s.source


def test_a_broken_signature_file_is_refused(tmp_path):
    from gdprmap.errors import UsageError
    bad = tmp_path / "x.toml"
    bad.write_text('[[signatures]]\nid="a"\nservice="x"\nkind="smell"\nstrong=true\n'
                   'label="l"\nsource="s"\nbasis="b"\n')
    with pytest.raises(UsageError, match="unknown kind"):
        load_signatures(bad)
    bad.write_text('[[signatures]]\nid="a"\nservice="x"\nkind="path"\nstrong=true\n'
                   'label="l"\nsource=""\nbasis="b"\npattern="^/x"\n')
    with pytest.raises(UsageError, match="source"):
        load_signatures(bad)


# --- cloaking: each signature, and what must not count ---------------------------------------


def test_adobe_image_request_on_a_first_party_host_is_adobe_cloaked(write_har):
    a = run(write_har, [page(), entry("https://smetrics.shop-example.fr/b/ss/shopprod/1/JS-2.22/"
                                      "s1234?AQB=1&pageName=home", ip=PAGE_IP)])
    adobe = rec(a, "org:adobe-inc") or next(r for r in a.recipients if r.cloaked)
    assert adobe.cloaked and "smetrics.shop-example.fr" in adobe.hosts
    ev = adobe.cloaking[0]
    assert ev.signal == "request-path" and ev.strong and "experienceleague.adobe.com" in ev.source
    assert ev.evidence is not None and ev.evidence.entry == 1
    assert adobe.organisation is not None and "Adobe" in adobe.organisation.name
    doc = json.loads(a.to_json())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert any(r["cloaked"] and r["cloaking"] for r in doc["recipients"])


def test_adobe_cookies_alone_never_cloak_a_host(write_har):
    cookies = [("AMCV_ABC123@AdobeOrg", "x"), ("s_ecid", "MCMID|1")]
    a = run(write_har, [page(cookies=cookies),
                        entry("https://img.shop-example.fr/logo.png", ip=PAGE_IP,
                              cookies=cookies)])
    assert not any(r.cloaked for r in a.recipients)
    assert first_party_hosts_hidden(a, "img.shop-example.fr")


def test_adobe_cookies_are_listed_as_supporting_evidence_with_a_strong_signal(write_har):
    a = run(write_har, [page(), entry("https://smetrics.shop-example.fr/b/ss/rs/1/s1",
                                      ip=PAGE_IP, cookies=[("s_ecid", "MCMID|1")])])
    adobe = next(r for r in a.recipients if r.cloaked)
    signals = {(e.signal, e.strong) for e in adobe.cloaking}
    assert ("cookie", False) in signals and ("request-path", True) in signals


def test_adobe_network_cloaks_only_when_the_page_is_elsewhere(write_har):
    a = run(write_har, [page(), entry("https://metrics.shop-example.fr/id?x=1", ip="66.235.1.2")])
    adobe = next(r for r in a.recipients if r.cloaked)
    assert adobe.cloaking[0].signal == "asn" and "AS15224" in adobe.cloaking[0].detail
    # a site hosted by Adobe itself: the same network is no evidence of cloaking
    b = run(write_har, [entry("https://www.shop-example.fr/", ip="66.235.9.9")
                        | {"_resourceType": "document"},
                        entry("https://metrics.shop-example.fr/id?x=1", ip="66.235.1.2")])
    assert not any(r.cloaked for r in b.recipients)


def test_at_internet_and_mapp_networks_cloak_a_custom_collection_domain(write_har):
    # a customised pixel path (AT Internet's CDDC allows it): only the network tells
    a = run(write_har, [page(), entry("https://stats.shop-example.fr/px?s=1&p=home",
                                      ip="91.121.200.7")])
    piano = next(r for r in a.recipients if r.cloaked)
    assert piano.id == "org:at-internet" and piano.cloaking[0].signal == "asn"
    assert "AS49030" in piano.cloaking[0].detail
    assert "atinternet-solutions.com" in piano.cloaking[0].source
    b = run(write_har, [page(), entry("https://wt.shop-example.fr/x?y=1", ip="91.121.200.200")])
    mapp = next(r for r in b.recipients if r.cloaked)
    assert mapp.id == "org:mapp-digital-germany" and "AS60164" in mapp.cloaking[0].detail
    # the page itself served from that network: a hosting customer, not a cloaked tracker
    c = run(write_har, [entry("https://www.shop-example.fr/", ip="91.121.200.9")
                        | {"_resourceType": "document"},
                        entry("https://stats.shop-example.fr/px?s=1", ip="91.121.200.7")])
    assert not any(r.cloaked for r in c.recipients)
    # the vendor's own host in its network is a third party, never "cloaked"
    d = run(write_har, [page(), entry("https://logs1412.xiti.com/hit.xiti?s=1", ip="91.121.200.7")])
    assert not any(r.cloaked for r in d.recipients)
    assert any("logs1412.xiti.com" in r.hosts for r in d.recipients)


def test_at_internet_hit_needs_the_path_and_the_site_parameter(write_har):
    a = run(write_har, [page(), entry("https://logs.shop-example.fr/hit.xiti?s=123456&col=1&p=home",
                                      ip=PAGE_IP)])
    piano = next(r for r in a.recipients if r.cloaked)
    assert piano.id == "org:at-internet" and piano.cloaking[0].signal == "query"
    b = run(write_har, [page(), entry("https://logs.shop-example.fr/hit.xiti?p=home", ip=PAGE_IP)])
    assert not any(r.cloaked for r in b.recipients)


def test_eulerian_collector_path(write_har):
    a = run(write_har, [page(), entry("https://tk.shop-example.fr/collector/shop-example/?urlp=x",
                                      ip=PAGE_IP)])
    eul = next(r for r in a.recipients if r.cloaked)
    assert eul.id == "org:eulerian-technologies"
    assert "doc.eulerian.com" in (eul.cloaking[0].source or "")
    b = run(write_har, [page(), entry("https://www.shop-example.fr/collector/", ip=PAGE_IP)])
    assert not any(r.cloaked for r in b.recipients)  # the page's own host and no site segment


def test_commanders_act_events_need_the_site_and_the_source_key(write_har):
    a = run(write_har, [page(), entry("https://cs.shop-example.fr/events?tc_s=29&token=7183b9d4",
                                      method="POST", ip=PAGE_IP)])
    ca = next(r for r in a.recipients if r.cloaked)
    assert ca.id == "org:commanders-act" and "cs.shop-example.fr" in ca.hosts
    assert ca.cloaking[0].signal == "query" and ca.cloaking[0].strong
    assert "doc.commandersact.com" in (ca.cloaking[0].source or "")
    # a site's own /events page, or one parameter alone, is no Commanders Act collect call
    assert_none_cloaked(write_har, (
        "https://www.shop-example.fr/events?tc_s=29&token=x",  # the page's own host
        "https://cs.shop-example.fr/events?tc_s=29",
        "https://cs.shop-example.fr/events?page=2&token=x",
        "https://cs.shop-example.fr/api/events?tc_s=29&token=x",
    ))


def test_commanders_act_caid_cookie_supports_but_never_cloaks_alone(write_har):
    cookies = [("CAID", "20231010abc")]
    a = run(write_har, [page(cookies=cookies),
                        entry("https://img.shop-example.fr/logo.png", ip=PAGE_IP, cookies=cookies)])
    assert not any(r.cloaked for r in a.recipients)
    b = run(write_har, [page(), entry("https://cs.shop-example.fr/events?tc_s=29&token=x",
                                      ip=PAGE_IP, cookies=cookies)])
    ca = next(r for r in b.recipients if r.cloaked)
    assert {(e.signal, e.strong) for e in ca.cloaking} >= {("cookie", False), ("query", True)}
    # a cookie that merely contains the name is not the vendor's
    c = run(write_har, [page(), entry("https://img.shop-example.fr/x.png", ip=PAGE_IP,
                                      cookies=[("CAID_PREFS", "1"), ("xCAID", "2")])])
    assert not any(r.cloaked for r in c.recipients)


def test_eloqua_visitor_request_needs_the_path_and_the_site_id(write_har):
    a = run(write_har, [page(), entry("https://analytics.shop-example.fr/visitor/v200/svrGP"
                                      "?pps=3&siteid=1234&ref2=x", ip=PAGE_IP)])
    elq = next(r for r in a.recipients if r.cloaked)
    assert elq.id == "org:oracle-corp" and "analytics.shop-example.fr" in elq.hosts
    assert elq.cloaking[0].signal == "query" and "docs.oracle.com" in elq.cloaking[0].source
    assert_none_cloaked(write_har, (
        "https://analytics.shop-example.fr/visitor/v200/svrGP?pps=3",  # no site id
        "https://analytics.shop-example.fr/api/visitor/v200/svrGP?siteid=1",
        "https://www.shop-example.fr/visitor/v200/svrGP?siteid=1",  # the page's host
    ))
    # on Oracle's own host the request is Oracle's as a third party, not a cloaked one
    c = run(write_har, [page(), entry("https://s1234.t.eloqua.com/visitor/v200/svrGP.aspx"
                                      "?pps=3&siteid=1234")])
    assert not any(r.cloaked for r in c.recipients)
    assert any("s1234.t.eloqua.com" in r.hosts for r in c.recipients)


def test_adobe_target_delivery_needs_the_client_and_the_session(write_har):
    a = run(write_har, [page(), entry("https://target.shop-example.fr/rest/v1/delivery"
                                      "?client=shopexample&sessionId=abc123&version=2.8.0",
                                      method="POST", ip=PAGE_IP)])
    adobe = next(r for r in a.recipients if r.cloaked)
    assert adobe.id == "org:adobe-ireland" and "target.shop-example.fr" in adobe.hosts
    assert "experienceleague.adobe.com" in adobe.cloaking[0].source
    # a site's own REST API with a path like it, or without Target's parameters, is not Adobe
    assert_none_cloaked(write_har, (
        "https://api.shop-example.fr/rest/v1/delivery?orderId=42",
        "https://api.shop-example.fr/rest/v1/delivery?client=web",
        "https://api.shop-example.fr/rest/v1/delivery/slots?client=a&sessionId=b",
    ))


def test_adobe_edge_network_call_on_a_first_party_host(write_har):
    a = run(write_har, [page(), entry("https://data.shop-example.fr/ee/v1/interact"
                                      "?configId=ebebf826&requestId=1", method="POST",
                                      ip=PAGE_IP)])
    adobe = next(r for r in a.recipients if r.cloaked)
    assert adobe.id == "org:adobe-ireland" and adobe.cloaking[0].signal == "request-path"
    assert_none_cloaked(write_har, (
        "https://data.shop-example.fr/ee/interact",
        "https://data.shop-example.fr/fr/ee/v1/interact",
        "https://data.shop-example.fr/ee/v1/interactions",
    ))


def test_mapp_track_request_needs_the_track_id_and_p(write_har):
    a = run(write_har, [page(), entry("https://web.shop-example.fr/484344353165262/wt"
                                      "?p=432,home,0,0,0,0,0,0,0,0&eid=1", ip=PAGE_IP)])
    mapp = next(r for r in a.recipients if r.cloaked)
    assert mapp.id == "org:mapp-digital-germany" and "docs.mapp.com" in mapp.cloaking[0].source
    assert_none_cloaked(write_har, (
        "https://web.shop-example.fr/484344353165262/wt?eid=1",  # no p parameter
        "https://web.shop-example.fr/12345/wt?p=1",  # not a track ID
        "https://web.shop-example.fr/products/484344353165262/wt?p=1",
    ))


def test_tls_certificate_organisation_and_san(write_har):
    cert = {"subjectName": "CN=smetrics.shop-example.fr, O=Adobe Inc.", "sanList": [
        "smetrics.shop-example.fr"]}
    a = run(write_har, [page(), entry("https://smetrics.shop-example.fr/x", ip=PAGE_IP)
                        | {"_tls": cert}])
    adobe = next(r for r in a.recipients if r.cloaked)
    assert adobe.cloaking[0].signal == "tls-organisation"
    san = {"subjectName": "x", "sanList": ["tk.shop-example.fr", "*.eulerian.net"]}
    b = run(write_har, [page(), entry("https://tk.shop-example.fr/x", ip=PAGE_IP) | {"_tls": san}])
    eul = next(r for r in b.recipients if r.cloaked)
    assert eul.id == "org:eulerian-technologies" and eul.cloaking[0].signal == "tls-san"
    # a certificate naming a CDN (not a tracking service) or the site itself: no cloaking
    cdn = {"sanList": ["static.shop-example.fr", "*.cloudfront.net", "shop-example.fr"]}
    c = run(write_har, [page(), entry("https://static.shop-example.fr/x", ip=PAGE_IP)
                        | {"_tls": cdn}])
    assert not any(r.cloaked for r in c.recipients)


def test_cname_chain_to_a_tracking_service_cloaks_to_a_cdn_does_not(write_har):
    entries = [page(), entry("https://tc.shop-example.fr/events", ip=PAGE_IP),
               entry("https://static.shop-example.fr/app.js", ip=PAGE_IP)]
    cnames = StaticCnames({"tc.shop-example.fr": ["shop.tagcommander.com"],
                           "static.shop-example.fr": ["d111.cloudfront.net"]})
    a = run(write_har, entries, cname_source=cnames)
    tc = next(r for r in a.recipients if r.cloaked)
    assert tc.id == "org:commanders-act" and tc.hosts == ("tc.shop-example.fr",)
    assert tc.cloaking[0].signal == "cname" and "tagcommander.com" in tc.cloaking[0].detail
    assert first_party_hosts_hidden(a, "static.shop-example.fr")
    assert {lk.protocol for lk in a.lookups} == {"dns"}
    assert {lk.query for lk in a.lookups} == {"tc.shop-example.fr", "static.shop-example.fr"}


def test_no_cname_queries_offline(write_har, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("network used offline")
    monkeypatch.setattr(dns, "query", boom)
    a = run(write_har, [page(), entry("https://tc.shop-example.fr/events", ip=PAGE_IP)])
    assert a.lookups == ()


# --- the DNS client against a DNS server on 127.0.0.1 -----------------------------------------


def _name(n: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"


class DnsServer:
    """Answers A queries from ``chains`` (name -> CNAME targets); ``hang`` names get no answer;
    ``nx`` names get NXDOMAIN. Uses name compression for the question's name."""

    def __init__(self, chains, hang=(), nx=()):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.chains, self.hang, self.nx = chains, set(hang), set(nx)
        self.queries: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            qid = data[:2]
            labels, pos = [], 12
            while data[pos]:
                labels.append(data[pos + 1:pos + 1 + data[pos]].decode())
                pos += 1 + data[pos]
            name = ".".join(labels)
            question = data[12:pos + 5]
            self.queries.append(name)
            if name in self.hang:
                continue
            rcode = 3 if name in self.nx else 0
            answers = b""
            owner = b"\xc0\x0c"  # pointer to the question's name
            for target in self.chains.get(name, []):
                rdata = _name(target)
                answers += owner + struct.pack(">HHIH", 5, 1, 60, len(rdata)) + rdata
                owner = _name(target)
            count = len(self.chains.get(name, []))
            header = qid + struct.pack(">HHHHH", 0x8180 | rcode, 1, count, 0, 0)
            self.sock.sendto(header + question + answers, peer)

    def close(self):
        self.sock.close()


@pytest.fixture
def dns_server():
    server = DnsServer({"smetrics.shop-example.fr": ["shop-example.fr.ssl.sc.omtrdc.net",
                                                      "edge.omtrdc.net"]},
                       hang={"slow.shop-example.fr"}, nx={"gone.shop-example.fr"})
    yield server
    server.close()


def test_dns_client_follows_the_cname_chain(dns_server):
    answer = dns.query("smetrics.shop-example.fr", dns_server.address, 2.0)
    assert dns.cname_chain("smetrics.shop-example.fr", answer, dns_server.address) == [
        "shop-example.fr.ssl.sc.omtrdc.net", "edge.omtrdc.net"]


def test_dns_client_timeout_and_nxdomain(dns_server):
    start = time.monotonic()
    with pytest.raises(dns.DnsFailure) as e:
        dns.query("slow.shop-example.fr", dns_server.address, 0.3)
    assert e.value.status == "timeout" and time.monotonic() - start < 2
    answer = dns.query("gone.shop-example.fr", dns_server.address, 2.0)
    with pytest.raises(dns.DnsFailure) as e:
        dns.cname_chain("gone.shop-example.fr", answer, dns_server.address)
    assert e.value.status == "not-found"


def test_dns_client_refuses_a_malformed_answer():
    with pytest.raises(dns.DnsFailure, match="malformed"):
        dns.cname_chain("x.example", b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x03ab",
                        "s")


def test_online_cname_lookup_end_to_end_with_budget(write_har, dns_server):
    options = OnlineOptions(dns_server=dns_server.address, timeout=0.5, max_dns_queries=2,
                            protocols=(), use_cache=False)
    entries = [page(), entry("https://smetrics.shop-example.fr/id", ip=PAGE_IP),
               entry("https://slow.shop-example.fr/a", ip=PAGE_IP),
               entry("https://zz.shop-example.fr/a", ip=PAGE_IP)]
    a = run(write_har, entries, online=True, online_options=options)
    adobe = next(r for r in a.recipients if r.cloaked)
    assert adobe.cloaking[0].signal == "cname" and "omtrdc.net" in adobe.cloaking[0].detail
    dns_lookups = {lk.query: lk.status for lk in a.lookups if lk.protocol == "dns"}
    assert dns_lookups == {"slow.shop-example.fr": "timeout", "smetrics.shop-example.fr": "ok",
                           "zz.shop-example.fr": "skipped"}


def test_cname_lookup_without_a_resolver_is_recorded(monkeypatch):
    monkeypatch.setattr(dns, "default_server", lambda: None)
    look = CnameLookup(OnlineOptions())
    assert look.chain("a.example") == [] and look.lookups[0].status == "skipped"


# --- the site's own domains: first party, probable --------------------------------------------


def test_brand_token_with_asset_words_and_its_coincidences():
    rules = load_rules()
    assert brand_match("aftonbladet.se", "aftonbladet-cdn.se", rules)
    assert brand_match("scribd.com", "scribdassets.com", rules)
    assert brand_match("shop-example.fr", "shop-example-static.com", rules)
    assert not brand_match("free.fr", "freewheel.tv", rules)  # a word that starts alike
    assert not brand_match("ikea.com", "bikeadvisor.com", rules)  # inside another word
    assert not brand_match("orange.fr", "orange-juice-ads.com", rules)  # brand + other words
    assert not brand_match("bbc.co.uk", "bbc-cdn.com", rules)  # too short to be telling
    # the same name with and without hyphens; objects as an asset word (corriereobjects.it)
    assert brand_match("elmundo.es", "el-mundo.net", rules)
    assert brand_match("le-monde.fr", "lemonde-static.com", rules)
    assert brand_match("corriere.it", "corriereobjects.it", rules)
    assert not brand_match("elmundo.es", "el-mundo-ads.net", rules)  # other words stay out
    assert not brand_match("b-b-c.co.uk", "bbc-cdn.com", rules)  # still too short
    assert not brand_match("ikea.com", "b-ikea-dvisor.com", rules)  # inside other words


def test_brand_token_domain_is_probable_and_still_a_recipient(write_har):
    a = run(write_har, [page(), entry("https://img.shop-example-cdn.com/a.png", ip="203.0.113.5")])
    sib = rec(a, "domain:shop-example-cdn.com")
    assert sib is not None and sib.first_party_probable
    assert [r.signal for r in sib.first_party_reasons] == ["brand-token"]
    doc = json.loads(a.to_json())
    assert any(r["first_party_probable"] and r["first_party_reasons"] for r in doc["recipients"])
    # --first-party settles it: no longer a recipient
    b = run(write_har, [page(), entry("https://img.shop-example-cdn.com/a.png", ip="203.0.113.5")],
            first_party=("shop-example-cdn.com",))
    assert rec(b, "domain:shop-example-cdn.com") is None


def test_a_coincidental_brand_is_not_probable(write_har):
    a = analyze(write_har(har([entry("https://www.free.fr/", ip=PAGE_IP)
                               | {"_resourceType": "document"},
                               entry("https://ads.freewheel-media.com/x", ip="203.0.113.5")])),
                ip_source=ASN)
    fw = rec(a, "domain:freewheel-media.com")
    assert fw is not None and not fw.first_party_probable


def test_same_network_only_in_a_network_of_its_own(write_har):
    a = run(write_har, [page(), entry("https://cdn.xyzassets.net/a.js", ip="45.80.1.77")])
    sib = rec(a, "domain:xyzassets.net")
    assert sib.first_party_probable and sib.first_party_reasons[0].signal == "same-network"
    # a vendor CDN that is not the site's: same Cloudflare block as a Cloudflare-hosted page
    b = run(write_har, [entry(PAGE, ip="104.16.1.1") | {"_resourceType": "document"},
                        entry("https://cdn.vendor-widgets.net/w.js", ip="104.16.1.2")])
    assert not rec(b, "domain:vendor-widgets.net").first_party_probable
    # a network another organisation of the capture also uses is shared, too
    c = run(write_har, [page(), entry("https://cdn.xyzassets.net/a.js", ip="45.80.1.77"),
                        entry("https://www.google-analytics.com/g/collect", ip="45.80.1.99")])
    assert not rec(c, "domain:xyzassets.net").first_party_probable


def test_shared_cookie_but_not_a_generic_one(write_har):
    own = [("shopex_session", "1"), ("_ga", "x")]
    a = run(write_har, [page(cookies=own),
                        entry("https://api.sister-brand.com/cart", ip="203.0.113.5",
                              cookies=[("shopex_session", "2")])])
    assert rec(a, "domain:sister-brand.com").first_party_reasons[0].signal == "shared-cookie"
    b = run(write_har, [page(cookies=own),
                        entry("https://t.some-tracker.com/p", ip="203.0.113.5",
                              cookies=[("_ga", "y"), ("__cf_bm", "z")])])
    assert not rec(b, "domain:some-tracker.com").first_party_probable
    # a bare identifier name: an ad server's "uid" is not the site's
    c = run(write_har, [page(cookies=[("uid", "1")]),
                        entry("https://ad.some-exchange.com/match", ip="203.0.113.5",
                              cookies=[("UID", "2")])])
    assert not rec(c, "domain:some-exchange.com").first_party_probable


def test_tls_san_of_the_page_names_the_sister_domain(write_har):
    cert = {"subjectName": "www.shop-example.fr", "sanList": ["www.shop-example.fr",
                                                             "*.shopx-media.net"]}
    a = run(write_har, [page() | {"_tls": cert},
                        entry("https://i.shopx-media.net/a.jpg", ip="203.0.113.5")])
    assert rec(a, "domain:shopx-media.net").first_party_reasons[0].signal == "tls-san"


def test_a_known_vendor_is_never_the_site_even_with_the_brand(write_har):
    # the knowledge base gives doubleclick.net to Google: no guess overrides it
    a = run(write_har, [entry("https://www.doubleclick-fans.fr/", ip=PAGE_IP)
                        | {"_resourceType": "document"},
                        entry("https://ad.doubleclick.net/x", ip=PAGE_IP)])
    google = next(r for r in a.recipients if "ad.doubleclick.net" in r.hosts)
    assert not google.first_party_probable


def test_kb_group_sister_operator(tmp_path, write_har):
    override = tmp_path / "kb.toml"
    override.write_text('''
[entities.shopgroup]
name = "Shop Group SA"
country = "FR"
parent_established = true
sources = ["https://example.invalid/legal"]
[entities.shop-example]
name = "Shop Example SAS"
country = "FR"
parent = "shopgroup"
sources = ["https://example.invalid/legal"]
[entities.shop-media]
name = "Shop Media SAS"
country = "FR"
parent = "shopgroup"
sources = ["https://example.invalid/legal"]
[[services]]
id = "shop-example-site"
name = "Shop Example"
operator = "shop-example"
category = "other"
domains = ["shop-example.fr"]
sources = ["https://example.invalid/legal"]
[[services]]
id = "shop-media"
name = "Shop Media"
operator = "shop-media"
category = "cdn"
domains = ["sm-static.net"]
sources = ["https://example.invalid/legal"]
''')
    a = run(write_har, [page(), entry("https://a.sm-static.net/x.js", ip="203.0.113.5")],
            kb_override=(override,))
    r = rec(a, "org:shop-media")
    assert r.first_party_probable and r.first_party_reasons[0].signal == "kb-group"


# --- reports: shown as such, in an annex --------------------------------------------------------


def test_html_and_pdf_show_cloaked_and_probable_in_an_annex(write_har, tmp_path):
    from gdprmap.reports.html import render_html
    a = run(write_har, [page(), entry("https://smetrics.shop-example.fr/b/ss/rs/1/s1", ip=PAGE_IP),
                        entry("https://img.shop-example-cdn.com/a.png", ip="203.0.113.5")])
    html = render_html(a, "en")
    assert 'id="attribution"' in html and "Annex: the site&#39;s own host names" in html
    assert "smetrics.shop-example.fr" in html and "--first-party shop-example-cdn.com" in html
    fr = render_html(a, "fr")
    assert "Probablement le site lui-même" in fr
    pdf = tmp_path / "r.pdf"
    from gdprmap.reports.pdf import render_pdf
    render_pdf(a, pdf, "en")
    assert pdf.stat().st_size > 1000
    # nothing to say: no annex
    b = run(write_har, [page(), entry("https://www.google-analytics.com/g/collect?v=2",
                                      ip="203.0.113.5")])
    assert 'id="attribution"' not in render_html(b, "en")


def test_visited_pages_of_another_domain_are_probable(write_har):
    pages = [{"id": "p1", "title": "https://login.school-portal.com/signout",
              "startedDateTime": "2022-12-05T10:00:00.000+01:00", "pageTimings": {}},
             {"id": "p2", "title": "https://mathdrill.org/",
              "startedDateTime": "2022-12-05T10:00:01.000+01:00", "pageTimings": {}}]
    doc = har([entry("https://login.school-portal.com/signout", pageref="p1", ip=PAGE_IP)
               | {"_resourceType": "document"},
               entry("https://mathdrill.org/", pageref="p2", ip="203.0.113.5")
               | {"_resourceType": "document"},
               entry("https://t.tracker-unknown.com/p", pageref="p2", ip="203.0.113.6")],
              pages=pages)
    a = analyze(write_har(doc), ip_source=ASN)
    md = rec(a, "domain:mathdrill.org")
    assert md.first_party_probable and md.first_party_reasons[0].signal == "visited-page"
    assert not rec(a, "domain:tracker-unknown.com").first_party_probable


def test_home_page_first_in_a_capture_without_page_records(write_har):
    plain = [entry("http://www.news-site.com/", ip=PAGE_IP, pageref=None),
             entry("http://m.news-site.com/app.js", ip=PAGE_IP, pageref=None),
             entry("http://t.tracker-unknown.com/p?x=1", ip="203.0.113.6", pageref=None)]
    for e in plain:
        e.pop("pageref")
    a = analyze(write_har(har(plain)), ip_source=ASN)
    assert a.first_party_domains == ()  # not taken as first party (issue #3's rule stands)
    site = rec(a, "domain:news-site.com")
    assert site.first_party_probable and site.first_party_reasons[0].signal == "visited-page"
    assert not rec(a, "domain:tracker-unknown.com").first_party_probable
    # app-like traffic whose first request is a tracker's endpoint: not probable
    app = [entry("https://api.tracker-unknown.com/v1/events", ip="203.0.113.6", pageref=None)]
    app[0].pop("pageref")
    b = analyze(write_har(har(app)), ip_source=ASN)
    assert not rec(b, "domain:tracker-unknown.com").first_party_probable


def test_tls_reader_takes_every_producer_spelling():
    from gdprmap.importers.tls import tls_info
    # gdprmap capture (wt/capture's writer): san + subjectOrganization
    t = tls_info({"protocol": "TLS 1.3", "subjectName": "smetrics.shop-example.fr",
                  "issuer": "DigiCert", "san": ["smetrics.shop-example.fr"],
                  "subjectOrganization": "Adobe Inc."})
    assert t.organisation == "Adobe Inc." and t.sans == ("smetrics.shop-example.fr",)
    # Chrome DevTools SecurityDetails: sanList; an RFC 4514 subject carries O=
    t = tls_info({"subjectName": "CN=a.example, O=\"Example, Inc.\"", "sanList": ["A.example."]})
    assert t.organisation == "Example, Inc." and t.sans == ("a.example",)
    assert tls_info({"protocol": "TLS 1.3"}) is None and tls_info("x") is None


def test_same_registrant_as_the_site_with_online_lookups(write_har):
    from gdprmap.testing import StaticWhois
    whois = StaticWhois({
        "shop-example.fr": {"organisation": "Shop Example SAS", "country": "FR"},
        "sx-static.net": {"organisation": "SHOP EXAMPLE S.A.S.", "country": "FR"},
        "other-cdn.net": {"organisation": "Other Corp", "country": "US"},
        "hidden-cdn.net": {"redacted": ["organisation"]},
    })
    a = run(write_har, [page(), entry("https://a.sx-static.net/x.js", ip="203.0.113.5"),
                        entry("https://a.other-cdn.net/x.js", ip="203.0.113.6"),
                        entry("https://a.hidden-cdn.net/x.js", ip="203.0.113.7")],
            registration_source=whois)
    sx = rec(a, "domain:sx-static.net")
    assert sx.first_party_probable and sx.first_party_reasons[0].signal == "same-registrant"
    assert "Shop Example SAS" not in sx.first_party_reasons[0].detail or "shop-example.fr" in \
        sx.first_party_reasons[0].detail
    assert sx.verdict.value == "unknown"  # a reason, never a verdict
    assert not rec(a, "domain:other-cdn.net").first_party_probable  # another holder
    assert not rec(a, "domain:hidden-cdn.net").first_party_probable  # redacted: no evidence
    # the site's own registration is asked once
    assert [lk.query for lk in whois.lookups].count("shop-example.fr") == 1


COVERED = {  # signature id -> the test above that exercises it with a negative case
    "adobe-analytics-image-request": test_adobe_image_request_on_a_first_party_host_is_adobe_cloaked,
    "adobe-ecid-cookie": test_adobe_cookies_alone_never_cloak_a_host,
    "adobe-network": test_adobe_network_cloaks_only_when_the_page_is_elsewhere,
    "adobe-certificate": test_tls_certificate_organisation_and_san,
    "at-internet-hit": test_at_internet_hit_needs_the_path_and_the_site_parameter,
    "eulerian-collector": test_eulerian_collector_path,
    "commanders-act-events": test_commanders_act_events_need_the_site_and_the_source_key,
    "commanders-act-caid-cookie": test_commanders_act_caid_cookie_supports_but_never_cloaks_alone,
    "oracle-eloqua-visitor": test_eloqua_visitor_request_needs_the_path_and_the_site_id,
    "adobe-target-delivery": test_adobe_target_delivery_needs_the_client_and_the_session,
    "adobe-edge-network": test_adobe_edge_network_call_on_a_first_party_host,
    "mapp-intelligence-track": test_mapp_track_request_needs_the_track_id_and_p,
    "at-internet-network": test_at_internet_and_mapp_networks_cloak_a_custom_collection_domain,
    "mapp-network": test_at_internet_and_mapp_networks_cloak_a_custom_collection_domain,
}


def test_every_bundled_signature_has_its_test():
    assert {s.id for s in load_signatures().items} == set(COVERED)
