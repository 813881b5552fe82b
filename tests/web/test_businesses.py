"""The business register pages: search with paging, errors at the field, the business page
and the CSV import with its preview."""

import io

from sqlalchemy import func, select

from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections.findings import create_finding
from otto.inspections.models import Business
from tests.web.conftest import text


def test_search_finds_by_name_org_number_and_address(client, login, coordinator, make_business):
    make_business(name="Kiosken i Hallunda", org_number="556036-0793", address="Hallundav. 3")
    make_business(name="Salong Fönix", address="Storvretsvägen 40", category="frisor")
    login(coordinator)
    assert "Kiosken i Hallunda" in text(client.get("/verksamheter/?q=hallunda"))
    by_number = text(client.get("/verksamheter/?q=556036"))
    assert "Kiosken i Hallunda" in by_number and "Salong Fönix" not in by_number
    by_address = text(client.get("/verksamheter/?q=storvret"))
    assert "Salong Fönix" in by_address and "Kiosken" not in by_address
    by_category = text(client.get("/verksamheter/?kategori=frisor"))
    assert "Salong Fönix" in by_category and "Kiosken" not in by_category


def test_search_is_paged(client, login, coordinator, make_business):
    for n in range(30):
        make_business(name=f"Butik {n:02d}")
    login(coordinator)
    first = text(client.get("/verksamheter/?q=butik"))
    assert "Butik 00" in first and "Butik 29" not in first and "Sida 1 av 2" in first
    second = text(client.get("/verksamheter/?q=butik&sida=2"))
    assert "Butik 29" in second and "Butik 00" not in second


def test_a_wrong_org_number_is_shown_at_the_field(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/verksamheter/ny",
        data={
            "name": "Pizzeria Felnummer",
            "org_number": "556677-8890",
            "address": "Storgatan 2",
            "category": "pizzeria",
        },
    )
    body = text(response)
    assert response.status_code == 400
    assert 'id="org_number" name="org_number"' in body
    assert 'aria-invalid="true" aria-describedby="org_number-hint org_number-error"' in body
    assert 'id="org_number-error">Kontrollsiffran stämmer inte' in body
    assert 'value="Pizzeria Felnummer"' in body  # what was typed is kept
    count = select(func.count()).where(Business.name == "Pizzeria Felnummer")
    assert db.session.scalar(count) == 0


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_stored(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/verksamheter/ny",
        data={
            "name": "Kiosk\x00Noll",
            "org_number": "556677-8899",
            "address": "Storgatan 2",
            "category": "kiosk",
        },
    )
    assert response.status_code == 400
    assert "<html" in text(response)  # a page, not a JSON error or a server error
    count = select(func.count()).where(Business.address == "Storgatan 2")
    assert db.session.scalar(count) == 0


def test_create_and_edit_a_business(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/verksamheter/ny",
        data={
            "name": "Tumba Biltvätt",
            "org_number": "5560360793",
            "address": "Industrivägen 1",
            "category": "biltvatt",
        },
    )
    assert response.status_code == 302
    business = db.session.scalar(select(Business).where(Business.name == "Tumba Biltvätt"))
    assert business.org_number == "556036-0793"
    response = client.post(
        f"/verksamheter/{business.id}/redigera",
        data={
            "name": "Tumba Biltvätt & Rekond",
            "org_number": "556036-0793",
            "address": "Industrivägen 1",
            "category": "biltvatt",
        },
        follow_redirects=True,
    )
    assert "Tumba Biltvätt &amp; Rekond" in text(response)


def test_business_page_shows_visits_open_findings_across_visits(
    client, login, coordinator, make_business, make_visit, make_user
):
    business = make_business(name="Restaurang Historia")
    inspector = make_user(agency="miljo")
    first = make_visit(coordinator=coordinator, inspectors=[inspector], business_id=business.id)
    create_finding(
        Write(Actor(inspector)),
        visit_id=first.id,
        severity="major",
        description="Avloppet är igensatt",
    )
    db.session.commit()
    login(coordinator)
    body = text(client.get(f"/verksamheter/{business.id}"))
    assert "Besökshistorik" in body and f"/besok/{first.id}" in body
    assert "Avloppet är igensatt" in body and "Större avvikelse" in body


CSV = (
    "namn;organisationsnummer;adress;kategori\n"
    "Pizzeria Bra;556036-0793;Torget 1;pizzeria\n"
    "Kiosk Fel;556036-0794;Torget 2;kiosk\n"
    "Salong Utan Adress;5560360793;;Frisörsalong\n"
    "Pizzeria Bra;556036-0793;Torget 1;pizzeria\n"
)


def test_csv_import_previews_rejected_rows_with_reasons_then_imports(client, login, coordinator):
    login(coordinator)
    preview = client.post(
        "/verksamheter/import",
        data={"file": (io.BytesIO(CSV.encode()), "verksamheter.csv")},
        content_type="multipart/form-data",
    )
    body = text(preview)
    assert preview.status_code == 200
    assert "1 rader kan importeras. 3 rader avvisas." in body
    assert "Kiosk Fel" in body and "Kontrollsiffran stämmer inte" in body
    assert "Adress: Får inte vara tomt." in body
    assert "Samma verksamhet finns på en tidigare rad i filen." in body
    assert db.session.scalar(select(func.count()).where(Business.name == "Pizzeria Bra")) == 0
    confirm = client.post("/verksamheter/import/bekrafta", data={"text": CSV})
    assert confirm.status_code == 302
    assert db.session.scalar(select(func.count()).where(Business.name == "Pizzeria Bra")) == 1
    assert db.session.scalar(select(func.count()).where(Business.name == "Kiosk Fel")) == 0
    again = client.post(
        "/verksamheter/import",
        data={"file": (io.BytesIO(CSV.encode()), "verksamheter.csv")},
        content_type="multipart/form-data",
    )
    assert "Finns redan i registret" in text(again)


FULL_CSV = (
    "Namn;Organisationsnummer;Adress;Postnummer;Ort;Telefon;E-post;Kategori;Kontaktperson\n"
    "Tumba Nagel;556036-0793;Tumba torg 9;14730;Tumba;08-530 000 00;info@tumbanagel.se;"
    "Nagelsalong;Linh\n"
    "Alby Kiosk;556036-0793;Albyvägen 2;145 59;Alby;;;kiosk;\n"
    "Hallunda Spa;556036-0793;Hallundavägen 1;145 68;Hallunda;;;Spa;\n"
)


def test_csv_import_keeps_every_register_field_and_names_ignored_columns(
    client, login, coordinator
):
    login(coordinator)
    preview = client.post(
        "/verksamheter/import",
        data={"file": (io.BytesIO(FULL_CSV.encode()), "verksamheter.csv")},
        content_type="multipart/form-data",
    )
    body = text(preview)
    assert "2 rader kan importeras. 1 rader avvisas." in body
    assert "Kolumner som inte importeras" in body and "<strong>Kontaktperson</strong>" in body
    assert "Okänd kategori ”Spa”. Ange en av: Restaurang (restaurang), Pizzeria (pizzeria)" in body
    assert "Välj ett av alternativen i listan" not in body
    client.post("/verksamheter/import/bekrafta", data={"text": FULL_CSV})
    imported = db.session.scalars(select(Business).order_by(Business.name)).all()
    assert [(b.name, b.postal_code, b.city, b.phone, b.email, b.category) for b in imported] == [
        ("Alby Kiosk", "145 59", "Alby", "", "", "kiosk"),
        ("Tumba Nagel", "147 30", "Tumba", "08-530 000 00", "info@tumbanagel.se", "nagelsalong"),
    ]
    page = text(client.get(f"/verksamheter/{imported[1].id}"))
    assert "Tumba torg 9, 147 30 Tumba" in page and "info@tumbanagel.se" in page


def test_csv_without_the_needed_columns_is_refused_at_the_file_field(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/verksamheter/import",
        data={"file": (io.BytesIO(b"namn,adress\nA,B\n"), "fel.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert 'id="file-error">Rubrikraden saknar en kolumn' in text(response)


def test_inspectors_cannot_open_the_register(client, login, make_user):
    login(make_user(agency="polis"))
    assert client.get("/verksamheter/").status_code == 403
