"""Fixtures for the end-to-end tests: the CLI and the real app window.

- `data_dir`: a fresh, not-yet-existing data directory per test.
- `run_cli(*args, input=None, ...)`: runs `switchboard --data-dir <data_dir> ARGS`, as the
  seeded admin (the data dir is set up through `switchboard setup` first) unless told otherwise.
- `app`: the real Switchboard window, driven over WebDriver (tauri-driver + WebKitWebDriver),
  started with `--data-dir <data_dir>` and signed in as the admin; see `harness.App`.
- `start_app(env=..., args=..., data_dir=..., background_checks=False, user=..., role=...,
  first_run=False)`: more windows, or one with a changed environment, another user, the
  sign-in or the setup screen. Background connection tests are off unless asked for.
- `fakes`: the fake Twilio, Square and QuickBooks servers (one process per session, reset before
  each test); see `harness.FakeProviders`.
- `receiver`: a webhook receiver on 127.0.0.1 that records what it gets and answers per path
  (200 unless told otherwise); see `receiver.Receiver`.
- `keyring_mode`: which keychain scripts/with-keyring.sh set up ("unlocked", "locked", ...), or
  None when the tests run outside it.

Run them with scripts/e2e.sh (Xvfb + a throwaway gnome-keyring); see tests/README.md.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness import (
    ARTIFACTS_DIR,
    App,
    AppLauncher,
    Cli,
    FakeProviders,
    PrivateKeyring,
    TauriDriver,
    find_binary,
    safe_name,
)
from receiver import Receiver


@pytest.fixture(scope="session")
def cli_binary() -> Path:
    return find_binary("SWITCHBOARD_CLI", "switchboard")


@pytest.fixture(scope="session")
def app_binary() -> Path:
    return find_binary("SWITCHBOARD_APP", "switchboard-app")


@pytest.fixture(scope="session")
def keyring_mode() -> str | None:
    """Set by scripts/with-keyring.sh; None when the tests were started outside it."""
    return os.environ.get("SWITCHBOARD_TEST_KEYRING")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    # Deliberately not created: the app and the CLI must create their data directory themselves.
    return tmp_path / "data"


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under target/e2e-artifacts/ for logs and screenshots."""
    path = ARTIFACTS_DIR / safe_name(request.node.nodeid)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def run_cli(cli_binary: Path, data_dir: Path, request: pytest.FixtureRequest) -> Cli:
    """`run_cli("info", "--json")` -> CompletedProcess (text, never raises on a non-zero exit).

    Every command but `info` and `setup` acts for the admin: the data dir is set up first
    (clinic "Test Clinic", admin "admin", harness.ADMIN_PASSWORD), and the command gets
    `--user admin --password-stdin` with the password as the first line of its stdin.

    Keyword arguments: `input=` (stdin text, after the password), `env={"NAME": value or None
    to unset}`, `data_dir=` (another directory, or None to pass no --data-dir), `timeout=`
    (seconds), `user=` (another user, or None for nobody), `password=` (instead of the known
    one). `run_cli.json(*args)` asserts success and returns the parsed stdout;
    `run_cli.add_user("frank", "front_desk")` adds a user and remembers their password.
    """
    cli = Cli(cli_binary, data_dir)
    request.node.e2e_cli = cli  # for the failure report, even when a fixture failed
    return cli


@pytest.fixture(scope="session")
def tauri_driver(tmp_path_factory: pytest.TempPathFactory):
    """One tauri-driver per test session, on free ports; only started if a test needs the app."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        pytest.fail(
            "No DISPLAY: the app needs an X server. Run the tests with scripts/e2e.sh "
            "(it starts Xvfb), or under `xvfb-run -a`.",
            pytrace=False,
        )
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    driver = TauriDriver(log_path=ARTIFACTS_DIR / "tauri-driver.log")
    driver.start()
    yield driver
    driver.stop()


@pytest.fixture
def start_app(app_binary: Path, tauri_driver: TauriDriver, data_dir: Path, artifacts: Path,
              run_cli: Cli, request: pytest.FixtureRequest):
    """Starts app windows on demand, signed in as the seeded admin unless told otherwise:
    `start_app(user="frank")`, `start_app(role="front_desk")`, `start_app(user=None)` (stays on
    the sign-in screen), `start_app(first_run=True)` (the setup screen), `env={"NAME": None}`,
    `args=[...]`, `data_dir=...`. See `harness.AppLauncher`."""
    launcher = AppLauncher(tauri_driver, app_binary, data_dir, artifacts, cli=run_cli)
    request.node.e2e_launcher = launcher  # for the failure report, even when `app` failed
    yield launcher
    launcher.quit_all()


@pytest.fixture
def app(start_app: AppLauncher) -> App:
    """The real app window, started fresh for this test with `--data-dir <data_dir>`, the data
    dir set up through the CLI and the admin signed in (on the dashboard)."""
    return start_app()


@pytest.fixture(scope="session")
def fakes_binary() -> Path:
    return find_binary("SWITCHBOARD_FAKES", "switchboard-fake-providers")


@pytest.fixture(scope="session")
def _fakes_process(fakes_binary: Path):
    """One fake-providers process per session; started only if a test asks for `fakes`."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    fakes = FakeProviders(fakes_binary, log_path=ARTIFACTS_DIR / "fake-providers.log")
    fakes.start()
    yield fakes
    fakes.stop()


@pytest.fixture
def fakes(_fakes_process: FakeProviders) -> FakeProviders:
    """The fake providers, reset for this test: every scenario `ok`, no recorded requests.

    `fakes.base_url` (an integration's custom base URL), `fakes.set("square",
    {"scenario": "wrong_credentials"})`, `fakes.requests()`, `fakes.reset()`.
    """
    if not _fakes_process.alive():
        _fakes_process.stop()
        _fakes_process.start()  # it died during an earlier test: that one failed, not this one
    _fakes_process.reset()
    return _fakes_process


@pytest.fixture
def other_keyring(tmp_path: Path):
    """Another computer's keychain: a fresh, unlocked, empty gnome-keyring on a private session
    bus (scripts/with-keyring.sh). `start_app(env=other_keyring.env)` uses it. Ends with the test."""
    keyring = PrivateKeyring("unlocked", tmp_path / "other-keyring.log")
    yield keyring
    keyring.stop()


@pytest.fixture
def receiver():
    """A webhook receiver for this test: `receiver.url("/path")`, `receiver.answer("/path", 410)`,
    `receiver.wait_for(match)`, `receiver.received(path)`. Stopped after the test."""
    server = Receiver()
    yield server
    server.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On failure, attach what a reader needs: page text, screenshot, app log, CLI calls."""
    outcome = yield
    report = outcome.get_result()
    # "setup" too: the `app` fixture signs in, and a sign-in that fails is a setup error.
    if report.when not in ("setup", "call") or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    launcher = getattr(item, "e2e_launcher", None)
    if isinstance(launcher, AppLauncher):
        for handle in launcher.apps:
            for title, text in handle.diagnostics("failure"):
                report.sections.append((f"e2e: {handle.name}: {title}", text))
    cli = getattr(item, "e2e_cli", None)
    if isinstance(cli, Cli) and cli.history:
        report.sections.append(("e2e: CLI calls", cli.describe_history()))
    fakes = funcargs.get("fakes")
    if isinstance(fakes, FakeProviders):
        report.sections.append(("e2e: requests the fake providers received",
                                fakes.describe_requests()))
    hooks = funcargs.get("receiver")
    if isinstance(hooks, Receiver):
        report.sections.append(("e2e: requests the webhook receiver got", hooks.describe()))
