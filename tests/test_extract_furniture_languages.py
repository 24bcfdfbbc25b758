"""Furniture forms in many languages: each form on a line of its own, and prose that must survive."""

import pytest

from archive.extract import extract
from archive.extract.furniture import Line, furniture_reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # "read also" teasers
        ("Lesen Sie auch: Was der Streik für Pendler bedeutet", "insert"),
        ("Lest auch", "insert"),
        ("Mehr zum Thema", "insert"),
        ("Lire aussi : Les critiques de la CNIL contre le projet de loi", "insert"),
        ("À lire également", "insert"),
        ("Lee también: El Gobierno aprueba el plan", "insert"),
        ("Leggi anche: Il governo approva il piano", "insert"),
        ("Leia também: Governo aprova o plano", "insert"),
        ("Lees ook: Kabinet neemt maatregelen", "insert"),
        ("Les også: Regjeringen legger fram budsjettet", "insert"),
        ("Läs också: Regeringen lägger fram budgeten", "insert"),
        ("Læs også: Regeringen fremlægger budgettet", "insert"),
        ("Lue myös: Hallitus esittelee budjetin", "insert"),
        # consent placeholders
        ("Externer Inhalt nicht verfügbar", "consent placeholder"),
        ("Wir benötigen Ihre Zustimmung, um den Inhalt von YouTube anzuzeigen.", "consent placeholder"),
        ("Contenu externe : ce contenu est bloqué", "consent placeholder"),
        ("Para ver este contenido debes aceptar las cookies.", "consent placeholder"),
        ("Eksternt innhold", "consent placeholder"),
        ("Please enable JavaScript or accept cookies to view this content.", "consent placeholder"),
        # credits
        ("Foto: dpa", "credit"),
        ("Bild: Keystone", "credit"),
        ("Crédit : AFP", "credit"),
        ("Fotografía: EFE", "credit"),
        ("Foto di Mario Rossi", "credit"),
        ("Kuva: Lehtikuva", "credit"),
        # newsletter and subscription prompts
        ("Jetzt Newsletter abonnieren", "call to action"),
        ("Abonnez-vous à notre newsletter", "call to action"),
        ("Suscríbete a nuestro boletín", "call to action"),
        ("Iscriviti alla newsletter", "call to action"),
        ("Assine a nossa newsletter", "call to action"),
        ("Meld je aan voor de nieuwsbrief", "call to action"),
        ("Prenumerera på vårt nyhetsbrev", "call to action"),
        ("Tilaa uutiskirje", "call to action"),
        # share bars
        ("Teilen Drucken Kommentare", "interface"),
        ("Partager Imprimer", "interface"),
        ("Compartir Comentarios", "interface"),
        ("Del Kommentarer", "interface"),
    ],
)
def test_furniture_form(text, reason):
    assert furniture_reason(Line("p", text)) == reason


@pytest.mark.parametrize(
    "text",
    [
        "Die Leser lesen auch am Wochenende gern lange Reportagen, sagte die Chefredakteurin.",
        "Le ministre a dit qu'il faut lire aussi les rapports des experts avant de décider.",
        "La empresa pidió el consentimiento de los usuarios antes de usar sus datos personales en el estudio.",
        "Foto's van de overstroming gingen de hele dag rond op sociale media, zei de burgemeester.",
        "Regjeringen vil abonnere på en ny tjeneste for å varsle innbyggerne ved flom, sier ministeren.",
    ],
)
def test_prose_with_the_same_words_survives(text):
    assert furniture_reason(Line("p", text)) is None


def test_page_in_german_loses_its_furniture():
    body = "".join(
        f"<p>Absatz {i}: Die Stadt hat am Dienstag beschlossen, die Bibliothek auch im Winter bis "
        "zum späten Abend zu öffnen, nachdem viele Bürger darum gebeten hatten.</p>"
        for i in range(5)
    )
    page = (
        '<html lang="de"><head><title>Bibliothek bleibt offen</title></head><body><article>'
        "<h1>Bibliothek bleibt offen</h1>" + body[:400] + "<p>Lesen Sie auch: Neue Öffnungszeiten im Rathaus</p>"
        "<p>Externer Inhalt nicht verfügbar</p>" + body[400:] + "<p>Foto: dpa</p><p>Jetzt Newsletter abonnieren</p>"
        "</article></body></html>"
    ).encode()
    result = extract(page, "https://zeitung.example.de/bibliothek")
    assert result.is_article
    for furniture in ("Lesen Sie auch", "Externer Inhalt", "Foto: dpa", "Newsletter"):
        assert furniture not in result.text
    assert result.text.count("Absatz") == 5
