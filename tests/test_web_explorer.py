"""The French explorer through the ASGI app and `policy doc`: pages, links, the try-a-case form."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import ROOT

from engine import Policy

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from engine.web import create_app

CASE = {
    "at": "2025-04-02",
    "date_naissance": "1990-06-15",
    "date_entree_rsa": "2025-02-10",
    "inscrit_france_travail": "oui",
    "disponible_emploi": "oui",
    "date_notification_orientation": "2025-02-28",
}


class Links(HTMLParser):
    """Every href/src of a page, and whether each form control has a label."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.controls: list[str] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(str(a[key]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(str(a.get("id")))
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


@pytest.fixture(scope="module")
def client(rsa: Policy) -> TestClient:
    return TestClient(create_app(rsa), raise_server_exceptions=False)


def test_home_groups_decisions_by_topic_and_lists_facts_parameters_assumptions(client: TestClient, rsa: Policy) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    for topic in ("Orientation", "Contrat", "Adre", "Aave"):
        assert f">{topic} <" in page.text
    for name in rsa.decisions:
        assert f'href="/regles/{name}"' in page.text
    for name in rsa.facts:
        assert f'href="/faits/{name}"' in page.text
    plan = rsa.plan
    flagged = sum(p.decl.assumption or any(v.assumption for v in p.decl.values) for p in plan.parameters.values())
    flagged += sum(any(v.decl.assumption for v in r.versions) for r in plan.rules.values())
    assert page.text.count("badge hypothese") == flagged
    assert 'href="/hypotheses"' in page.text


def test_search_without_javascript_hides_what_does_not_match(client: TestClient) -> None:
    page = client.get("/", params={"q": "retard"}).text
    shown = re.findall(r'<li class="card[^"]*" data-search="[^"]*">', page)
    assert shown and all("retard" in item for item in shown)


def test_every_link_of_every_page_leads_somewhere(client: TestClient, rsa: Policy) -> None:
    pages = ["/", "/hypotheses", "/essayer", "/essayer?" + urlencode(CASE)]
    pages += [f"/regles/{n}" for n in rsa.catalogue.rules] + [f"/parametres/{n}" for n in rsa.catalogue.parameters]
    pages += [f"/faits/{n}" for n in rsa.facts]
    checked: set[str] = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for link in parse(response.text).links:
            target = link.split("#")[0]
            if not target.startswith("/") or target in checked:
                continue
            checked.add(target)
            assert client.get(target).status_code == 200, f"{url} links to {link}"


def test_rule_page_has_references_versions_table_and_uses(client: TestClient) -> None:
    page = client.get("/regles/orientation_mode").text
    assert "CASF, art. L.262-29" in page and "<blockquote>" in page
    assert 'class="timeline"' in page
    assert "Table de décision" in page
    assert "Non soumis aux droits et devoirs" in page  # a row's `because`
    assert '<span class="kw">non</span> <a href="/faits/soumis_droits_et_devoirs"' in page  # readable condition
    assert '<code class="written">non soumis_droits_et_devoirs</code>' in page
    assert 'href="/regles/orientation_mode_selon_circuit"' in page  # what it reads


def test_parameter_page_has_chart_sources_and_assumption_flag(client: TestClient) -> None:
    page = client.get("/parametres/age_min_orientation_auto_mds").text
    assert '<svg class="chart"' in page
    assert "hypothèse" in page and "CALPAE 2022" in page


def test_assumptions_page_lists_each_with_its_note_uses_and_how_to_change(client: TestClient, rsa: Policy) -> None:
    page = client.get("/hypotheses").text
    plan = rsa.plan
    expected = [n for n, p in plan.parameters.items() if p.decl.assumption]
    expected += [
        f"{n}-{v.start}"
        for n, p in plan.parameters.items()
        if not p.decl.assumption
        for v in p.decl.values
        if v.assumption
    ]
    expected += [f"{n}-{v.start}" for n, r in plan.rules.items() for v in r.versions if v.decl.assumption]
    assert expected, "the RSA pack has assumptions"
    for anchor in expected:
        assert f'<section class="assumption" id="{anchor}"' in page
    assert page.count("<strong>Pour la changer :</strong>") == len(expected)
    assert "Hypothèse A1" in page  # a note
    rule_page = client.get("/regles/orientation_mode_selon_circuit").text
    assert "badge hypothese" in rule_page and "Date de début supposée" in rule_page


def test_try_a_case_form_is_generated_from_the_facts_with_labels(client: TestClient, rsa: Policy) -> None:
    page = client.get("/essayer").text
    links = parse(page)
    for name in rsa.facts:
        assert f'name="{name}"' in page
    assert 'id="f-date_entree_rsa" name="date_entree_rsa" type="date"' in page
    assert '<option value="oui"' in page and '<option value="mds">' in page
    assert set(links.controls) <= links.labels, "every control has its label"


def test_try_a_case_gives_decisions_trees_and_why_not(client: TestClient) -> None:
    query = {**CASE, "pourquoi": "orientation_organisme", "valeur": "mds"}
    page = client.get("/essayer", params=query)
    assert page.status_code == 200
    text = page.text
    assert 'data-decision="orientation_organisme">France Travail<' in text
    assert 'data-decision="contrat_jours_de_retard">5<' in text
    assert text.count('<details class="node"') > 13
    assert "✔ retenue" in text
    assert 'class="why-not-text"' in text and "Pourquoi" in text
    assert 'href="/essayer/cas.yaml?' in text
    assert "Délai cible d&#39;orientation des nouveaux entrants</a> : 1 mois" in text  # durations in French
    assert "circuit en vigueur</a> : Orientation automatique" in text  # enum values by their labels


def test_try_a_case_reports_bad_fields_in_french(client: TestClient, french: None) -> None:
    page = client.get("/essayer", params={"at": "2025-04-02", "inscrit_france_travail": "peut-être"})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text and "répondre oui ou non" in page.text


def test_downloaded_case_file_runs_with_policy_eval(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/essayer/cas.yaml", params=CASE)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    case = tmp_path / "cas.yaml"
    case.write_text(response.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "engine", "eval", str(case), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert '"france_travail"' in result.stdout


def test_unknown_pages_are_french_404s(client: TestClient, french: None) -> None:
    page = client.get("/regles/nope")
    assert page.status_code == 404 and "Page introuvable" in page.text
    other = client.get("/nulle-part", headers={"accept": "text/html"})
    assert other.status_code == 404 and other.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in other.text
    api = client.get("/v1/nulle-part", headers={"accept": "text/html"})
    assert api.headers["content-type"].startswith("application/problem+json")


def test_policy_doc_writes_a_static_site_with_relative_links(tmp_path: Path, rsa: Policy) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "engine", "doc", "-o", str(site)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    c = rsa.catalogue
    assert len(list(site.rglob("*.html"))) == 2 + len(c.rules) + len(c.parameters) + len(c.facts)
    assert (site / "static" / "style.css").is_file()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert not any("essayer" in h or h.startswith("/") for h in hrefs), "no server-only nor absolute link"
        for link in parse(html).links:
            if link.startswith(("http:", "https:", "#")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(site)} links to missing {link}"


def test_serve_and_doc_have_help_with_examples() -> None:
    for command in ("serve", "doc"):
        result = subprocess.run(
            [sys.executable, "-m", "engine", command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and f"policy {command}" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "engine", "serve", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "127.0.0.1" in result.stdout
