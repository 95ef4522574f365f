"""The proxy's configuration (benchmarks/scale/nginx_config.py): one template for the loopback topology and
docker-compose's ``proxy`` service, which nginx itself accepts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from benchmarks.scale.nginx_config import PLACEHOLDER, TEMPLATE, find_nginx, render_template, write_config
from tests.conftest import REPO_ROOT


def test_the_template_fills_every_placeholder_and_streams_events_unbuffered(tmp_path: Path) -> None:
    conf = write_config(tmp_path / "nginx", 18080, [18001, 18002])
    server = (tmp_path / "nginx" / "skylabel.conf").read_text()
    assert not PLACEHOLDER.findall(server)
    assert "server 127.0.0.1:18001 max_fails=1" in server and "server 127.0.0.1:18002 max_fails=1" in server
    assert "listen 127.0.0.1:18080;" in server
    events = server.split("location ~ ^/api/images/[0-9]+/events$")[1]
    assert "proxy_buffering off;" in events and "proxy_read_timeout 1h;" in events
    assert "proxy_http_version 1.1;" in server and "proxy_set_header Host $http_host;" in server
    assert f"include {tmp_path / 'nginx' / 'skylabel.conf'};" in conf.read_text()
    with pytest.raises(ValueError, match="SKYLABEL_PROXY_LISTEN"):
        render_template({"SKYLABEL_UPSTREAM_SERVERS": "server a:1;"})


def test_nginx_accepts_the_written_configuration(tmp_path: Path) -> None:
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (make test-deps installs it): its syntax check is not run")
    folder = tmp_path / "nginx"
    conf = write_config(folder, 18080, [18001, 18002])
    done = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_compose_puts_the_same_file_in_front_of_two_api_replicas() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    proxy, api = compose["services"]["proxy"], compose["services"]["api"]
    assert proxy["image"].startswith("nginx")
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert (REPO_ROOT / mounted[0]).resolve() == TEMPLATE.resolve()
    assert set(proxy["environment"]) >= {"SKYLABEL_UPSTREAM_SERVERS", "SKYLABEL_PROXY_LISTEN"}
    assert "api:8000" in proxy["environment"]["SKYLABEL_UPSTREAM_SERVERS"]
    assert api["deploy"]["replicas"] == 2 and "ports" not in api  # only the proxy is published
    assert "api" in proxy["depends_on"]
