"""End to end in headless Chromium (Debian's `chromium`, driven by Playwright): `policy serve` on a free
loopback port; open the home page, go to a rule, fill the try-a-case form, read the decision, open
the explanation tree, follow a reference. Screenshots go to test-output/screenshots/.

Skipped, with one line saying so, when Chromium or Playwright is missing (.ci/run installs Chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("browser tests skipped: no chromium executable (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright not installed")

SHOTS = ROOT / "test-output" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/v1/pack", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"policy serve did not start: {output}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
        # Nothing may leave the machine: every request outside the server is refused.
        context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort()
        )
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        browser.close()
        assert not errors, f"JavaScript errors: {errors}"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_home_search_and_rule_page(page: Any, server: str) -> None:
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Les règles du pack"
    shot(page, "01-accueil")
    page.fill("#q", "retard")  # filters as one types (explorer.js)
    visible = page.locator("li.card:visible")
    assert visible.count() >= 1
    assert all("retard" in (visible.nth(i).get_attribute("data-search") or "") for i in range(visible.count()))
    page.fill("#q", "")
    page.get_by_role("link", name="Mode d'orientation", exact=True).first.click()
    page.wait_for_url("**/regles/orientation_mode")
    assert page.locator("h1").inner_text() == "Mode d'orientation"
    assert page.locator("table.rule-table tbody tr").count() >= 2
    assert page.locator("svg.timeline").is_visible()
    shot(page, "02-regle")


def test_parameter_and_assumptions_pages(page: Any, server: str) -> None:
    page.goto(server + "/parametres/age_min_orientation_auto_mds")
    assert page.locator("svg.chart").is_visible()
    assert page.locator(".badge.hypothese").first.is_visible()
    shot(page, "03-parametre")
    page.goto(server + "/hypotheses")
    assert page.locator("section.assumption").count() >= 1
    shot(page, "04-hypotheses")


def test_try_a_case_then_tree_why_not_and_reference(page: Any, server: str) -> None:
    page.goto(server + "/essayer")
    page.get_by_label("Évaluer au").fill("2025-04-02")
    page.locator("#f-date_naissance").fill("1990-06-15")
    page.locator("#f-date_entree_rsa").fill("2025-02-10")
    page.locator("#f-inscrit_france_travail").select_option("oui")
    page.locator("#f-disponible_emploi").select_option("oui")
    page.locator("#f-date_notification_orientation").fill("2025-02-28")
    page.get_by_role("button", name="Calculer les décisions").click()
    page.wait_for_url("**/essayer?*")
    assert "date_entree_rsa=2025-02-10" in page.url, "the case is in the URL"
    value = page.locator('[data-decision="orientation_organisme"]')
    assert value.inner_text() == "France Travail"
    assert page.locator('[data-decision="contrat_statut"]').inner_text() == "Non signé, délai dépassé"
    shot(page, "05-essayer-resultats")

    decision = page.locator("#decision-orientation_organisme")
    inner = decision.locator("details.node details.node").first
    assert not inner.evaluate("d => d.open")
    inner.locator("summary").first.click()  # open a branch of the tree
    assert inner.evaluate("d => d.open")
    assert decision.locator("li.taken").first.is_visible()
    page.get_by_role("button", name="Tout déplier").click()
    shot(page, "06-arbre-explication")

    decision.locator("select[name=valeur]").select_option("mds")
    decision.get_by_role("button", name="Expliquer").click()
    page.wait_for_url("**pourquoi=orientation_organisme**")
    text = page.locator("#decision-orientation_organisme pre.why-not-text").inner_text()
    assert text.startswith("Pourquoi")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le cas (fichier YAML)").click()
    assert "date_entree_rsa: 2025-02-10" in Path(download.value.path()).read_text(encoding="utf-8")

    link = page.locator("#decision-orientation_organisme a.ref-link").first
    href = link.get_attribute("href") or ""
    assert href.startswith("http"), "a legal reference links to its text"
    # Following it would leave the machine; the route guard refuses it, the click still navigates.
    with page.expect_request(lambda r: r.url == href):
        link.click()


def test_keyboard_reaches_the_form(page: Any, server: str) -> None:
    page.goto(server + "/essayer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "at":
            break
    assert page.evaluate("document.activeElement.id") == "at"


def test_interactive_api_docs_render_offline(page: Any, server: str) -> None:
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/evaluate" in p for p in paths)
    shot(page, "07-api-docs")


def test_static_site_opens_from_disk(page: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "engine", "doc", "-o", str(site)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    page = context.new_page()  # a context of its own, for file:// pages
    page.goto((site / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Les règles du pack"
    background = page.evaluate("getComputedStyle(document.querySelector('header.site')).backgroundColor")
    assert background == "rgb(29, 63, 114)", "the stylesheet is found next to the pages"
    page.get_by_role("link", name="Statut de la signature du contrat").first.click()
    assert page.url.endswith("/regles/contrat_statut.html")
    assert page.locator("table.rule-table").count() >= 1
    page.get_by_role("link", name="Hypothèses", exact=True).click()
    assert page.url.endswith("/hypotheses.html")
    shot(page, "08-site-statique-hypotheses")
    context.close()
