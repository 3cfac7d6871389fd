"""TrackerControl and PCAPdroid CSV exports: connection flows, the app as the first party."""

import pytest
from importer_helpers import FIXTURES, read

from gdprmap.errors import InputError
from gdprmap.importers import REGISTRY
from gdprmap.importers.connections import developer_domain


@pytest.mark.parametrize(("package", "domain"), [
    ("com.example.app", "example.com"),
    ("de.check24.check24", "check24.de"),
    ("uk.co.bbc.iplayer", "bbc.co.uk"),
    ("app", None),
    ("not a package", None),
])
def test_developer_domain(package, domain):
    assert developer_domain(package) == domain


def test_trackercontrol_one_app_layout_takes_the_package_from_the_file_name():
    flows, info, _ = read(FIXTURES / "com.example.booking_20240405.csv")
    assert info.format == "trackercontrol-csv (one-app)" and info.apps == ("com.example.booking",)
    assert info.first_party_hints == ("example.com",)
    assert [f.host for f in flows] == ["app-measurement.com", "2001:db8::5", "cdn.example.com"]
    assert flows[1].url == "https://[2001:db8::5]/" and flows[1].server_ip == "2001:db8::5"
    assert "TrackerControl: hostname attribution uncertain" in flows[1].notes
    assert all(f.method == "CONNECT" and f.resource_type == "connection" for f in flows)


def test_trackercontrol_times_are_epoch_milliseconds():
    flows, info, _ = read(FIXTURES / "trackercontrol_log_20240405.csv")
    assert flows[0].started.isoformat() == "2024-04-05T08:57:11.146000+00:00"
    assert info.apps == ("com.example.booking", "uk.co.bbc.iplayer")


def test_pcapdroid_dns_row_is_a_flow_to_the_resolver():
    flows, info, _ = read(FIXTURES / "pcapdroid-connections.csv")
    dns = next(f for f in flows if f.resource_type == "dns")
    assert dns.host == dns.server_ip == "10.215.173.2" and dns.port == 53
    assert "DNS query for graph.facebook.com" in dns.notes
    http = next(f for f in flows if f.scheme == "http")
    assert http.url == "http://api.example.com/" and http.server_ip == "93.184.216.34"
    assert info.first_seen.isoformat() == "2024-04-05T10:57:01+02:00"
    assert info.last_seen.isoformat() == "2024-04-05T10:57:09+02:00"  # LastSeen counts
    assert "10.215.173.1" not in str([f.model_dump() for f in flows])  # the device's address


def test_pcapdroid_har_is_read_by_the_har_importer():
    flows, info, _ = read(FIXTURES / "pcapdroid.har")
    assert info.format == "har" and info.producer == "PCAPdroid 1.7.0"
    assert [f.host for f in flows] == ["graph.facebook.com", "api2.branch.io"]


def test_sniffing_is_by_content_not_name(tmp_path):
    moved = tmp_path / "capture.txt"
    moved.write_bytes((FIXTURES / "pcapdroid-connections.csv").read_bytes())
    assert read(moved)[1].format == "pcapdroid-csv"
    assert REGISTRY["trackercontrol-csv"].sniff(moved, moved.read_bytes()) is False


@pytest.mark.parametrize(("row", "field"), [
    ('"1","api.example.com","yesterday","0","","","com.x.y","X"', "time"),
    ('"1","not a host!","1712307431146","0","","","com.x.y","X"', "daddr"),
    ('"1","api.example.com","1712307431146","7","","","com.x.y","X"', "uncertain"),
    ('"1","api.example.com","1712307431146"', "row"),
])
def test_bad_trackercontrol_rows(tmp_path, row, field):
    path = tmp_path / "t.csv"
    good = '"1","a.example.com","1712307431146","0","","","com.x.y","X"'
    path.write_text('"uid","daddr","time","uncertain","Tracker","Category","Package","App"\n'
                    f"{good}\n{row}\n{good}\n")
    with pytest.raises(InputError) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: entry 1: {field}: ")
    flows, info, skipped = read(path, skip_bad_entries=True)
    assert [f.entry for f in flows] == [0, 2] and info.skipped == 1
    assert skipped[0].entry == 1 and skipped[0].reason.startswith(field)


def test_bad_pcapdroid_rows(tmp_path):
    lines = (FIXTURES / "pcapdroid-connections.csv").read_text().splitlines()
    lines[2] = lines[2].replace("93.184.216.34,80", "93.184.216.34,99999")
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"entry 1: DstPort: not a port number"):
        read(path)
    assert len(read(path, skip_bad_entries=True)[0]) == 3


def test_huge_csv_cell_is_an_input_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("daddr,time,uncertain,Tracker Name,Tracker Category\n"
                    f"a.example.com,1712307431146,0,{'x' * (1 << 20)},\n")
    with pytest.raises(InputError, match="not valid CSV"):
        read(path)
