"""nginx for the loopback topology: the one server template (nginx/skylabel.conf.template, which
docker-compose's ``proxy`` service also uses) inside a minimal ``nginx.conf`` whose files all live in one folder."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).parent / "nginx" / "skylabel.conf.template"
PLACEHOLDER = re.compile(r"\$\{(SKYLABEL_[A-Z_]+)\}")
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


def find_nginx() -> str | None:
    for name in NGINX_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_template(values: dict[str, str], template: Path = TEMPLATE) -> str:
    """The template with its ``${SKYLABEL_...}`` placeholders filled (as the nginx image's envsubst does)."""
    text = template.read_text()
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise ValueError(f"nginx template needs {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def upstream_servers(ports: list[int], host: str = "127.0.0.1") -> str:
    return " ".join(f"server {host}:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def write_config(folder: Path, listen_port: int, api_ports: list[int]) -> Path:
    """Write ``nginx.conf`` (and the filled server file) into ``folder``; returns the nginx.conf path."""
    folder.mkdir(parents=True, exist_ok=True)
    server = render_template({"SKYLABEL_UPSTREAM_SERVERS": upstream_servers(api_ports),
                              "SKYLABEL_PROXY_LISTEN": f"127.0.0.1:{listen_port}"})
    (folder / "skylabel.conf").write_text(server)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers of a root master would otherwise be `nobody`
    main = f"""# written by benchmarks/scale/nginx_config.py for the loopback topology
{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/skylabel.conf;
}}
"""
    path = folder / "nginx.conf"
    path.write_text(main)
    return path
