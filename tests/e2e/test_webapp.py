#!/usr/bin/env python3
"""End-to-end test of the web app in a real headless Chromium.

Starts `skintrack serve` on a temporary copy of a small clinic, uploads a
photo through the form (watching the upload progress), presses "Score
now", waits for the run to finish, opens the patient page, downloads the
PDF report and saves screenshots into BUILD/e2e/ as test artefacts.

Needs Debian's chromium, chromium-driver and python3-selenium
(scripts/install-deps). Run by ctest with /usr/bin/python3.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_clinic(source, root):
    """Two sessions of one view of the demo patient P001."""
    clinic = os.path.join(root, "clinic")
    src = os.path.join(source, "samples", "clinic", "P001")
    dst = os.path.join(clinic, "P001")
    os.makedirs(dst)
    if os.path.exists(os.path.join(src, "patient.json")):
        shutil.copy(os.path.join(src, "patient.json"), dst)
    for session in ("2026-01-12", "2026-02-16"):
        os.makedirs(os.path.join(dst, session))
        shutil.copy(os.path.join(src, session, "cheek-left.jpg"), os.path.join(dst, session))
    return clinic


def start_server(binary, clinic, port, log):
    proc = subprocess.Popen(
        [binary, "serve", clinic, "--listen", f"127.0.0.1:{port}", "--jobs", "2"],
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError(f"skintrack serve exited with {proc.returncode}")
        try:
            urllib.request.urlopen(base + "/static/app.css", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("skintrack serve did not answer")


def browser(download_dir):
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-gpu", "--lang=en-US"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {
        "download.default_directory": download_dir,
        "download.prompt_for_download": False,
    })
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    d = webdriver.Chrome(service=service, options=opts)
    d.execute_cdp_cmd("Page.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": download_dir})
    return d


def full_page_screenshot(d, path):
    height = d.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    d.set_window_size(1280, min(max(int(height) + 40, 600), 8000))
    time.sleep(0.3)
    d.save_screenshot(path)
    d.set_window_size(1280, 1000)


def state_of(d):
    try:
        return d.find_element(By.ID, "score-status").get_attribute("data-state")
    except (StaleElementReferenceException, WebDriverException):
        return None


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


def run(args):
    root = tempfile.mkdtemp(prefix="sk-e2e-")
    out_dir = os.path.join(args.build, "e2e")
    os.makedirs(out_dir, exist_ok=True)
    downloads = os.path.join(root, "downloads")
    os.makedirs(downloads)
    clinic = make_clinic(args.source, root)
    log = open(os.path.join(out_dir, "server.log"), "w")
    proc = d = None
    try:
        proc, base = start_server(os.path.join(args.build, "skintrack"), clinic, free_port(), log)
        d = browser(downloads)
        d.set_page_load_timeout(120)

        # The patient list.
        d.get(base + "/")
        check("P001" in d.find_element(By.ID, "patients").text, "patient list shows P001")
        d.save_screenshot(os.path.join(out_dir, "patients.png"))

        # Upload a third session through the form.
        d.get(base + "/upload?patient=P001")
        d.execute_script("document.getElementById('date').value = '2026-03-23';")
        Select(d.find_element(By.ID, "view")).select_by_value("cheek-left")
        photo = os.path.join(args.source, "samples", "clinic", "P001", "2026-03-23",
                             "cheek-left.jpg")
        d.find_element(By.ID, "files").send_keys(photo)
        d.find_element(By.ID, "upload-button").click()
        WebDriverWait(d, 120).until(
            lambda d: "imported" in d.find_element(By.ID, "upload-result").text
            or "refused" in d.find_element(By.ID, "upload-status").text)
        result = d.find_element(By.ID, "upload-result").text
        check("imported P001/2026-03-23/cheek-left.jpg" in result,
              "upload imported: " + result.splitlines()[0])
        bar = d.find_element(By.ID, "upload-progress")
        check(bar.is_displayed() and float(bar.get_attribute("value")) > 0,
              "upload progress bar moved")
        check(os.path.exists(os.path.join(clinic, "P001", "2026-03-23", "cheek-left.jpg")),
              "the photo is in the clinic")
        check(not [n for n in os.listdir(clinic) if n.startswith(".skintrack-upload-")],
              "no staging file left")
        d.save_screenshot(os.path.join(out_dir, "upload.png"))

        # Score now, with progress, until the run is over.
        d.find_element(By.ID, "open-patient").click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "score-button"))
        d.find_element(By.ID, "score-button").click()
        WebDriverWait(d, 600, poll_frequency=0.5).until(
            lambda d: state_of(d) in ("done", "failed"))
        check(state_of(d) == "done", "scoring finished: " +
              d.find_element(By.ID, "score-status").text)

        # The patient page with metrics, charts and thumbnails.
        time.sleep(1.5)  # the page reloads itself once the run is over
        d.get(base + "/p/P001")
        check(len(d.find_elements(By.CSS_SELECTOR, "#timeline .session")) == 3,
              "three sessions in the timeline")
        imgs = d.find_elements(By.CSS_SELECTOR, "#timeline img")
        WebDriverWait(d, 30).until(
            lambda d: all(i.get_attribute("naturalWidth") not in (None, "0") for i in imgs))
        check(len(imgs) == 3, "three thumbnails loaded")
        check(len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 4, "trend charts drawn")
        check(d.find_elements(By.CSS_SELECTOR, "table.metrics"), "metric table shown")
        full_page_screenshot(d, os.path.join(out_dir, "patient.png"))

        # Download the report.
        d.find_element(By.ID, "report-link").click()
        pdf = os.path.join(downloads, "skintrack-report-P001.pdf")
        WebDriverWait(d, 300, poll_frequency=0.5).until(lambda d: os.path.exists(pdf))
        with open(pdf, "rb") as f:
            head = f.read(5)
        check(head.startswith(b"%PDF"), "the report is a PDF")
        shutil.copy(pdf, os.path.join(out_dir, "report-P001.pdf"))

        # The list now shows the headline change.
        d.get(base + "/")
        check("→" in d.find_element(By.ID, "patients").text, "headline change in the list")
        d.save_screenshot(os.path.join(out_dir, "patients-scored.png"))

        # No CSP violation or script error in the console.
        problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        check(not problems, "no errors in the browser console " + repr(problems))
        return 0
    except Exception:
        if d is not None:  # what the browser showed when it went wrong
            try:
                d.save_screenshot(os.path.join(out_dir, "failure.png"))
                with open(os.path.join(out_dir, "failure.html"), "w") as f:
                    f.write(d.page_source)
            except WebDriverException:
                pass
        raise
    finally:
        if d is not None:
            d.quit()
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True, help="build folder holding skintrack")
    ap.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.source = os.path.abspath(args.source)
    try:
        return run(args)
    except Exception as e:  # one clear line on failure
        print(f"FAIL: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
