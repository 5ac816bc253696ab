"""An invoice as a PDF (reportlab): number and dates, supplier and customer with their company and VAT ids,
the period, the tier, the discount as a line of its own, net, VAT rate, VAT and total, and the note
(reverse charge, a period change).

Text is in DejaVu Sans, kept in accounts/fonts: the PDF standard fonts have no č, ř or ľ, and a
server's fonts are not something to rely on.
"""

from __future__ import annotations

import io
from datetime import timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.models import Invoice
from accounts.pricing import money

FONTS = Path(__file__).parent / "fonts"


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("DejaVuSans", FONTS / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", FONTS / "DejaVuSans-Bold.ttf"))
    return "DejaVuSans", "DejaVuSans-Bold"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes: the same bytes' content each time, from what the invoice recorded when issued."""
    regular, bold = _fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=9.5, leading=13)
    title = ParagraphStyle("title", parent=text, fontName=bold, fontSize=16, leading=20)
    customer = invoice.billed_to
    last_day = invoice.period_end - timedelta(days=1)
    gross = money(invoice.monthly_price * invoice.months)
    discount = money(gross * invoice.discount)
    cur = invoice.currency

    def party(heading: str, fields: dict[str, str]) -> Paragraph:
        lines = [f"<b>{heading}</b>", escape(fields.get("name", "")), *escape(fields.get("address", "")).splitlines()]
        lines += [escape(fields.get("country", ""))] if fields.get("country") else []
        lines += [f"Company ID: {escape(fields['company_id'])}"] if fields.get("company_id") else []
        lines += [f"VAT ID: {escape(fields['vat_id'])}"] if fields.get("vat_id") else []
        return Paragraph("<br/>".join(line for line in lines if line), text)

    rate = f"{(invoice.vat_rate * 100).normalize():f} %"
    lines = [
        ["", "Amount"],
        [f"Feedhub, {invoice.tier} tier ({invoice.products:,} products), {invoice.billing_period}: "
         f"{invoice.months} x {invoice.monthly_price} {cur}", f"{gross} {cur}"],
        [f"Discount for paying {invoice.billing_period} ({(invoice.discount * 100).normalize():f} %)",
         f"-{discount} {cur}"],
        ["Net", f"{invoice.net} {cur}"],
        [f"VAT {rate}", f"{invoice.vat} {cur}"],
        ["Total", f"{invoice.total} {cur}"],
    ]
    table = Table([[Paragraph(escape(a), text), Paragraph(escape(b), text)] for a, b in lines],
                  colWidths=[130 * mm, 40 * mm])
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("LINEABOVE", (0, 3), (-1, 3), 0.5, colors.grey),
        ("LINEABOVE", (0, 5), (-1, 5), 1, colors.black), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTNAME", (0, 5), (-1, 5), bold),
    ]))
    parties = Table([[party("Supplier", invoice.supplier or {}), party("Customer", customer)]],
                    colWidths=[85 * mm, 85 * mm])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        Paragraph(f"Invoice {escape(invoice.number)}", title),
        Paragraph(f"Issued {invoice.issued_at:%Y-%m-%d}, due {invoice.due_date}, "
                  f"for {invoice.period_start} to {last_day}", text),
        Spacer(1, 6 * mm), parties, Spacer(1, 8 * mm), table,
    ]
    if invoice.note:
        story += [Spacer(1, 6 * mm), Paragraph(escape(invoice.note), text)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=f"Invoice {invoice.number}", author="Feedhub",
                                 leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    document.build(story)
    return buffer.getvalue()
