"""The Docker deployment, checked without a Docker engine (none runs on these machines).

docker-compose.yml is validated against the official Compose Specification schema
(vendored in tests/data, see tests/data/README.md), then checked for the properties the
multi-worker design depends on; the Chroma healthcheck is run for real against the Chroma
server that ships with the pinned chromadb package. `docker compose config` runs too where
the compose plugin exists.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


# --------------------------------------------------------------------------- helpers


def _pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins: dict[str, str] = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        pins[name.strip().lower()] = version.strip()
    return pins


_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


def _with_defaults(value: Any) -> Any:
    """Compose interpolation with every variable at its default, so checks don't depend on
    the environment of whoever runs the tests; `$$` becomes the `$` the container sees."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else (m.group("default") or ""), value)
    if isinstance(value, list):
        return [_with_defaults(v) for v in value]
    if isinstance(value, dict):
        return {k: _with_defaults(v) for k, v in value.items()}
    return value


def _mounts(service: dict) -> dict[str, dict[str, Any]]:
    """target → {type, source, read_only}, for short and long volume syntax alike."""
    mounts: dict[str, dict[str, Any]] = {}
    for entry in service.get("volumes", []):
        if isinstance(entry, str):
            parts = entry.split(":")
            source, target = parts[0], parts[1]
            mode = parts[2] if len(parts) > 2 else "rw"
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            mounts[target] = {"type": kind, "source": source, "read_only": "ro" in mode.split(",")}
        else:
            mounts[entry["target"]] = {
                "type": entry["type"], "source": entry.get("source"), "read_only": bool(entry.get("read_only")),
            }
    return mounts


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


@pytest.fixture(scope="module")
def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose(raw_compose: dict) -> dict:
    return _with_defaults(raw_compose)


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_errors(validator: jsonschema.protocols.Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(document)]


# --------------------------------------------------------------------------- (a) the Compose Specification


def test_compose_file_follows_the_compose_specification(raw_compose: dict, schema_validator) -> None:
    errors = _schema_errors(schema_validator, raw_compose)
    assert not errors, "docker-compose.yml does not follow the Compose Specification:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda c: c["services"]["api"]["depends_on"]["chroma"].update(condition="healthy"), id="bad-condition"),
        pytest.param(lambda c: c["services"]["chroma"].update(helthcheck=c["services"]["chroma"]["healthcheck"]), id="typo-key"),
        pytest.param(lambda c: c["services"]["api"]["command"].append(4), id="non-string-arg"),
    ],
)
def test_the_vendored_schema_rejects_broken_files(raw_compose: dict, schema_validator, break_it) -> None:
    """Guards against a schema that accepts anything (a truncated or mangled vendored copy)."""
    broken = copy.deepcopy(raw_compose)
    break_it(broken)
    assert _schema_errors(schema_validator, broken)


# --------------------------------------------------------------------------- (b) what the design depends on


def test_chroma_image_matches_the_pinned_client(compose: dict) -> None:
    version = _pins()["chromadb"]
    assert compose["services"]["chroma"]["image"] == f"chromadb/chroma:{version}"


def test_chroma_keeps_its_data_on_a_named_volume(compose: dict) -> None:
    # the image's /config.yaml sets persist_path: "/data"
    mount = _mounts(compose["services"]["chroma"]).get("/data")
    assert mount and mount["type"] == "volume" and mount["source"] in compose["volumes"]


def test_chroma_healthcheck_uses_only_what_the_image_has(raw_compose: dict, compose: dict) -> None:
    test = compose["services"]["chroma"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "bash"], "chromadb/chroma 1.x ships bash, but no curl, wget or python"
    script = " ".join(test[2:])
    assert "/api/v2/heartbeat" in script
    assert not re.search(r"\b(curl|wget|python3?)\b", script)
    # A single `$` would be interpolated by compose (to "" when unset) and the check could never pass.
    raw_script = " ".join(raw_compose["services"]["chroma"]["healthcheck"]["test"][2:])
    assert "$" not in raw_script.replace("$$", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Chroma server, the one the pinned chromadb package ships (`chroma run`)."""
    exe = Path(sys.executable).with_name("chroma")
    assert exe.exists(), f"{exe} missing: chromadb is a dependency and installs it"
    port = _free_port()
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not come up on port {port} (exit code {proc.poll()})")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run_probe(test: list[str], port: int, path: str = "/api/v2/heartbeat") -> int:
    script = test[-1]
    assert "/dev/tcp/127.0.0.1/8000" in script and "/api/v2/heartbeat" in script
    script = script.replace("/dev/tcp/127.0.0.1/8000", f"/dev/tcp/127.0.0.1/{port}").replace("/api/v2/heartbeat", path)
    return subprocess.run([*test[1:-1], script], capture_output=True, timeout=15).returncode


@pytest.mark.skipif(shutil.which("bash") is None, reason="the probe is a bash script")
def test_chroma_healthcheck_passes_on_a_live_server_and_fails_otherwise(compose: dict, chroma_port: int) -> None:
    test = compose["services"]["chroma"]["healthcheck"]["test"]
    assert _run_probe(test, chroma_port) == 0
    # a live server that does not answer 200 (Chroma 1.x answers 410 Gone on the v1 API)
    assert _run_probe(test, chroma_port, "/api/v1/heartbeat") != 0
    assert _run_probe(test, _free_port()) != 0  # nothing listening


def test_api_waits_for_a_healthy_chroma(compose: dict) -> None:
    assert compose["services"]["api"]["depends_on"]["chroma"]["condition"] == "service_healthy"


def test_api_and_ingest_use_the_chroma_service(compose: dict) -> None:
    from index.settings import Settings

    for name in ("api", "ingest"):
        env = compose["services"][name]["environment"]
        url = urlparse(Settings(chroma_url=env["VINDPLAATS_CHROMA_URL"]).chroma_url)
        assert url.scheme == "http" and url.hostname == "chroma" and url.port == 8000, name
        assert url.hostname in compose["services"]


def test_api_runs_several_uvicorn_workers_on_the_factory(compose: dict) -> None:
    from uvicorn.importer import import_from_string

    args = _command(compose["services"]["api"])
    assert args[0] == "uvicorn" and "--factory" in args
    workers = _option(args, "--workers") or compose["services"]["api"].get("environment", {}).get("WEB_CONCURRENCY")
    assert workers is not None and int(workers) > 1
    target = next(a for a in args[1:] if ":" in a and not a.startswith("-"))
    factory = import_from_string(target)
    from service.asgi import create

    assert factory is create


def test_api_healthcheck_asks_the_api_on_its_own_port(compose: dict) -> None:
    api = compose["services"]["api"]
    port = _option(_command(api), "--port")
    assert port == "8000" and any(str(p).endswith(f":{port}") for p in api["ports"])
    probe = " ".join(api["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/health" in probe


def test_api_and_ingest_share_the_data_volume(compose: dict) -> None:
    seen = set()
    for name in ("api", "ingest"):
        service = compose["services"][name]
        data_dir = service["environment"]["VINDPLAATS_DATA_DIR"]
        mount = _mounts(service).get(data_dir)
        assert mount and mount["type"] == "volume" and not mount["read_only"], f"{name}: {data_dir} is not a writable volume"
        assert mount["source"] in compose["volumes"]
        seen.add(mount["source"])
    assert len(seen) == 1, f"api and ingest mount different volumes: {seen}"
    chroma_volumes = {m["source"] for m in _mounts(compose["services"]["chroma"]).values()}
    assert not seen & chroma_volumes, "the data dir must not share Chroma's volume"


def test_ingest_is_a_one_shot_job_on_a_read_only_corpus(compose: dict) -> None:
    ingest = compose["services"]["ingest"]
    assert ingest.get("restart", "no") == "no"
    assert ingest.get("profiles"), "a profile keeps the job out of a plain `docker compose up`"
    args = _command(ingest)
    assert args[:2] == ["vindplaats", "ingest"]
    corpus = _mounts(ingest).get(args[2])
    assert corpus and corpus["type"] == "bind" and corpus["read_only"]
    assert ingest["depends_on"]["chroma"]["condition"] == "service_healthy"


# --------------------------------------------------------------------------- (c) the Dockerfile


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        keyword, _, rest = pending.partition(" ")
        out.append((keyword.upper(), rest.strip()))
        pending = ""
    return out


def _index(instructions: list[tuple[str, str]], keyword: str, predicate) -> int:
    hits = [i for i, (k, a) in enumerate(instructions) if k == keyword and predicate(a)]
    assert hits, f"no {keyword} matching {predicate.__doc__ or 'the condition'}"
    return hits[0]


def _env(args: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(args) if "=" in pair)


def test_dockerfile_installs_cpu_torch_before_the_project_then_converts_the_model() -> None:
    steps = _instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")

    def torch_cpu(args: str) -> bool:
        """pip install torch==<pyproject pin> --index-url <CPU index>"""
        tokens = shlex.split(args)
        return (f"torch=={_pins()['torch']}" in tokens and "install" in tokens
                and _option(tokens, "--index-url") == CPU_INDEX)

    def project(args: str) -> bool:
        """pip install ."""
        tokens = shlex.split(args)
        return tokens[:2] == ["pip", "install"] and "." in tokens

    def setup(args: str) -> bool:
        """vindplaats setup"""
        return shlex.split(args) == ["vindplaats", "setup"]

    torch_at = _index(steps, "RUN", torch_cpu)
    project_at = _index(steps, "RUN", project)
    setup_at = _index(steps, "RUN", setup)
    assert torch_at < project_at < setup_at

    # The model cache is set as ENV (it must survive into the running container) before setup,
    # never changed afterwards, and lies outside every VOLUME (a volume would hide it).
    cache_envs = [(i, _env(a)["VINDPLAATS_MODEL_CACHE"]) for i, (k, a) in enumerate(steps)
                  if k == "ENV" and "VINDPLAATS_MODEL_CACHE" in _env(a)]
    assert len(cache_envs) == 1 and cache_envs[0][0] < setup_at
    cache = PurePosixPath(cache_envs[0][1])
    assert cache.is_absolute()
    volumes = [PurePosixPath(v) for k, a in steps if k == "VOLUME" for v in json.loads(a)]
    assert volumes and not any(cache == v or v in cache.parents for v in volumes)


def test_dockerfile_runs_as_a_user_and_serves_on_8000() -> None:
    steps = _instructions()
    users = [(i, a) for i, (k, a) in enumerate(steps) if k == "USER"]
    assert users and users[-1][1] not in ("root", "0", "0:0")
    setup_at = next(i for i, (k, a) in enumerate(steps) if k == "RUN" and a == "vindplaats setup")
    assert users[-1][0] > setup_at
    assert ("EXPOSE", "8000") in steps
    assert any(k == "CMD" for k, _ in steps)


def test_dockerfile_copies_every_package_the_wheel_needs() -> None:
    """The Dockerfile copies packages one by one; a new package in pyproject must be copied too."""
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    copied = {PurePosixPath(shlex.split(a)[0]).parts[0] for k, a in _instructions() if k == "COPY"}
    assert {p.split(".")[0] for p in packages} <= copied


def test_dockerignore_keeps_local_state_out() -> None:
    entries = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines() if line.strip()}
    assert {".git", ".venv", "data", "reports"} <= entries


# --------------------------------------------------------------------------- (d) docker compose itself


def _compose_plugin() -> str | None:
    """Why `docker compose` cannot be used here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker client on this machine"
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"the docker client has no compose plugin ({(probe.stderr or probe.stdout).strip().splitlines()[0]})"
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    reason = _compose_plugin()
    if reason:
        pytest.skip(reason)
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- service/asgi.py


def test_asgi_module_reads_no_settings_at_import() -> None:
    """In a fresh interpreter: a bad VINDPLAATS_ value must not break the import, only create()."""
    script = (
        "import service.asgi as m\n"
        "print('imported')\n"
        "from pydantic import ValidationError\n"
        "try:\n"
        "    m.create()\n"
        "except ValidationError as exc:\n"
        "    print('rejected', exc.errors()[0]['loc'][0])\n"
    )
    env = {**os.environ, "VINDPLAATS_PORT": "not-a-port"}
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["imported", "rejected port"]


def test_asgi_factory_builds_the_app_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """create() reads the settings it is started with and leaves the index to the lifespan."""
    from fastapi import FastAPI

    from service.asgi import create

    data_dir = tmp_path / "data"
    monkeypatch.setenv("VINDPLAATS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("VINDPLAATS_CHROMA_URL", "http://chroma:8000")
    app = create()
    assert isinstance(app, FastAPI)
    assert app.state.settings.chroma_url == "http://chroma:8000"
    assert app.state.settings.data_dir == data_dir
    assert "/health" in {getattr(r, "path", None) for r in app.routes}
    assert not data_dir.exists(), "create() must not open the data dir; the lifespan does"
