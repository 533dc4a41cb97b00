"""The machinery behind the fixtures: finding binaries, tauri-driver, the app handle, the CLI.

Kept out of conftest.py so that tests and helper scripts can import it. Rules that keep it
robust on a busy 2-core machine:
- every wait is an explicit poll with a generous deadline (E2E_TIMEOUT, default 15 s);
  never a bare sleep standing in for a condition;
- only keep-alive HTTP clients talk to tauri-driver (Selenium's urllib3 pool, http.client):
  tauri-driver 2.1.0 breaks intermittently on `Connection: close` requests;
- screenshots wait for two animation frames first, or WebKit may hand back a stale frame.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TypeVar

import urllib3
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "target" / "e2e-artifacts"
TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "15"))

T = TypeVar("T")

_DEFAULT = object()

# Every data dir a test touches is set up with this clinic and admin before the first command
# that acts for a user (see `Cli.seed`). The passwords pass the app's policy (10+ characters,
# zxcvbn score 3+, nothing from the username or the clinic's name).
CLINIC_NAME = "Test Clinic"
ADMIN = "admin"
ADMIN_PASSWORD = "tulip-ferry-49-granite"
# What `Cli.add_user` gives a user of each role unless told otherwise.
ROLE_PASSWORDS = {
    "admin": "copper-wren-62-meadow",
    "manager": "granite-heron-57-lantern",
    "front_desk": "fern-otter-88-basalt",
}
ROLE_LABELS = {"admin": "Admin", "manager": "Manager", "front_desk": "Front desk"}


def safe_name(text: str) -> str:
    """A file-system-friendly version of a pytest node id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


def find_binary(env_var: str, name: str) -> Path:
    """$env_var if set, else target/debug/<name>; fails the test with a hint when it is missing."""
    import pytest

    configured = os.environ.get(env_var)
    path = Path(configured) if configured else REPO_ROOT / "target" / "debug" / name
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"{name} not found at {path}. Build it first (`make build`), "
            f"or point {env_var} at it.",
            pytrace=False,
        )
    return path.resolve()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, max_chars: int = 4000, start: int = 0) -> str:
    """The last max_chars of a file from byte offset `start`, or a note that it is empty."""
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read()
    except OSError as err:
        return f"(cannot read {path}: {err})"
    text = data.decode("utf-8", "replace")
    if not text.strip():
        return f"({path} is empty)"
    return text[-max_chars:]


def poll(
    condition: Callable[[], T],
    timeout: float = TIMEOUT,
    interval: float = 0.1,
    message: str = "condition",
) -> T:
    """Calls `condition` until it returns something truthy, and returns that; raises on timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (NoSuchElementException, StaleElementReferenceException) as err:
            last_error = err
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutException(f"timed out after {timeout:.0f} s waiting for {message}{detail}")
        time.sleep(interval)


def read_lines(stream: Any, count: int, timeout: float, what: str) -> list[str]:
    """Reads `count` lines from a child's stdout pipe, failing after `timeout` seconds instead of
    hanging when the child never writes them."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-lines")
    future = pool.submit(lambda: [stream.readline() for _ in range(count)])
    pool.shutdown(wait=False)
    try:
        raw = future.result(timeout=timeout)
    except FutureTimeout:
        raise TimeoutException(f"{what}: no {count} lines within {timeout:.0f} s") from None
    lines = [line.decode("utf-8", "replace") if isinstance(line, bytes) else line for line in raw]
    if any(not line.endswith("\n") for line in lines):
        raise RuntimeError(f"{what}: output ended early: {lines!r}")
    return [line.rstrip("\n") for line in lines]


# --------------------------------------------------------------------------------------------
# tauri-driver


class TauriDriver:
    """tauri-driver on free ports, with its (and WebKitWebDriver's) output in a log file."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.binary = self._find()
        self.port = free_port()
        self.native_port = free_port()
        while self.native_port == self.port:
            self.native_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _find() -> Path:
        import pytest

        candidates = [
            os.environ.get("TAURI_DRIVER"),
            str(REPO_ROOT / ".tools" / "bin" / "tauri-driver"),
            shutil.which("tauri-driver"),
        ]
        for candidate in candidates:
            if candidate and Path(candidate).is_file():
                return Path(candidate)
        pytest.fail(
            "tauri-driver not found. scripts/e2e.sh installs it into .tools/ with\n"
            "  cargo install tauri-driver --locked --version 2.1.0 --root .tools\n"
            "or set TAURI_DRIVER.",
            pytrace=False,
        )
        raise AssertionError("unreachable")

    def start(self) -> None:
        cmd = [str(self.binary), "--port", str(self.port), "--native-port", str(self.native_port)]
        native = shutil.which("WebKitWebDriver")
        if native is None:
            import pytest

            pytest.fail(
                "WebKitWebDriver not found: apt-get install -y webkit2gtk-driver", pytrace=False
            )
        cmd += ["--native-driver", native]
        log = open(self.log_path, "ab")
        log.write(f"\n=== {time.strftime('%H:%M:%S')} {shlex.join(cmd)}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        # tauri-driver accepts connections before WebKitWebDriver listens, so wait for a real
        # /status answer from the native driver behind it.
        poll(self._ready, timeout=max(TIMEOUT, 30), interval=0.2, message=f"tauri-driver at {self.url}")

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"tauri-driver exited with code {self.process.returncode}:\n{tail(self.log_path)}"
            )
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/status")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                return False
            value = json.loads(body).get("value", {})
            return bool(value.get("ready", True))
        except (OSError, http.client.HTTPException, ValueError):
            return False
        finally:
            conn.close()

    def restart(self) -> None:
        """Stops tauri-driver (and so WebKitWebDriver) and starts a fresh one on new ports."""
        self.stop()
        self.port = free_port()
        self.native_port = free_port()
        while self.native_port == self.port:
            self.native_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


# --------------------------------------------------------------------------------------------
# The app


def _app_wrapper(app_binary: Path, log_path: Path, pid_path: Path, directory: Path,
                 env: Mapping[str, str | None]) -> Path:
    """A tiny launcher that `exec`s the app with its stdout and stderr in log_path.

    WebKitWebDriver starts the application itself (with tauri-driver's environment); this is how
    each test gets the app's own output (tracing logs, panics) as an artifact, and how a test can
    change the app's environment (`None` unsets a variable). `exec` keeps the PID, so
    WebKitWebDriver still ends the app when the session is deleted, and the PID written to
    pid_path is the app's: the harness watches it to notice an app that dies while starting.
    """
    lines = ["#!/bin/sh", f"echo $$ >{shlex.quote(str(pid_path))}"]
    for key, value in env.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"not an environment variable name: {key!r}")
        lines.append(f"unset {key}" if value is None else f"export {key}={shlex.quote(value)}")
    lines.append(f'exec {shlex.quote(str(app_binary))} "$@" >>{shlex.quote(str(log_path))} 2>&1')
    wrapper = directory / f"launch-{log_path.stem}.sh"
    wrapper.write_text("\n".join(lines) + "\n")
    wrapper.chmod(0o755)
    return wrapper


class AppStartError(RuntimeError):
    """The app did not come up as a WebDriver session."""


def _process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _create_session(driver: TauriDriver, options: ArgOptions, pid_path: Path) -> webdriver.Remote:
    """POST /session, while watching the app: WebKitWebDriver waits forever for an app that
    exited during start-up, so notice that ourselves, restart tauri-driver (which unblocks the
    pending request and gives the next test a clean driver) and fail now with the app's output."""
    # keep_alive matters: tauri-driver 2.1.0 drops requests after a `Connection: close`.
    config = ClientConfig(remote_server_addr=driver.url, keep_alive=True, timeout=120)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webdriver-session")
    future = pool.submit(webdriver.Remote, command_executor=driver.url, options=options,
                         client_config=config)
    pool.shutdown(wait=False)
    deadline = time.monotonic() + max(4 * TIMEOUT, 60)
    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:
            pass
        pid = pid_path.read_text().strip() if pid_path.exists() else ""
        if pid.isdigit() and not _process_alive(int(pid)):
            driver.restart()
            raise AppStartError(f"the app (pid {pid}) exited while starting")
        if time.monotonic() > deadline:
            driver.restart()
            raise AppStartError(f"no WebDriver session after {max(4 * TIMEOUT, 60):.0f} s")


def new_app_session(
    driver: TauriDriver,
    app_binary: Path,
    data_dir: Path,
    artifacts: Path,
    extra_args: Iterable[str] = (),
    env: Mapping[str, str | None] | None = None,
    name: str = "app",
) -> "App":
    """Starts the app through tauri-driver and waits until it shows its first screen: setup,
    sign-in, the lock screen or the shell (the sidebar)."""
    app_log = artifacts / f"{name}.log"
    pid_path = artifacts / f"{name}.pid"
    launcher = _app_wrapper(app_binary, app_log, pid_path, artifacts, env or {})
    args = ["--data-dir", str(data_dir), *extra_args]
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": str(launcher), "args": args})

    session = None
    errors: list[str] = []
    for attempt in range(1, 3):  # one retry: session creation is the step most exposed to load
        log_start = driver.log_size()
        pid_path.unlink(missing_ok=True)
        try:
            session = _create_session(driver, options, pid_path)
            break
        except AppStartError as err:
            errors.append(f"attempt {attempt}: {err}")
            break  # the app itself failed: retrying would only repeat it
        except (WebDriverException, OSError, urllib3.exceptions.HTTPError) as err:
            message = err.msg if isinstance(err, WebDriverException) else str(err)
            errors.append(f"attempt {attempt}: {type(err).__name__}: {message}")
            time.sleep(1)
    if session is None:
        raise AppStartError(
            f"Could not start {app_binary} {shlex.join(args)} over WebDriver.\n"
            + "\n".join(errors)
            + f"\n--- app output ({app_log}) ---\n{tail(app_log)}"
            + f"\n--- tauri-driver log ---\n{tail(driver.log_path, start=log_start)}"
        )
    handle = App(session, data_dir=data_dir, artifacts=artifacts, app_log=app_log,
                 driver_log=driver.log_path, driver_log_start=log_start, name=name)
    try:
        handle.wait_screen()
    except Exception:
        for title, text in handle.diagnostics(f"{name}-startup-failure"):
            print(f"--- {title} ---\n{text}")
        handle.quit()
        raise
    return handle


class App:
    """A page-object-ish handle on the running app. Elements are found by `data-testid`."""

    SECTIONS = ("dashboard", "integrations", "webhooks", "delivery-log", "audit-log", "settings")

    def __init__(
        self,
        driver: webdriver.Remote,
        *,
        data_dir: Path,
        artifacts: Path,
        app_log: Path,
        driver_log: Path,
        driver_log_start: int = 0,
        name: str = "app",
    ):
        self.name = name
        self.driver = driver
        self.data_dir = data_dir
        self.artifacts = artifacts
        self.app_log = app_log
        self._driver_log = driver_log
        self._driver_log_start = driver_log_start
        # Who this window signed in as (set by sign_in / set_up), None before that.
        self.user: str | None = None

    # ---- finding things

    @staticmethod
    def selector(testid: str) -> str:
        return f'[data-testid="{testid}"]'

    def wait(self, condition: Callable[[webdriver.Remote], T], timeout: float | None = None,
             message: str = "") -> T:
        """WebDriverWait with our defaults; `condition(driver)` returns a truthy value when done."""
        return WebDriverWait(
            self.driver,
            timeout or TIMEOUT,
            poll_frequency=0.1,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        ).until(condition, message)

    def find(self, testid: str, timeout: float | None = None, visible: bool = True) -> WebElement:
        """Waits for the element with this data-testid (visible, unless visible=False)."""

        def present(driver: webdriver.Remote) -> WebElement | bool:
            element = driver.find_element(By.CSS_SELECTOR, self.selector(testid))
            return element if (not visible or element.is_displayed()) else False

        state = "visible " if visible else ""
        return self.wait(present, timeout, f"{state}element [data-testid={testid!r}]")

    def find_all(self, css: str) -> list[WebElement]:
        """All elements matching a CSS selector right now (no waiting)."""
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def exists(self, testid: str) -> bool:
        """Is the element in the DOM right now (no waiting)?"""
        return bool(self.driver.find_elements(By.CSS_SELECTOR, self.selector(testid)))

    def is_visible(self, testid: str) -> bool:
        try:
            return any(e.is_displayed() for e in
                       self.driver.find_elements(By.CSS_SELECTOR, self.selector(testid)))
        except StaleElementReferenceException:
            return False

    @staticmethod
    def rendered_text(element: WebElement) -> str:
        """The element's `innerText`, stripped.

        Not Selenium's `element.text`: WebKitWebDriver's visibility atom reports "" for text in
        an `overflow: hidden; text-overflow: ellipsis` box (the clinic name in the header) even
        though it is on screen. `innerText` is what the page renders.
        """
        return (element.get_property("innerText") or "").strip()

    def text(self, testid: str, timeout: float | None = None) -> str:
        """The rendered text of the element, stripped; waits until it is non-empty."""

        def non_empty(driver: webdriver.Remote) -> str | bool:
            element = driver.find_element(By.CSS_SELECTOR, self.selector(testid))
            return self.rendered_text(element) or False

        return self.wait(non_empty, timeout, f"text in [data-testid={testid!r}]")

    def wait_text(self, testid: str, expected: str | Callable[[str], bool],
                  timeout: float | None = None) -> str:
        """Waits until the element's text equals `expected` (or satisfies it, if callable)."""
        check = expected if callable(expected) else (lambda text: text == expected)
        seen: list[str] = []

        def matches(driver: webdriver.Remote) -> str | bool:
            value = self.rendered_text(driver.find_element(By.CSS_SELECTOR, self.selector(testid)))
            seen[:] = [value]
            return value if check(value) else False

        try:
            return self.wait(matches, timeout, f"text of [data-testid={testid!r}]")
        except TimeoutException as err:
            raise TimeoutException(
                f"[data-testid={testid!r}]: expected {expected!r}, last saw {seen[-1:]!r}"
            ) from err

    # ---- doing things

    def click(self, testid: str, timeout: float | None = None) -> None:
        self.find(testid, timeout).click()

    # Pages whose root is marked otherwise than `page-<section>` (the Audit log page is
    # `audit-page` since issue 6; `page-audit-log` before).
    PAGE_TESTIDS = {"audit-log": ("page-audit-log", "audit-page")}

    def page_testids(self, section: str) -> tuple[str, ...]:
        return self.PAGE_TESTIDS.get(section, (f"page-{section}",))

    def page_visible(self, section: str) -> bool:
        """Is this section's page on screen right now?"""
        return any(self.is_visible(t) for t in self.page_testids(section))

    def find_page(self, section: str, timeout: float | None = None) -> WebElement:
        """Waits for the section's page to be visible and returns it."""
        css = ", ".join(self.selector(t) for t in self.page_testids(section))

        def shown(driver: webdriver.Remote) -> WebElement | bool:
            found = [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
            return found[0] if found else False

        return self.wait(shown, timeout, f"the {section} page ({css})")

    def goto(self, section: str, timeout: float | None = None) -> WebElement:
        """Clicks `nav-<section>` in the sidebar and returns the visible `page-<section>`."""
        self.click(f"nav-{section}", timeout)
        return self.find_page(section, timeout)

    def wait_ready(self, timeout: float | None = None) -> None:
        """The shell is up: the sidebar is visible."""
        self.find("sidebar", timeout or max(TIMEOUT, 30))

    # ---- screens and accounts

    # What the window shows instead of (or as) the app, by the element that marks it.
    SCREENS = {"setup": "setup-form", "login": "login-form", "lock": "lock-screen",
               "shell": "sidebar"}

    def screen(self) -> str | None:
        """Which screen is up right now: "setup", "login", "lock", "shell", or None."""
        for name in ("setup", "login", "lock", "shell"):  # the lock screen may cover the shell
            if self.is_visible(self.SCREENS[name]):
                return name
        return None

    def wait_screen(self, expected: str | Iterable[str] | None = None,
                    timeout: float | None = None) -> str:
        """Waits until one of the screens (`expected`: a name or several; any by default) is up
        and returns its name."""
        wanted = (set(self.SCREENS) if expected is None
                  else {expected} if isinstance(expected, str) else set(expected))
        seen: list[str | None] = []

        def shown(_driver: webdriver.Remote) -> str | bool:
            current = self.screen()
            seen[:] = [current]
            return current if current in wanted else False

        try:
            return self.wait(shown, timeout or max(TIMEOUT, 30),
                             f"the {' or '.join(sorted(wanted))} screen")
        except TimeoutException as err:
            raise TimeoutException(f"expected the {' or '.join(sorted(wanted))} screen, last saw "
                                   f"{seen[-1:]!r}") from err

    def type(self, testid: str, value: str) -> WebElement:
        """Replaces what the field holds with `value` by typing, as a user would."""
        element = self.find(testid)
        element.click()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        if value:
            element.send_keys(value)
        poll(lambda: element.get_property("value") == value,
             message=f"[data-testid={testid!r}] to hold what was typed")
        return element

    def _submit_and_wait(self, submit: str, error_css: str, done: str,
                         timeout: float | None = None) -> None:
        """Clicks `submit`, then waits for the `done` screen; fails at once with the text of the
        error (an element matching `error_css`) if one shows up instead."""
        self.click(submit)

        def visible_errors() -> list[WebElement]:
            try:
                return [e for e in self.find_all(error_css) if e.is_displayed()]
            except StaleElementReferenceException:
                return []

        def outcome(_driver: webdriver.Remote) -> str | bool:
            if visible_errors():
                return "error"
            return "done" if self.screen() == done else False

        result = self.wait(outcome, timeout or max(TIMEOUT, 30),
                           f"the {done} screen after {submit}")
        if result == "error":
            shown = [f"{e.get_attribute('data-testid')}: {self.rendered_text(e)!r}"
                     for e in visible_errors()]
            raise AssertionError(f"{submit} was refused: {'; '.join(shown)}")

    def sign_in(self, username: str, password: str, timeout: float | None = None) -> None:
        """On the sign-in screen: types the username and password, clicks Sign in and waits for
        the dashboard (fails with `login-error`'s text if that shows instead)."""
        self.wait_screen("login", timeout)
        self.type("login-username", username)
        self.type("login-password", password)
        self._submit_and_wait("login-submit", self.selector("login-error"), "shell", timeout)
        self.find("page-dashboard", timeout or max(TIMEOUT, 30))
        self.user = username

    def set_up(self, clinic_name: str, username: str, password: str,
               display_name: str | None = None, timeout: float | None = None) -> None:
        """On the first-run screen: fills in the clinic and the admin, submits, and waits for the
        dashboard."""
        self.wait_screen("setup", timeout)
        self.type("setup-clinic-name", clinic_name)
        self.type("setup-username", username)
        if display_name is not None:
            self.type("setup-display-name", display_name)
        self.type("setup-password", password)
        self.type("setup-password-confirm", password)
        self._submit_and_wait("setup-submit", '[data-testid="setup-error"], '
                                               '[data-testid="setup-form"] [data-testid^="error-"]',
                              "shell", timeout)
        self.find("page-dashboard", timeout or max(TIMEOUT, 30))
        self.user = username

    def lock(self) -> None:
        """Clicks Lock in the header and waits for the lock screen."""
        self.click("lock-button")
        self.wait_screen("lock")

    def unlock(self, password: str, timeout: float | None = None) -> None:
        """On the lock screen: types the password and waits for the app to come back."""
        self.wait_screen("lock", timeout)
        self.type("unlock-password", password)
        self._submit_and_wait("unlock-submit", self.selector("unlock-error"), "shell", timeout)

    def sign_out(self) -> None:
        """Signs out (through the account menu when there is one) and waits for the sign-in
        screen."""
        if not self.is_visible("sign-out") and self.exists("account-menu"):
            self.click("account-menu")
        self.click("sign-out")
        self.wait_screen("login")
        self.user = None

    def execute_async(self, script: str, *args: Any) -> Any:
        return self.driver.execute_async_script(script, *args)

    def next_frames(self) -> None:
        """Waits two animation frames, so that what a screenshot shows is what the DOM says."""
        self.driver.set_script_timeout(max(TIMEOUT, 10))
        self.execute_async(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
        )

    def screenshot(self, path: Path | str) -> Path:
        """Saves a PNG of the window (after two animation frames) and returns its path."""
        path = Path(path)
        if not path.is_absolute():
            path = self.artifacts / path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.next_frames()
        if not self.driver.save_screenshot(str(path)):
            raise RuntimeError(f"WebDriver could not save a screenshot to {path}")
        return path

    @property
    def title(self) -> str:
        return self.driver.title

    # ---- failures and teardown

    def diagnostics(self, label: str) -> list[tuple[str, str]]:
        """What to show when a test fails: where we were, the page, a screenshot, the logs."""
        sections: list[tuple[str, str]] = []
        try:
            sections.append(("location", f"{self.driver.current_url}  title={self.driver.title!r}"))
            body = self.driver.execute_script("return document.body ? document.body.innerText : ''")
            sections.append(("page text", (body or "(empty)")[:3000]))
            source = self.driver.page_source
            (self.artifacts / f"{self.name}-{label}.html").write_text(source)
            sections.append(("page source (start)", source[:2000]))
        except WebDriverException as err:
            sections.append(("page", f"unavailable: {err.msg or err}"))
        try:
            shot = self.screenshot(self.artifacts / f"{self.name}-{label}.png")
            sections.append(("screenshot", str(shot)))
        except Exception as err:  # noqa: BLE001 - diagnostics must not mask the real failure
            sections.append(("screenshot", f"unavailable: {err}"))
        sections.append((f"app output ({self.app_log})", tail(self.app_log)))
        sections.append(("tauri-driver log", tail(self._driver_log, start=self._driver_log_start)))
        sections.append(("artifacts", str(self.artifacts)))
        return sections

    def quit(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    def wait_exited(self, timeout: float | None = None) -> None:
        """After `quit()`: waits until the app's process is gone (its files are complete)."""
        pid_path = self.artifacts / f"{self.name}.pid"
        pid = pid_path.read_text().strip() if pid_path.exists() else ""
        if pid.isdigit():
            poll(lambda: not _process_alive(int(pid)), timeout=timeout or TIMEOUT,
                 message=f"the app (pid {pid}) to exit")


class AppLauncher:
    """The `start_app` fixture: starts app windows on demand; all are closed after the test.

    `start_app()` is what the `app` fixture gives: the data dir is set up through the CLI
    (`Cli.seed`: clinic "Test Clinic", admin "admin") and the window is signed in as the admin
    through the sign-in screen, on the dashboard. Options:
    - `user="frank"` signs in as another user (added with `run_cli.add_user`, or give
      `password=`); `role="front_desk"` signs in as a user of that role (the user `front_desk`,
      `manager` or `admin`, added through the CLI first if need be);
    - `user=None` leaves the window on the sign-in screen;
    - `first_run=True` sets nothing up: the window shows first-run setup (the data dir must
      have no users);
    - `env={"NAME": None}` changes the app's environment (None unsets), `args=[...]` adds
      command-line arguments, `data_dir=` points it at another directory.

    Background connection tests are off (SWITCHBOARD_NO_BACKGROUND_CHECKS=1), so that nothing
    tests an integration unless the test says so; `start_app(background_checks=True)` turns them
    on.
    """

    def __init__(self, driver: TauriDriver, app_binary: Path, data_dir: Path, artifacts: Path,
                 cli: "Cli | None" = None):
        self._driver = driver
        self._app_binary = app_binary
        self._data_dir = data_dir
        self._artifacts = artifacts
        self._cli = cli
        self.apps: list[App] = []

    def __call__(
        self,
        *,
        env: Mapping[str, str | None] | None = None,
        args: Iterable[str] = (),
        data_dir: Path | None = None,
        background_checks: bool = False,
        user: Any = _DEFAULT,
        password: str | None = None,
        role: str | None = None,
        first_run: bool = False,
    ) -> App:
        directory = data_dir or self._data_dir
        if user is _DEFAULT:
            user = role if role else (None if first_run else ADMIN)
        if first_run and user is not None:
            raise ValueError("first_run=True shows the setup screen: nobody can sign in")
        if not first_run:
            if self._cli is None:
                raise ValueError("this launcher has no CLI to set the data dir up with")
            self._cli.seed(directory)
            if role and user == role:
                self._cli.ensure_user(role, role, data_dir=directory)
            if user is not None and password is None:
                password = self._cli.password_of(user)

        name = "app" if not self.apps else f"app{len(self.apps) + 1}"
        full_env: dict[str, str | None] = {
            "SWITCHBOARD_NO_BACKGROUND_CHECKS": None if background_checks else "1",
        }
        full_env.update(env or {})
        handle = new_app_session(self._driver, self._app_binary, directory,
                                 self._artifacts, extra_args=args, env=full_env, name=name)
        self.apps.append(handle)
        if first_run:
            handle.wait_screen("setup")
        elif user is None:
            handle.wait_screen("login")
        else:
            handle.sign_in(user, password)
        return handle

    def close(self, handle: App) -> None:
        """Ends this window's session now (the app exits), e.g. to read its files afterwards."""
        if handle in self.apps:
            self.apps.remove(handle)
        handle.quit()
        handle.wait_exited()

    def quit_all(self) -> None:
        while self.apps:
            self.apps.pop().quit()


# --------------------------------------------------------------------------------------------
# The CLI

# Commands that act for nobody: no --user, and no setup first.
_NO_USER_COMMANDS = {"info", "setup", "help"}
# Global options of `switchboard` that take a value (to find the subcommand after them).
_OPTIONS_WITH_VALUE = {"--data-dir", "--user"}


def subcommand(args: Iterable[str]) -> str | None:
    """The first word of a `switchboard` command line that is not a global option."""
    items = list(args)
    skip = False
    for arg in items:
        if skip:
            skip = False
            continue
        if arg in _OPTIONS_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


class Cli:
    """Runs the `switchboard` CLI against a data directory; see the `run_cli` fixture.

    By default every command acts for the seeded admin: before the first such command in a data
    dir, `seed()` runs `switchboard setup` (clinic "Test Clinic", admin "admin",
    ADMIN_PASSWORD), then each command gets `--user admin --password-stdin` and the password as
    the first line of its standard input (before whatever `input=` holds). `user="frank"` acts
    for another user (one added with `add_user`, or with `password=`); `user=None` for nobody
    (the default for `info` and `setup`, and when the arguments already hold `--user`).
    """

    def __init__(self, binary: Path, data_dir: Path):
        self.binary = binary
        self.data_dir = data_dir
        self.user: str | None = ADMIN
        self.passwords: dict[str, str] = {ADMIN: ADMIN_PASSWORD}
        self.history: list[tuple[list[str], subprocess.CompletedProcess[str]]] = []
        self._seeded: set[str] = set()

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The --data-dir argument must be what decides; a developer's own setting must not leak in.
        env.pop("SWITCHBOARD_DATA_DIR", None)
        env.pop("SWITCHBOARD_USER", None)
        env.setdefault("RUST_BACKTRACE", "1")
        return env

    def __call__(
        self,
        *args: str | os.PathLike[str],
        input: str | None = None,
        env: Mapping[str, str | None] | None = None,
        data_dir: Any = _DEFAULT,
        timeout: float = 60,
        user: Any = _DEFAULT,
        password: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        directory = self.data_dir if data_dir is _DEFAULT else data_dir
        words = [str(a) for a in args]
        if user is _DEFAULT:
            acts_for_nobody = (
                subcommand(words) in _NO_USER_COMMANDS
                or subcommand(words) is None
                or "--user" in words
                or any(w in ("--help", "-h", "--version", "-V") for w in words)
                or (env or {}).get("SWITCHBOARD_USER") is not None
            )
            user = None if acts_for_nobody else self.user
        cmd = [str(self.binary)]
        if directory is not None:
            cmd += ["--data-dir", str(directory)]
        if user is not None:
            self.seed(directory, env=env)
            if password is None:
                password = self.password_of(user)
            cmd += ["--user", user, "--password-stdin"]
            input = password + "\n" + (input or "")
        cmd += words
        return self._run(cmd, input=input, env=env, timeout=timeout)

    def _run(self, cmd: list[str], *, input: str | None, env: Mapping[str, str | None] | None,
             timeout: float) -> subprocess.CompletedProcess[str]:
        full_env = self.base_env()
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        result = subprocess.run(
            cmd,
            input=input,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        self.history.append((cmd, result))
        return result

    def password_of(self, username: str) -> str:
        try:
            return self.passwords[username]
        except KeyError:
            raise AssertionError(
                f"no password known for {username!r}: add the user with run_cli.add_user(...), "
                f"or pass password=") from None

    # ---- accounts

    def seed(self, directory: Any = _DEFAULT, env: Mapping[str, str | None] | None = None) -> None:
        """Sets the data dir up (clinic "Test Clinic", admin "admin" with ADMIN_PASSWORD) unless
        this Cli did so already. A data dir that is set up already (by the app's setup screen,
        say) is left as it is."""
        directory = self.data_dir if directory is _DEFAULT else directory
        key = str(directory) if directory is not None else (
            "env:" + str((env or {}).get("SWITCHBOARD_DATA_DIR")))
        if key in self._seeded:
            return
        cmd = [str(self.binary)]
        if directory is not None:
            cmd += ["--data-dir", str(directory)]
        cmd += ["--json", "setup", "--clinic-name", CLINIC_NAME, "--admin", ADMIN]
        result = self._run(cmd, input=ADMIN_PASSWORD + "\n", env=env, timeout=60)
        if result.returncode != 0 and _error_code(result.stderr) != "conflict":
            raise AssertionError(f"could not set up {directory} for the test: "
                                 f"{shlex.join(cmd)} exited {result.returncode}\n{result.stderr}")
        self._seeded.add(key)

    def add_user(self, username: str, role: str, *, password: str | None = None,
                 display_name: str | None = None, data_dir: Any = _DEFAULT,
                 as_user: Any = _DEFAULT) -> dict[str, Any]:
        """`switchboard user add USERNAME --role ROLE` (as the admin); remembers the password, so
        that `run_cli(..., user=USERNAME)` and `start_app(user=USERNAME)` can sign in. The
        password defaults to ROLE_PASSWORDS[role]. Returns the new user (JSON)."""
        password = password or ROLE_PASSWORDS[role]
        args = ["--json", "user", "add", username, "--role", role]
        if display_name:
            args += ["--display-name", display_name]
        created = self.json(*args, input=password + "\n", data_dir=data_dir, user=as_user)
        self.passwords[username] = password
        return created

    def ensure_user(self, username: str, role: str, *, data_dir: Any = _DEFAULT) -> None:
        """Adds the user unless one of that name is there already (with a known password)."""
        users = self.json("--json", "user", "list", data_dir=data_dir)
        if not any(u["username"] == username for u in users):
            self.add_user(username, role, data_dir=data_dir)
        elif username not in self.passwords:
            raise AssertionError(f"{username} exists, but its password is unknown to run_cli")

    # ---- results

    def json(self, *args: str | os.PathLike[str], **kwargs: Any) -> Any:
        """Runs the command, asserts exit code 0, and returns stdout parsed as JSON."""
        result = self(*args, **kwargs)
        assert result.returncode == 0, (
            f"{shlex.join(result.args)} exited {result.returncode}\nstderr: {result.stderr}"
        )
        try:
            return json.loads(result.stdout)
        except ValueError as err:
            raise AssertionError(f"stdout is not JSON ({err}):\n{result.stdout}") from err

    def start_serve(self) -> tuple[subprocess.Popen[str], dict[str, Any]]:
        """Starts `switchboard serve` on a free port as the seeded admin and waits until it has
        started its services; returns the process and what it printed (`url`, `started`, …).
        Stop it with SIGINT."""
        self.seed()
        serve = subprocess.Popen(
            [str(self.binary), "--data-dir", str(self.data_dir), "--user", ADMIN,
             "--password-stdin", "--json", "serve", "--port", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=self.base_env())
        assert serve.stdin is not None and serve.stdout is not None
        serve.stdin.write(self.passwords[ADMIN] + "\n")
        serve.stdin.close()
        # `--json` prints what it started as one object, ending with "}" alone on a line.
        printed: list[str] = []
        while not printed or printed[-1] != "}\n":
            line = serve.stdout.readline()
            if not line:
                raise AssertionError(f"serve stopped: {serve.stderr.read() if serve.stderr else ''}")
            printed.append(line)
        return serve, json.loads("".join(printed))

    def describe_history(self) -> str:
        parts = []
        for cmd, result in self.history:
            parts.append(
                f"$ {shlex.join(cmd)}\n"
                f"exit code: {result.returncode}\n"
                f"stdout:\n{result.stdout[-2000:]}\n"
                f"stderr:\n{result.stderr[-2000:]}"
            )
        return "\n\n".join(parts)


def _error_code(stderr: str) -> str | None:
    """The `code` of a `--json` error on stderr, if it is one."""
    try:
        return json.loads(stderr.strip().splitlines()[-1]).get("code")
    except (ValueError, IndexError, AttributeError):
        return None

# --------------------------------------------------------------------------------------------
# The fake providers


class FakeProviders:
    """`switchboard-fake-providers` as a child process: fake Twilio, Square and QuickBooks on
    127.0.0.1, and its control API (see crates/fakes/src/main.rs).

    `base_url` is what an integration's custom base URL points at; `set("twilio",
    {"scenario": "wrong_credentials"})` (or just `set("twilio", "wrong_credentials")`) changes how
    a provider answers; `requests()` lists what the fakes received, oldest first; `reset()` puts
    every scenario back to `ok` and forgets requests and QuickBooks tokens.
    The control API is spoken with http.client directly, so no proxy setting can get in between.
    """

    PROVIDERS = ("twilio", "square", "quickbooks")

    def __init__(self, binary: Path, log_path: Path):
        self.binary = binary
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.tls_base_url = ""
        self.control_url = ""

    def start(self) -> None:
        log = open(self.log_path, "ab")
        log.write(f"\n=== {time.strftime('%H:%M:%S')} {self.binary}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [str(self.binary)], stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL
        )
        log.close()
        assert self.process.stdout is not None
        # One JSON line, then it serves until killed. Read it with a deadline: a fake that never
        # prints must fail the test, not hang it.
        try:
            (line,) = read_lines(self.process.stdout, 1, max(TIMEOUT, 30), str(self.binary))
        except (TimeoutException, RuntimeError) as err:
            self.stop()
            raise RuntimeError(f"{err}\n{tail(self.log_path)}") from None
        try:
            info = json.loads(line)
            self.base_url = info["base_url"]
            self.tls_base_url = info["tls_base_url"]
            self.control_url = info["control_url"]
        except (ValueError, KeyError) as err:
            code = self.process.poll()
            self.stop()
            raise RuntimeError(f"{self.binary} (exit code {code}) printed {line!r}, not its JSON "
                               f"line ({err}):\n{tail(self.log_path)}") from err
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", self.control_url)
        if not match:
            self.stop()
            raise RuntimeError(f"unexpected control_url {self.control_url!r}")
        self._port = int(match.group(1))
        self._control_path = match.group(2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=10)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if payload is not None else {}
            conn.request(method, self._control_path + path, body=payload, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def _expect(self, method: str, path: str, body: Any = None, status: int = 204) -> bytes:
        got, data = self._call(method, path, body)
        if got != status:
            raise AssertionError(f"fakes control {method} {path} {body!r}: HTTP {got} "
                                 f"(expected {status}): {data[:500]!r}")
        return data

    def set(self, provider: str, scenario: str | Mapping[str, Any]) -> None:
        """How `provider` answers from now on: `{"scenario": "rate_limited", "retry_after": 30}`."""
        if provider not in self.PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")
        body = {"scenario": scenario} if isinstance(scenario, str) else dict(scenario)
        self._expect("PUT", f"/scenario/{provider}", body)

    def scenario(self, provider: str) -> Any:
        return json.loads(self._expect("GET", f"/scenario/{provider}", status=200))

    def requests(self) -> list[dict[str, Any]]:
        """Every provider request received so far (oldest first): method, path, query, headers
        (a list of [name, value], names lower-case) and body."""
        return json.loads(self._expect("GET", "/requests", status=200))

    def clear_requests(self) -> None:
        self._expect("DELETE", "/requests")

    def set_quickbooks_refresh_token(self, token: str | None) -> None:
        self._expect("PUT", "/quickbooks/refresh_token", {"refresh_token": token})

    def quickbooks_refresh_token(self) -> str | None:
        return json.loads(self._expect("GET", "/quickbooks/refresh_token", status=200))[
            "refresh_token"]

    def reset(self) -> None:
        self._expect("POST", "/reset")

    def describe_requests(self) -> str:
        try:
            seen = self.requests()
        except Exception as err:  # noqa: BLE001 - diagnostics only
            return f"(unavailable: {err})"
        if not seen:
            return "(no requests)"
        return "\n".join(
            f"{r['method']} {r['path']}{'?' + r['query'] if r.get('query') else ''}" for r in seen
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


def header(request: Mapping[str, Any], name: str) -> str | None:
    """The first value of a header in a request from `FakeProviders.requests()`."""
    for key, value in request["headers"]:
        if key.lower() == name.lower():
            return value
    return None


def keychain_secret(account: str) -> str | None:
    """The secret stored in the test keyring (Secret Service) under this account name, e.g.
    `integration/<id>/auth_token`, or None when there is none. Reads it with `secret-tool`, on
    the session bus the tests run with (scripts/with-keyring.sh's throwaway keyring)."""
    import pytest

    tool = shutil.which("secret-tool")
    if tool is None:
        pytest.fail("secret-tool not found: apt-get install -y libsecret-tools", pytrace=False)
    result = subprocess.run([tool, "lookup", "username", account], capture_output=True,
                            text=True, timeout=30, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        if result.stderr.strip():
            raise RuntimeError(f"secret-tool lookup {account}: {result.stderr.strip()}")
        return None
    return result.stdout


class PrivateKeyring:
    """A second, private session bus with its own gnome-keyring (scripts/with-keyring.sh MODE):
    another computer's keychain, for the app's environment (`env`). `stop()` ends it.

    Modes as in with-keyring.sh: "unlocked" (a fresh, empty keychain), "locked", "no-collection".
    """

    def __init__(self, mode: str, log_path: Path):
        script = REPO_ROOT / "scripts" / "with-keyring.sh"
        self._log = open(log_path, "wb")
        self.log_path = log_path
        self.process = subprocess.Popen(
            [str(script), f"--{mode}", "sh", "-c",
             'printf "%s\\n" "$DBUS_SESSION_BUS_ADDRESS" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" '
             '"${GNOME_KEYRING_CONTROL:-}"; exec cat >/dev/null'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )
        try:
            bus, runtime, data_home, control = read_lines(self.process.stdout, 4, max(TIMEOUT, 30),
                                                          f"with-keyring.sh --{mode}")
        except Exception as err:
            self.stop()
            raise RuntimeError(f"could not start a {mode} keyring: {err}\n{tail(log_path)}") from None
        if not bus:
            self.stop()
            raise RuntimeError(f"with-keyring.sh --{mode} gave no session bus address")
        self.env: dict[str, str | None] = {
            "DBUS_SESSION_BUS_ADDRESS": bus,
            "XDG_RUNTIME_DIR": runtime,
            "XDG_DATA_HOME": data_home,
            "GNOME_KEYRING_CONTROL": control or None,
        }

    def stop(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()  # `cat` ends, and with it the bus and the keyring daemon
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()
        self._log.close()
