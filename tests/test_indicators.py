"""Indicators (docs/indicators.md): the pack's definitions, checked like rules, computed two ways.

Three computations must agree on a generated sample: the batch one (polars, `engine.batch`), the
case-by-case reference (`engine.indicator_counts`), and a hand-written reading of the public
contract's table, person by person through `policy.evaluate` (so that the pack's YAML says what
the contract says).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.indicator_caseload import caseload as generated_caseload
from benchmarks.population import add_months
from engine import Policy, PolicyCompileError, PolicyError
from engine.cli import main
from engine.i18n import set_language
from engine.indicator_counts import count_case_by_case
from engine.indicators import MONTH

pl = pytest.importorskip("polars")

from engine.batch.indicator_frame import case_by_case_frame, read_source, rows  # noqa: E402
from engine.batch.indicators import compute  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEBUT, FIN = date(2023, 1, 1), date(2023, 12, 31)
CONTRACT = (
    "nouveaux_entrants",
    "orientes_en_un_mois",
    "premiers_rdv_fixes",
    "premiers_rdv_en_deux_semaines",
    "premiers_contrats",
    "premiers_contrats_en_deux_mois",
    "aave_contrat_dans_le_mois",
    "aave_taux_contractualisation",
    "aave_par_objectif",
    "contrats_en_retard",
    "adre_versements",
)


def sample(n: int, seed: int) -> list[dict[str, object]]:
    """The generated caseload of the benchmark, with a few bad rows."""
    out = generated_caseload(n, seed)
    out[5]["date_entree_rsa"] = "2023-02-30"  # invalid date: every indicator leaves the row out
    out[7]["organisme_referent"] = "caf"  # unknown enum value
    out[9] = {"id": "p10", "date_entree_rsa": "2023-03-01", "soumis_droits_et_devoirs": "false"}
    return out


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("caseload") / "caseload.csv"
    pl.DataFrame(sample(2500, seed=11), infer_schema_length=None).write_csv(path)
    return path


def test_the_pack_defines_every_indicator_of_the_contract(rsa: Policy) -> None:
    assert tuple(rsa.indicators.indicators) == CONTRACT
    assert set(rsa.indicators.breakdowns) == {"organisme", "territoire"}
    for indicator in rsa.indicators.indicators.values():
        assert indicator.references, indicator.name
    assert rsa.indicators.indicators["aave_contrat_dans_le_mois"].reference_value == Decimal("0.7")
    assert rsa.indicators.indicators["aave_taux_contractualisation"].reference_value == Decimal("0.8")
    assert rsa.plan.facts["date_premier_rdv"].type.optional


@pytest.mark.parametrize("by", [None, "organisme", "territoire", MONTH])
def test_batch_equals_case_by_case(rsa: Policy, caseload: Path, by: str | None) -> None:
    given = rows(rsa, read_source(caseload))
    reference = count_case_by_case(rsa, given, DEBUT, FIN, by=by, ids_for="premiers_contrats")
    frame = case_by_case_frame(rsa, caseload, FIN, rsa.indicators.rules_read(rsa.plan, None, by))
    report, row_by_row = compute(rsa, frame, DEBUT, FIN, FIN, by=by, ids_for="premiers_contrats")
    assert row_by_row == {}
    assert report.to_dict() == reference.to_dict()
    assert report.rows == 2500 and report.rows_with_errors == 2
    assert report.results["nouveaux_entrants"].errors == 2
    if by is not None:
        groups = report.results["orientes_en_un_mois"].sorted_groups()
        assert len(groups) > 1
        assert sum(g.population or 0 for _, g in groups) == report.results["orientes_en_un_mois"].overall.population


def _in(d: object) -> bool:
    return isinstance(d, date) and DEBUT <= d <= FIN


def test_figures_follow_the_contract_person_by_person(rsa: Policy, caseload: Path) -> None:
    """The table of indicators.md, written out in Python over `policy.evaluate`'s decisions."""
    at = FIN
    counts: dict[str, list[int]] = {n: [0, 0] for n in CONTRACT}
    objectives: dict[str, int] = {}
    late_days: list[int] = []
    adre = Decimal(0)
    for _, facts in rows(rsa, read_source(caseload)):
        try:
            d = rsa.evaluate(facts, at=at)
        except PolicyError:
            continue
        f = d.facts
        if not f["soumis_droits_et_devoirs"]:
            continue
        entry, notified, signed = f["date_entree_rsa"], f["date_notification_orientation"], f["date_signature_contrat"]
        rdv = f["date_premier_rdv"]
        body = f["organisme_referent"] or d["orientation_organisme"]
        hors_pe = body not in ("pole_emploi", "france_travail")

        def tally(name: str, population: bool, counted: bool) -> None:
            counts[name][0] += population
            counts[name][1] += population and counted

        new = _in(entry)
        tally("nouveaux_entrants", True, new)
        tally("orientes_en_un_mois", new, new and notified is not None and notified <= d["orientation_date_cible"])
        rdv_fixed = new and hors_pe and rdv is not None
        tally("premiers_rdv_fixes", new and hors_pe, rdv is not None)
        in_two_weeks = rdv_fixed and notified is not None and rdv <= notified + timedelta(14)
        tally("premiers_rdv_en_deux_semaines", rdv_fixed, in_two_weeks)
        contract = new and hors_pe and signed is not None
        tally("premiers_contrats", new and hors_pe, signed is not None)
        in_two_months = contract and notified is not None and signed <= add_months(notified, 2)
        tally("premiers_contrats_en_deux_mois", contract, in_two_months)
        tally("aave_contrat_dans_le_mois", body == "aave" and _in(notified),
              signed is not None and notified is not None and signed <= add_months(notified, 1))  # fmt: skip
        tally("aave_taux_contractualisation", body == "aave" and notified is not None and notified <= at,
              signed is not None and signed <= at)  # fmt: skip
        if f["date_entree_aave"] is not None and f["date_entree_aave"] <= at:
            objectives[d["aave_objectif"]] = objectives.get(d["aave_objectif"], 0) + 1
        tally("contrats_en_retard", d["contrat_statut"] is not None, d["contrat_statut"] == "en_retard")
        if d["contrat_statut"] in ("en_retard", "signe_hors_delai"):
            late_days.append(d["contrat_jours_de_retard"])
        if _in(f["date_prise_de_poste"]):
            adre += d["adre_versement_prise_de_poste"]
        if _in(d["adre_date_versement_six_mois"]):
            adre += d["adre_versement_six_mois"]
    report = count_case_by_case(rsa, rows(rsa, read_source(caseload)), DEBUT, FIN)
    for name, (population, counted) in counts.items():
        figures = report.results[name].overall
        if name == "nouveaux_entrants":
            assert (figures.population, figures.counted) == (None, counted)
        elif name == "aave_par_objectif":
            assert figures.by_value == objectives and figures.population == sum(objectives.values())
        elif name != "adre_versements":
            assert (figures.population, figures.counted) == (population, counted), name
    assert counts["premiers_rdv_en_deux_semaines"][1] > 0 and counts["aave_contrat_dans_le_mois"][0] > 0
    late = report.results["contrats_en_retard"].overall
    assert late.mean == Decimal(sum(late_days)) / len(late_days)
    assert report.results["adre_versements"].overall.total == adre > 0


# -- checked like rules ------------------------------------------------------------------------------
_MINI_INDICATORS = """\
indicators:
  {name}:
    label: Un indicateur
    source:
      article: Texte A
{body}
"""


def _policy_with(tmp_path: Path, body: str, name: str = "essai") -> Path:
    folder = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", folder, ignore=shutil.ignore_patterns("examples", "tests"))
    (folder / "indicators" / "calpae.yaml").unlink()
    (folder / "indicators" / "essai.yaml").write_text(_MINI_INDICATORS.format(name=name, body=body), "utf-8")
    return folder


@pytest.mark.parametrize(
    ("body", "code", "line", "column"),
    [
        ("    count: date_entre_rsa is not null", "unknown_reference", 6, 12),
        ("    count: 26", "type_error", 6, 12),
        ("    count: date_entree_rsa >= debut", "null_not_handled", 6, 12),
        ("    count: true\n    sum: 0 €", "unknown_field", 2, 3),
        ("    population: true", "missing_field", 2, 3),
        ("    count: true\n    reference_value: soixante-dix", "invalid_value", 7, 22),
        ("    count: true\n    month: territoire_mds", "type_error", 7, 12),
        ("    count: true\n    mean: {value: contrat_statut, over: true}", "type_error", 7, 19),
        ("    count: true\n    populaton: true", "unknown_field", 7, 5),
        ("    count_by: date_entree_rsa", "type_error", 6, 15),
        ("    count: essai", "cycle_error", 2, 3),
    ],
)
def test_indicator_errors_are_located(tmp_path: Path, body: str, code: str, line: int, column: int) -> None:
    folder = _policy_with(tmp_path, body)
    with pytest.raises(PolicyCompileError) as caught:
        from engine import load_policy

        load_policy(folder)
    first = caught.value.errors[0]
    assert (first.code.value, first.span.line, first.span.column) == (code, line, column), first.render()
    assert first.span.file.endswith("indicators/essai.yaml")


def test_an_indicator_named_like_a_fact_is_refused(tmp_path: Path) -> None:
    from engine import load_policy

    with pytest.raises(PolicyCompileError) as caught:
        load_policy(_policy_with(tmp_path, "    count: true", name="date_entree_rsa"))
    assert caught.value.errors[0].code.value == "duplicate_name"


def test_policy_check_reports_indicator_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _policy_with(tmp_path, "    count: date_entre_rsa is not null")
    assert main(["check", str(folder)]) == 1
    assert "did you mean `date_entree_rsa`?" in capsys.readouterr().err


# -- the command -----------------------------------------------------------------------------------
def test_command_json_table_and_html(caseload: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "rapport.html"
    args = ["indicators", str(caseload), "--from", "2023-01-01", "--to", "2023-12-31", "--by", "organisme"]
    assert main([*args, "--json", "--ids", "premiers_contrats", "-o", str(html)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == 2500 and set(data["indicators"]) == set(CONTRACT)
    contracts = data["indicators"]["premiers_contrats"]
    assert len(contracts["ids"]) == contracts["counted"] > 0
    assert {g["group"] for g in contracts["breakdown"]} <= {"aave", "cos_iti", "mds", "pole_emploi", None}
    page = html.read_text("utf-8")
    assert page.count("<section") == len(CONTRACT) and "<svg" in page and "reference 70,0 %" in page
    assert '<html lang="en">' in page and "RSA indicators" in page and "Période" not in page  # POLICY_LANG=en
    assert "<script" not in page and "http" not in page.split("</style>")[0]  # nothing fetched to open it
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Nombre de nouveaux entrants" in out and "by organisme" in out


def test_command_refuses_bad_arguments(caseload: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", str(caseload), "--from", "2023-12-31", "--to", "2023-01-01", "--by", "organsime"]) == 1
    err = capsys.readouterr().err
    assert "before it starts" in err and "did you mean `organisme`?" in err
    assert main(["indicators", "missing.csv", "--from", "2023-01-01", "--to", "2023-12-31"]) == 1
    assert "no such caseload" in capsys.readouterr().err


def test_typed_facts_read_a_caseload_as_the_single_case_api_does(rsa: Policy, caseload: Path) -> None:
    from engine.batch.indicator_frame import FAILED, typed_facts

    reference = case_by_case_frame(rsa, caseload, FIN, [])
    valid = reference[FAILED].list.len() == 0
    facts = [c for c in reference.columns if c.startswith("__f_")]
    typed = typed_facts(rsa, read_source(caseload))
    assert typed.filter(valid).equals(reference.filter(valid).select(facts))
    assert typed_facts(rsa, read_source(caseload), names=()).height == reference.height  # nothing read


def test_the_compiled_backend_gives_the_same_figures(rsa: Policy, caseload: Path) -> None:
    batch = pytest.importorskip("engine.batch")
    if not hasattr(batch, "evaluate_batch"):
        pytest.skip("the compiled batch backend (engine.batch.evaluate_batch) is not installed")
    from engine.batch.indicator_frame import batch_frame

    reference = count_case_by_case(
        rsa, rows(rsa, read_source(caseload)), DEBUT, FIN, by=MONTH, ids_for="nouveaux_entrants"
    )
    frame = batch_frame(rsa, caseload, FIN, rsa.indicators.rules_read(rsa.plan, None, MONTH))
    report, _ = compute(rsa, frame, DEBUT, FIN, FIN, by=MONTH, ids_for="nouveaux_entrants")
    assert report.to_dict() == reference.to_dict()


def test_month_offsets_clamp_as_the_engine_does() -> None:
    """The batch indicators add months with polars' calendar offset: same dates as the engine."""
    from engine.batch.indicators import _add_months
    from engine.calendar import add_months as engine_add_months

    days = [date(1999, 1, 1) + timedelta(days=d) for d in range(0, 12_000, 3)] + [date(2024, 2, 29), date(2023, 1, 31)]
    frame = pl.DataFrame({"d": days})
    for n in (-25, -13, -1, 1, 2, 6, 11, 12, 24, 36):
        got = frame.select(_add_months(pl.col("d"), n)).to_series().to_list()
        assert got == [engine_add_months(d, n) for d in days], n


def test_html_report_in_french_with_lang_fr(caseload: Path, tmp_path: Path) -> None:
    html = tmp_path / "rapport.html"
    args = ["--lang", "fr", "indicators", str(caseload), "--from", "2023-01-01", "--to", "2023-12-31"]
    try:
        assert main([*args, "-o", str(html)]) == 0
    finally:
        set_language(None)  # --lang lasts for the process
    page = html.read_text("utf-8")
    assert '<html lang="fr">' in page and "Indicateurs du RSA" in page and "repère 70,0 %" in page
    assert "Période du 01/01/2023 au 31/12/2023" in page and "reference" not in page


def test_a_rows_at_cell_is_noted_not_used(caseload: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Indicators compute every decision on one date; rows dated otherwise are counted in a note."""
    frame = pl.read_csv(caseload, infer_schema=False).drop("at", strict=False)
    undated, dated = tmp_path / "undated.csv", tmp_path / "dated.csv"
    frame.write_csv(undated)
    frame.with_columns(pl.lit("2020-06-30").alias("at")).write_csv(dated)
    args = ["indicators", "--from", "2023-01-01", "--to", "2023-12-31", "--json"]
    assert main([args[0], str(undated), *args[1:]]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([args[0], str(dated), *args[1:]]) == 0
    noted = json.loads(capsys.readouterr().out)
    assert noted.pop("rows_dated_otherwise") == frame.height and plain.pop("rows_dated_otherwise") == 0
    assert noted == plain  # the same figures: every decision on --to, whatever the cells say
