"""The pages for people, as the server renders them: what each level sees, what the server refuses
whatever the page shows, and the forms' CSRF protection. (tests/e2e drives the same pages in Chromium.)"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from accounts import get_current_spec, list_history
from accounts.db import make_session_factory
from accounts.members import list_members
from feeds.project import ExportSpec, ProjectSpec
from tests.feedhub.api.conftest import PASSWORD, SAMPLE, Api, World, page, post

EDIT_CONTROLS = ("Run now", "Add a rule", "Move up", "Delete</button>", "Pause the schedule")




def rules_of(api: Api, world: World) -> list[dict[str, object]]:
    with make_session_factory(api.engine)() as session:
        return get_current_spec(session, world.users["owner"], world.project_id).rules


class TestMyShops:
    def test_every_shop_with_my_level_and_its_projects_last_run(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", "/")
        assert shown.status_code == 200
        assert "Kola s.r.o." in shown.text and ">read<" in shown.text
        assert f'href="/projects/{world.project_id}/runs/{world.run_id}"' in shown.text and "succeeded" in shown.text

    def test_search_filters_by_name(self, api: Api, world: World) -> None:
        assert "Kola s.r.o." in page(api, world, "owner", "/?q=KOLA").text
        assert "Kola s.r.o." not in page(api, world, "owner", "/?q=hrnce").text

    def test_an_outsider_sees_none_of_it(self, api: Api, world: World) -> None:
        assert "Kola s.r.o." not in page(api, world, "outsider", "/").text
        assert page(api, world, "outsider", f"/shops/{world.shop_id}").status_code == 404
        assert page(api, world, "outsider", f"/projects/{world.project_id}").status_code == 404

    def test_anonymous_people_are_sent_to_log_in_and_back(self, api: Api, world: World) -> None:
        with api.client() as client:
            response = client.get(f"/projects/{world.project_id}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=/projects/{world.project_id}"


class TestProjectPage:
    @pytest.mark.parametrize("kind", ["owner", "write"])
    def test_writers_get_the_edit_controls(self, api: Api, world: World, kind: str) -> None:
        shown = page(api, world, kind, f"/projects/{world.project_id}").text
        assert all(control in shown for control in EDIT_CONTROLS)

    def test_readers_see_everything_and_no_edit_control(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", f"/projects/{world.project_id}").text
        assert "rewriting" in shown and "hiding" in shown and "/f/" in shown  # rules and the public URL
        assert not any(control in shown for control in EDIT_CONTROLS)
        assert "You have read access" in shown

    def test_each_rule_is_listed_one_setting_a_line_as_typed(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", f"/projects/{world.project_id}").text
        listed = re.findall(r'<div class="values">(.*?)</div>', shown)
        assert listed == [
            '<span class="field">element:</span> PRODUCTNAME<br><span class="field">value:</span> '
            "%MANUFACTURER% %PRODUCTNAME%",
            '<span class="field">query:</span> [PRICE_VAT] &gt; 10000',
        ]

    def test_the_server_refuses_a_reader_whatever_the_page_shows(self, api: Api, world: World) -> None:
        before = rules_of(api, world)
        for action, data in (("delete", {"rule_id": "r1"}), ("disable", {"rule_id": "r1"}), ("run", {})):
            refused = post(api, world, "read", f"/projects/{world.project_id}/{action}", data)
            assert refused.status_code == 403 and "needs write access" in refused.text
        saved = post(api, world, "read", f"/projects/{world.project_id}/rules/save",
                     {"type": "hiding", "rule": '{"query": "[PRICE_VAT] > 0"}', "rule_id": ""})
        assert saved.status_code == 403
        assert rules_of(api, world) == before and api.launched == []

    def test_a_writer_moves_disables_and_deletes_rules(self, api: Api, world: World) -> None:
        for action, data in (("down", {"rule_id": "r1"}), ("disable", {"rule_id": "r2"})):
            assert post(api, world, "write", f"/projects/{world.project_id}/{action}", data).status_code == 303
        assert [(r["id"], r.get("enabled", True)) for r in rules_of(api, world)] == [("r2", False), ("r1", True)]
        post(api, world, "write", f"/projects/{world.project_id}/delete", {"rule_id": "r2"})
        assert [r["id"] for r in rules_of(api, world)] == ["r1"]

    def test_each_rule_control_names_its_rule_and_the_ends_cannot_move_out(self, api: Api, world: World) -> None:
        shown = page(api, world, "write", f"/projects/{world.project_id}").text
        names = set(re.findall(r'aria-label="([^"]*rule \d+)"', shown))
        assert names == {"Edit rule 1", "Disable rule 1", "Move down rule 1", "Delete rule 1",
                         "Edit rule 2", "Disable rule 2", "Move up rule 2", "Delete rule 2"}

    def test_run_now_starts_a_run(self, api: Api, world: World) -> None:
        assert post(api, world, "write", f"/projects/{world.project_id}/run", {}).status_code == 303
        assert api.launched == [world.project_id]


class TestRuleEditor:
    def test_the_preview_counts_what_the_draft_changes_and_saves_nothing(self, api: Api, world: World) -> None:
        before = rules_of(api, world)
        shown = post(api, world, "write", f"/projects/{world.project_id}/rules/preview", {
            "type": "rewriting", "rule": '{"element": "MANUFACTURER", "value": "ACME"}', "rule_id": ""})
        products = SAMPLE.read_text(encoding="utf-8").count("<SHOPITEM>")
        assert f"{products} products change</strong> of {products}" in shown.text
        assert "MANUFACTURER" in shown.text and "ACME" in shown.text
        assert rules_of(api, world) == before

    def test_a_bad_rule_is_shown_under_the_field_and_not_saved(self, api: Api, world: World) -> None:
        before = rules_of(api, world)
        shown = post(api, world, "write", f"/projects/{world.project_id}/rules/save",
                     {"type": "hiding", "rule": '{"query": "[PRICE_VAT] >"}', "rule_id": ""})
        assert shown.status_code == 422
        assert 'id="rule-problems"' in shown.text and "rule 3 (hiding)" in shown.text
        assert 'aria-invalid="true"' in shown.text
        assert rules_of(api, world) == before

    def test_saving_a_rule_in_place_keeps_its_id_and_position(self, api: Api, world: World) -> None:
        saved = post(api, world, "write", f"/projects/{world.project_id}/rules/save",
                     {"type": "rewriting", "rule": '{"element": "PRODUCTNAME", "value": "x"}', "rule_id": "r1"})
        assert saved.status_code == 303
        assert rules_of(api, world)[0] == {"type": "rewriting", "element": "PRODUCTNAME", "value": "x", "id": "r1"}

    def test_readers_see_the_rule_without_a_form(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", f"/projects/{world.project_id}/rules/r1").text
        assert "%MANUFACTURER% %PRODUCTNAME%" in shown and "Save the rule" not in shown


def export_of(api: Api, world: World) -> ExportSpec:
    with make_session_factory(api.engine)() as session:
        return get_current_spec(session, world.users["owner"], world.project_id).exports[0]


class TestExportRules:
    """An export's own rules, in the rule editor of the shared ones pointed at the export."""

    def test_a_writer_adds_switches_and_deletes_an_exports_own_rule(self, api: Api, world: World) -> None:
        export = f"/projects/{world.project_id}/exports/heureka"
        shown = page(api, world, "write", export).text
        assert "No rules of its own" in shown and f'href="{export}/rules/new"' in shown
        assert f'action="{export}/rules/save"' in page(api, world, "write", f"{export}/rules/new").text

        added = post(api, world, "write", f"{export}/rules/save", {
            "type": "rewriting", "rule": '{"element": "PRODUCTNAME", "value": "%PRODUCTNAME% (H)"}', "rule_id": ""})
        assert (added.status_code, added.headers["location"]) == (303, f"{export}#rules")
        (rule,) = export_of(api, world).rules
        assert rule == {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% (H)", "id": rule["id"]}
        assert [r["id"] for r in rules_of(api, world)] == ["r1", "r2"]  # the shared rules stay as they were
        shown = page(api, world, "write", export).text
        assert f'href="{export}/rules/{rule["id"]}" aria-label="Edit rule 1"' in shown

        switched = post(api, world, "write", f"/projects/{world.project_id}/disable",
                        {"rule_id": rule["id"], "export": "heureka"})
        assert (switched.status_code, switched.headers["location"]) == (303, f"{export}#rules")
        assert export_of(api, world).rules[0]["enabled"] is False
        assert all(r.get("enabled", True) for r in rules_of(api, world))
        post(api, world, "write", f"/projects/{world.project_id}/delete", {"rule_id": rule["id"], "export": "heureka"})
        assert export_of(api, world).rules == []
        with make_session_factory(api.engine)() as session:
            notes = [r.note for r in list_history(session, world.users["owner"], world.project_id)]
        assert notes[:3] == ["rule deleted (export heureka)", "rule disabled (export heureka)",
                             "rule added (export heureka)"]

    def test_a_bad_rule_is_shown_under_the_field_and_not_saved(self, api: Api, world: World) -> None:
        shown = post(api, world, "write", f"/projects/{world.project_id}/exports/heureka/rules/save",
                     {"type": "hiding", "rule": '{"query": "[PRICE_VAT] >"}', "rule_id": ""})
        assert shown.status_code == 422
        assert 'id="rule-problems"' in shown.text and "export &#39;heureka&#39;: rule 1 (hiding)" in shown.text
        assert export_of(api, world).rules == []

    def test_the_preview_runs_the_shared_rules_first(self, api: Api, world: World) -> None:
        _, name, maker, _ = sample_products()[0]
        shown = post(api, world, "read", f"/projects/{world.project_id}/exports/heureka/rules/preview", {
            "type": "rewriting", "rule": '{"element": "PRODUCTNAME", "value": "%PRODUCTNAME% (H)"}', "rule_id": ""})
        assert f"{maker} {name} (H)" in shown.text  # after shared rule 1 put the maker first

    def test_readers_see_the_rules_and_settings_and_the_server_refuses_their_changes(self, api: Api,
                                                                                     world: World) -> None:
        export = f"/projects/{world.project_id}/exports/heureka"
        shown = page(api, world, "read", export).text
        assert "Rules of this export" in shown and "Add a rule" not in shown
        assert "Invalid products" in shown and "Save the settings" not in shown
        saved = post(api, world, "read", f"{export}/rules/save",
                     {"type": "hiding", "rule": '{"query": "[PRICE_VAT] > 0"}', "rule_id": ""})
        settings = post(api, world, "read", f"{export}/settings", {"invalid": "keep"})
        assert saved.status_code == settings.status_code == 403
        assert export_of(api, world) == export_of(api, world).model_copy(update={"rules": [], "invalid": None})

    def test_an_unknown_export_is_a_404(self, api: Api, world: World) -> None:
        path = f"/projects/{world.project_id}/exports/google/rules"
        assert page(api, world, "write", f"{path}/new").status_code == 404
        refused = post(api, world, "write", f"{path}/save", {"type": "hiding", "rule": '{"query": "A = 1"}'})
        assert refused.status_code == 404 and "no export &#39;google&#39;" in refused.text


class TestExportSettings:
    def test_a_writer_saves_the_settings_as_a_new_revision(self, api: Api, world: World) -> None:
        path = f"/projects/{world.project_id}/exports/heureka"
        saved = post(api, world, "write", f"{path}/settings", {
            "invalid": "fail", "max_invalid_percent": "12.5", "default_category": "Heureka.cz | Dům a zahrada",
            "delivery-0-id": "PPL", "delivery-0-price": "99", "delivery-0-price_cod": "129",
            "delivery-1-id": "", "delivery-1-price": "", "delivery-1-price_cod": "",  # an empty row is no row
            "delivery-2-id": "ZASILKOVNA", "delivery-2-price": "69", "delivery-2-price_cod": "",
            "mapping-0-from": "NAZEV", "mapping-0-to": "PRODUCTNAME"})
        assert (saved.status_code, saved.headers["location"]) == (303, f"{path}#settings")
        export = export_of(api, world)
        assert (export.invalid, export.max_invalid_percent, export.default_category, export.mapping) == (
            "fail", 12.5, "Heureka.cz | Dům a zahrada", {"NAZEV": "PRODUCTNAME"})
        assert [(d.id, d.price, d.price_cod) for d in export.delivery] == [
            ("PPL", Decimal("99"), Decimal("129")), ("ZASILKOVNA", Decimal("69"), None)]
        shown = page(api, world, "write", path).text
        assert 'name="delivery-1-id" value="ZASILKOVNA"' in shown and 'name="delivery-4-id" value=""' in shown
        assert '<option value="fail" selected>' in shown and 'value="12.5"' in shown

        cleared = post(api, world, "write", f"{path}/settings", {"delivery-0-id": "", "delivery-0-price": ""})
        assert cleared.status_code == 303
        assert (export_of(api, world).delivery, export_of(api, world).invalid) == ([], None)
        with make_session_factory(api.engine)() as session:
            assert list_history(session, world.users["owner"], world.project_id)[0].note == (
                "export heureka settings changed")

    def test_every_problem_is_named_as_the_api_names_it_and_the_form_keeps_what_was_typed(
        self, api: Api, world: World
    ) -> None:
        before = export_of(api, world)
        typed = {"invalid": "fail", "max_invalid_percent": "150", "default_category": "",
                 "delivery-0-id": "ppl", "delivery-0-price": "9,50", "delivery-0-price_cod": "",
                 "mapping-0-from": "NAZEV", "mapping-0-to": "", "mapping-1-from": "A", "mapping-1-to": "title",
                 "mapping-2-from": "A", "mapping-2-to": "description"}
        shown = post(api, world, "write", f"/projects/{world.project_id}/exports/heureka/settings", typed)
        assert shown.status_code == 422
        problems = re.findall(r"<li>([^<]*)</li>", shown.text.split('id="settings-problems"')[1].split("</ul>")[0])
        assert problems[:2] == [
            "mapping, row 1: name both the source element and the element it is read as",
            "mapping, row 3: &#39;A&#39; is mapped in an earlier row already",
        ]
        with api.client() as client:  # the same values through the API: the same messages
            spec = client.get(f"/api/v1/projects/{world.project_id}", headers=world.as_("write")).json()["spec"]
            spec["exports"][0].update(invalid="fail", max_invalid_percent="150", mapping={"A": "title"},
                                      delivery=[{"id": "ppl", "price": "9,50", "price_cod": None}])
            refused = client.put(f"/api/v1/projects/{world.project_id}", json={"spec": spec},
                                 headers=world.as_("write"))
        assert refused.status_code == 422
        assert problems[2:] == [p["message"].replace("'", "&#39;") for p in refused.json()["problems"]]
        assert len(problems) == 5  # the limit, the delivery id, its price
        for field, value in (("delivery-0-id", "ppl"), ("delivery-0-price", "9,50"), ("mapping-2-to", "description"),
                             ("max_invalid_percent", "150")):
            assert f'name="{field}" value="{value}"' in shown.text
        assert export_of(api, world) == before


class TestExportTemplate:
    """The export page's custom template: saved with the settings (the export's format becomes "template"), every
    problem named when refused, and the products it could not write shown as the run's problems."""

    TEMPLATE = {"kind": "xml", "root": "SHOP", "item": "ITEM", "elements": [
        {"name": "ID", "path": "ITEM_ID"},
        {"name": "WEIGHT", "expr": 'if(contains(ITEM_ID, "-CER"), replace(ITEM_ID, ITEM_ID, "free") + 1, 1)'}]}

    def test_a_writer_saves_a_template_and_the_page_shows_it(self, api: Api, world: World) -> None:
        path = f"/projects/{world.project_id}/exports/heureka"
        saved = post(api, world, "write", f"{path}/settings", {"template": json.dumps(self.TEMPLATE)})
        assert (saved.status_code, saved.headers["location"]) == (303, f"{path}#settings")
        export = export_of(api, world)
        assert (export.format, export.template) == ("template", self.TEMPLATE)
        shown = page(api, world, "write", path).text
        textarea = shown.split('<textarea id="template" name="template"')[1].split("</textarea>")[0]
        assert json.loads(html.unescape(textarea.split(">", 1)[1])) == self.TEMPLATE
        assert "(template)" in page(api, world, "read", f"/projects/{world.project_id}").text
        read_only = page(api, world, "read", path).text
        assert "Custom template (JSON)" in read_only and "&#34;WEIGHT&#34;" in read_only

    @pytest.mark.parametrize(("typed", "expected"), [
        ('{"kind": "xml", "root": "SHOP"', ["template: not JSON: Expecting &#39;,&#39; delimiter at line 1, "
                                           "column 31"]),
        (json.dumps({"kind": "csv", "delimiter": "#", "columns": [{"name": "a", "expr": "upper("}, {"name": "b"}]}),
         ["export &#39;heureka&#39;: template &gt; columns[0] &#34;a&#34; &gt; expr: ",
          "export &#39;heureka&#39;: template &gt; columns[1] &#34;b&#34;: give exactly one of path, expr, text",
          "export &#39;heureka&#39;: template &gt; delimiter: "]),
        (json.dumps({"kind": "csv", "columns": [{"name": "a", "path": "ITEM_ID"}]}),  # publishes heureka.xml
         ["export &#39;heureka&#39;: its template writes .csv but its URI ends in .xml"]),
    ])  # fmt: skip
    def test_every_problem_is_named_and_the_form_keeps_what_was_typed(
        self, typed: str, expected: list[str], api: Api, world: World
    ) -> None:
        before = export_of(api, world)
        shown = post(api, world, "write", f"/projects/{world.project_id}/exports/heureka/settings",
                     {"template": typed, "invalid": "drop"})
        assert shown.status_code == 422
        problems = re.findall(r"<li>([^<]*)</li>", shown.text.split('id="settings-problems"')[1].split("</ul>")[0])
        assert len(problems) == len(expected)
        assert all(problem.startswith(start) for problem, start in zip(problems, expected, strict=True)), problems
        assert html.escape(typed, quote=True).replace("&#x27;", "&#39;") in shown.text.replace("&#34;", "&quot;")
        assert export_of(api, world) == before

    def test_products_the_template_cannot_write_are_the_runs_problems(self, api: Api, world: World,
                                                                         tmp_path: Path) -> None:
        from flows.processing import process_feed

        spec = ProjectSpec(source=str(SAMPLE), exports=[
            ExportSpec(name="heureka", format="template", uri="", template=self.TEMPLATE)])
        processed = process_feed(SAMPLE, spec, tmp_path, allow_empty=False, allow_private_urls=False,
                                 allow_local_files=True)
        ceramic = [item.findtext("ITEM_ID") for item in etree.parse(str(SAMPLE)).getroot().iter("SHOPITEM")
                   if "-CER" in (item.findtext("ITEM_ID") or "")]
        assert processed.outputs["heureka"].name == "heureka.xml"
        assert processed.report["exports"][0]["problems"] == [f"{id_}: WEIGHT: 'free' is not a number"
                                                              for id_ in ceramic]
        run_id = add_run(api, world, processed.report)

        run_page = page(api, world, "read", f"/projects/{world.project_id}/runs/{run_id}").text
        assert f"{23 - len(ceramic)} products written, {len(ceramic)} invalid" in run_page
        assert f"<li>{ceramic[0]}: WEIGHT: &#39;free&#39; is not a number</li>" in run_page
        export_page = page(api, world, "read", f"/projects/{world.project_id}/exports/heureka").text
        row = export_page.split("<td>WEIGHT: &#39;free&#39; is not a number</td>")[1].split("</tr>")[0]
        assert f"<td>{len(ceramic)}: {', '.join(ceramic)}" in row


class TestShopPage:
    def test_only_the_owner_gets_member_transfer_and_delete_controls(self, api: Api, world: World) -> None:
        owner = page(api, world, "owner", f"/shops/{world.shop_id}").text
        writer = page(api, world, "write", f"/shops/{world.shop_id}").text
        for control in ("Invite</button>", "Transfer the shop", "Delete the shop", "Access of write@example.com"):
            assert control in owner and control not in writer
        assert "New project" in writer and "Leave this shop" in writer

    def test_the_owner_changes_a_level_through_the_form(self, api: Api, world: World) -> None:
        changed = post(api, world, "owner", f"/shops/{world.shop_id}/level",
                       {"user_id": str(world.users["write"].id), "level": "read"})
        assert changed.status_code == 303
        with make_session_factory(api.engine)() as session:
            levels = {m.email: m.level.label for m in list_members(session, world.users["owner"], world.shop_id)}
        assert levels["write@example.com"] == "read"

    def test_a_writer_cannot_delete_the_shop(self, api: Api, world: World) -> None:
        refused = post(api, world, "write", f"/shops/{world.shop_id}/delete", {"name": "Kola s.r.o."})
        assert refused.status_code == 403 and "deleting it needs owner access" in refused.text
        assert page(api, world, "write", f"/shops/{world.shop_id}/delete").status_code == 403
        assert "Kola s.r.o." in page(api, world, "owner", "/").text

    def test_deleting_asks_for_the_name_and_says_what_is_wrong_next_to_the_field(self, api: Api,
                                                                                 world: World) -> None:
        form = page(api, world, "owner", f"/shops/{world.shop_id}/delete")
        assert form.status_code == 200 and 'for="confirm-name"' in form.text
        wrong = post(api, world, "owner", f"/shops/{world.shop_id}/delete", {"name": "Kola"})
        assert wrong.status_code == 422
        assert 'aria-describedby="confirm-name-error"' in wrong.text
        assert 'id="confirm-name-error" class="error" role="alert">Type the shop' in wrong.text
        assert "Kola s.r.o." in page(api, world, "owner", "/").text

        done = post(api, world, "owner", f"/shops/{world.shop_id}/delete", {"name": " Kola s.r.o. "})
        assert (done.status_code, done.headers["location"]) == (303, "/")
        shown = page(api, world, "owner", f"/shops/{world.shop_id}").text
        assert "This shop is deleted" in shown and "Restore the shop" in shown
        writer = page(api, world, "write", f"/shops/{world.shop_id}")
        assert writer.status_code == 403 and "Restore the shop" not in writer.text

        assert post(api, world, "owner", f"/shops/{world.shop_id}/restore", {}).status_code == 303
        assert "Transfer the shop" in page(api, world, "owner", f"/shops/{world.shop_id}").text


class TestBillingPage:
    def test_the_owner_sees_each_period_priced_and_changes_it(self, api: Api, world: World) -> None:
        path = f"/shops/{world.shop_id}/billing"
        shown = page(api, world, "owner", path).text
        monthly = Decimal("290") * Decimal("1.21")  # the smallest tier, VAT 21 % included
        for period, months, percent_off in (("monthly", 1, 0), ("half-yearly", 6, 10), ("yearly", 12, 20)):
            total = (monthly * months * (100 - percent_off) / 100).quantize(Decimal("0.01"))
            off = f" ({percent_off} % off)" if percent_off else ""
            assert f"{period}: {total} CZK{off}</label>" in shown
        assert 'value="monthly" checked' in shown

        assert post(api, world, "owner", f"/shops/{world.shop_id}/period", {"period": "yearly"}).status_code == 303
        shown = page(api, world, "owner", path).text
        assert 'value="yearly" checked' in shown and "billing period: yearly" in shown  # no invoice yet: at once

    def test_only_the_owner_may_open_or_post_it(self, api: Api, world: World) -> None:
        assert page(api, world, "write", f"/shops/{world.shop_id}/billing").status_code == 403
        refused = post(api, world, "write", f"/shops/{world.shop_id}/period", {"period": "yearly"})
        assert refused.status_code == 403
        assert 'value="monthly" checked' in page(api, world, "owner", f"/shops/{world.shop_id}/billing").text

    def test_invoices_are_listed_with_what_was_paid_and_download_as_pdf(self, api: Api, world: World) -> None:
        from datetime import date

        from accounts import issue_invoice, record_payment
        from tests.flows.test_billing_year import pdf_text

        with make_session_factory(api.engine).begin() as session:
            number = issue_invoice(session, world.shop_id, period_start=date.today()).number  # 350.90 CZK
            record_payment(session, number, amount=Decimal("100"), reference="bank 1")
        shown = page(api, world, "owner", f"/shops/{world.shop_id}/billing").text
        assert f"<td>{number}</td>" in shown and "partly: 100.00 of 350.90 CZK" in shown
        link = f"/shops/{world.shop_id}/invoices/{number}.pdf"
        assert f'<a href="{link}" download>PDF of {number}</a>' in shown
        pdf = page(api, world, "owner", link)
        assert pdf.headers["content-type"] == "application/pdf" and f"Invoice {number}" in pdf_text(pdf.content)
        assert page(api, world, "write", link).status_code == 403
        assert page(api, world, "owner", f"/shops/{world.shop_id}/invoices/1999-000001.pdf").status_code == 404

    def test_an_unknown_period_is_refused_by_name(self, api: Api, world: World) -> None:
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/period", {"period": "weekly"})
        assert refused.status_code in (400, 422) and "weekly" in refused.text


class TestEmailedOffers:
    def test_a_dead_invitation_link_says_so_before_anything_is_pressed(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", "/invitations/not-a-token")
        assert shown.status_code == 404 and "This link no longer works" in shown.text
        assert "Accept</button>" not in shown.text


class TestFormsNeedTheSessionsCsrfToken:
    def test_a_cookie_session_post_without_the_token_is_refused(self, api: Api, world: World) -> None:
        with api.client() as client:
            logged_in = client.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
            token = logged_in.json()["csrf_token"]
            refused = client.post(f"/shops/{world.shop_id}/rename", data={"name": "Hijacked"})
            done = client.post(f"/shops/{world.shop_id}/rename", data={"name": "Kola a.s.", "csrf_token": token})
        assert refused.status_code == 403 and done.status_code == 303
        assert "Kola a.s." in page(api, world, "owner", "/").text



def add_run(api: Api, world: World, report: dict[str, object]) -> int:
    """A finished run of the current revision with `report`, as the flow records it."""
    from accounts.models import Project
    from accounts.runs import RunOutcome, RunStatus, finish_run, start_run

    with make_session_factory(api.engine)() as session:
        project = session.get_one(Project, world.project_id)
        run = start_run(session, project, revision=project.head, spec_sha256="", trigger="test", host="test")
        finish_run(session, run, RunOutcome(RunStatus.SUCCEEDED, products_in=23, products_out=23, report=report))
        session.commit()
        return run.id


class TestWhatTheLastRunSaid:
    REPORT = {
        "rules": [{"index": 1, "type": "rewriting", "name": "", "selected": 23, "changed": 21, "errors": 0},
                  {"index": 2, "type": "hiding", "name": "", "selected": 2, "changed": 0, "errors": 3}],
        "exports": [{"name": "heureka", "invalid": 3, "products_out": 23, "problems": [
            "A1: missing PRICE_VAT; IMGURL is not an http(s) URL", "A2: missing PRICE_VAT", "A3: missing PRICE_VAT"]}],
    }

    def test_each_rule_shows_what_it_selected_changed_and_failed(self, api: Api, world: World) -> None:
        add_run(api, world, self.REPORT)
        shown = page(api, world, "read", f"/projects/{world.project_id}").text
        assert "Last run: 23 selected, 21 changed</div>" in shown
        assert "Last run: 2 selected, 0 changed" in shown and "3 errors" in shown

    def test_the_run_page_shows_the_whole_report(self, api: Api, world: World) -> None:
        report = {**self.REPORT, "source_format": "heureka", "encoding": "utf-8", "hidden": 2,
                  "rule_errors": {"count": 3, "first": ["rule 2 (hiding), product A7: division by zero"]},
                  "published": [{"name": "heureka", "uri": "file:///srv/feeds/heureka.xml", "bytes": 2048,
                                 "sha256": "ab" * 32, "version_id": None}]}
        run_id = add_run(api, world, report)
        shown = page(api, world, "read", f"/projects/{world.project_id}/runs/{run_id}").text
        assert "heureka, utf-8" in shown and "<dd>2</dd>" in shown  # source read, products hidden
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", shown.split('id="run-rules"')[1].split("</table>")[0])
        assert cells[5:10] == ["2", "hiding", "2", "0", "3"]  # the second rule: #, type, selected, changed, errors
        assert "3 rule errors; the first:" in shown and "product A7: division by zero" in shown
        assert "23 products written, 3 invalid" in shown
        assert "A2: missing PRICE_VAT" in shown
        assert "file:///srv/feeds/heureka.xml</span>, 2.0 kB" in shown

    def test_the_run_page_shows_what_was_left_out_duplicates_each_exports_rules_and_a_stopped_rule(
        self, api: Api, world: World
    ) -> None:
        stopped = "stopped after 31.0 s on 620 products, past its budget of 30 s + 1 ms a product"
        report = {
            "rules": [{"index": 1, "type": "replacing", "name": "", "selected": 620, "changed": 0, "errors": 620,
                       "stopped": stopped, "not_run": 9380}],
            "exports": [{"name": "heureka", "invalid": 5, "products_out": 20, "left_out_invalid": 5,
                         "duplicates": ["123: 3 occurrences, 2 left out after the first (lines 40, 77)"],
                         "duplicate_ids": 1, "too_many_invalid": "export 'heureka': 5 of 25 products (20%) are "
                         "invalid for heureka, more than its 10 % limit; they were left out",
                         "rules": [{"index": 1, "type": "utm", "selected": 20, "changed": 20, "errors": 0}]}],
        }
        shown = page(api, world, "read", f"/projects/{world.project_id}/runs/{add_run(api, world, report)}").text
        assert f"Rule 1: {stopped}; 9380 products not run." in shown
        assert "5 invalid products were left out." in shown and "more than its 10 % limit" in shown
        assert "1 ids occur more than once" in shown and "<li>123: 3 occurrences, 2 left out" in shown
        assert "rule 1 (utm): 20 selected, 20 changed, 0 errors" in shown

    def test_the_export_page_groups_invalid_products_by_reason(self, api: Api, world: World) -> None:
        run_id = add_run(api, world, self.REPORT)
        shown = page(api, world, "read", f"/projects/{world.project_id}/exports/heureka").text
        assert f">{run_id}</a>: 3 invalid of 23 products" in shown
        rows = shown.split("<td>missing PRICE_VAT</td>")[1].split("</tr>")[0]
        assert "3: A1, A2, A3" in rows
        assert "<td>IMGURL is not an http(s) URL</td><td>1: A1</td>" in shown

    def test_basic_auth_is_set_and_cleared_from_the_export_page(self, api: Api, world: World) -> None:
        path = f"/projects/{world.project_id}/exports/heureka"
        login = {"user": "google", "password": "s3cret!"}
        assert post(api, world, "write", f"{path}/basic-auth", login).status_code == 303
        assert "log in as <strong>google</strong>" in page(api, world, "read", path).text
        assert post(api, world, "read", f"{path}/basic-auth", {"clear": "1"}).status_code == 403
        assert post(api, world, "write", f"{path}/basic-auth", {"clear": "1"}).status_code == 303
        assert "Anyone with the URL" in page(api, world, "write", path).text

    def test_saved_queries_show_how_many_products_they_select(self, api: Api, world: World) -> None:
        from lxml import etree

        expected = sum(
            1 for item in etree.parse(str(SAMPLE)).getroot().iter("SHOPITEM")
            if float(item.findtext("PRICE_VAT").replace(",", ".")) > 1000
        )
        shown = page(api, world, "read", f"/projects/{world.project_id}/queries").text
        assert f"[PRICE_VAT] &gt; 1000</span>: {expected} products" in shown


def sample_products() -> list[tuple[str, str, str, float]]:
    """(ITEM_ID, PRODUCTNAME, MANUFACTURER, PRICE_VAT) of every product of the sample feed, read with lxml."""
    from lxml import etree

    return [(item.findtext("ITEM_ID"), item.findtext("PRODUCTNAME"), item.findtext("MANUFACTURER") or "",
             float(item.findtext("PRICE_VAT").replace(",", ".")))
            for item in etree.parse(str(SAMPLE)).getroot().iter("SHOPITEM")]


class TestProductBrowser:
    def test_a_query_filters_and_each_row_shows_input_and_output(self, api: Api, world: World) -> None:
        products = sample_products()
        cheap = [p for p in products if p[3] < 500]
        shown = page(api, world, "read", f"/projects/{world.project_id}/products?query=[PRICE_VAT] < 500").text
        assert f"{len(cheap)} of {len(products)} products match." in shown
        item_id, name, maker, _ = cheap[0]
        row = shown.split(f">{item_id}</a>")[1].split("</tr>")[0]
        assert f"PRODUCTNAME: {name}" in row  # the input
        assert f"<strong>PRODUCTNAME: {maker} {name}</strong>" in row  # the output, changed by rule 1

    def test_sort_by_orders_the_products_and_the_pages(self, api: Api, world: World) -> None:
        query = "[PRICE_VAT] > 100 SORT BY [PRICE_VAT] DESC AS NATURAL"
        expected = [p[0] for p in sorted(sample_products(), key=lambda p: -p[3]) if p[3] > 100]  # ties: feed order
        shown = page(api, world, "read", f"/projects/{world.project_id}/products?query={query}").text
        assert re.findall(rf'href="/projects/{world.project_id}/products/([^"]+)"', shown) == expected
        listed, cursor = [], ""
        while cursor is not None:  # the API's pages, 5 at a time, follow the same order without a gap or a repeat
            found = page(api, world, "read", f"/api/v1/projects/{world.project_id}/products?limit=5&query={query}"
                                             + (f"&cursor={cursor}" if cursor else "")).json()
            listed += [item["id"] for item in found["items"]]
            cursor = found["next_cursor"]
        assert listed == expected

    def test_the_trace_shows_each_rule_and_a_missing_id_is_a_404(self, api: Api, world: World) -> None:
        item_id, name, maker, price = sample_products()[0]
        shown = page(api, world, "read", f"/projects/{world.project_id}/products/{item_id}").text
        assert f"PRODUCTNAME: {name} → {maker} {name}" in shown
        assert "not selected by ([PRICE_VAT] &gt; 10000)" in shown and price <= 10000
        assert "Visible in the exports." in shown

        from accounts import edit_project

        with make_session_factory(api.engine).begin() as session:  # the first export gets rules of its own
            owner = session.merge(world.users["owner"])
            edit_project(session, owner, world.project_id, lambda spec: spec.model_copy(
                update={"exports": [spec.exports[0].model_copy(update={"rules": [
                    {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% (H)"}]})]}))
            export = get_current_spec(session, owner, world.project_id).exports[0]
        shown = page(api, world, "read", f"/projects/{world.project_id}/products/{item_id}").text
        assert f"export {export.name}: rule 1 <strong>rewriting</strong>" in shown
        assert f"PRODUCTNAME: {maker} {name} → {maker} {name} (H)" in shown

        missing = page(api, world, "read", f"/projects/{world.project_id}/products/NO-SUCH-ID")
        assert missing.status_code == 404 and "no product with id &#39;NO-SUCH-ID&#39;" in missing.text
        assert page(api, world, "outsider", f"/projects/{world.project_id}/products/{item_id}").status_code == 404
