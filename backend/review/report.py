"""The accountability report (项目结项报告) as CSV and PDF, in Chinese.

The PDF uses ReportLab's built-in CID font STSong-Light, which renders Chinese without any font
file in the repository."""

import csv
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import dimension_figures, report_rows

CJK_FONT = "STSong-Light"


def report_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs open the Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in report_rows(report):
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def report_pdf(report: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    campaign = report["campaign"]
    title_style = ParagraphStyle("title", fontName=CJK_FONT, fontSize=18, leading=24, spaceAfter=6)
    h_style = ParagraphStyle("h", fontName=CJK_FONT, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10, leading=14, wordWrap="CJK")

    def table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
        data = [[Paragraph(str(c), body) for c in row] for row in rows]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1efe9")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    def yuan(fen: int) -> str:
        return f"{fen / 100:,.2f}"

    story: list[Any] = [
        Paragraph(_("项目结项报告：%(title)s") % {"title": campaign.title}, title_style),
        Paragraph(
            _("生成时间：%(at)s") % {"at": timezone.localtime(report["generated_at"]).strftime("%Y-%m-%d %H:%M")}, body
        ),
        Paragraph(_("五筹情况"), h_style),
        table(
            [[_("维度"), _("目标"), _("认筹"), _("确认"), _("兑现")]]
            + [[d["label"], *dimension_figures(d)] for d in report["dimensions"]]
        ),
        Paragraph(_("资金来源"), h_style),
        table(
            [[_("来源"), _("金额（元）")]]
            + [[r["label"], yuan(r["amount_fen"])] for r in report["money_by_source"]]
            + [[_("配捐 · %(tier)s") % {"tier": r["label"]}, yuan(r["amount_fen"])] for r in report["money_by_tier"]]
            + [[_("资金合计"), yuan(report["money_in_fen"])]],
            [110 * mm, 50 * mm],
        ),
        Paragraph(_("资金支出"), h_style),
        table(
            [[_("日期"), _("内容"), _("收款方"), _("金额（元）"), _("转账凭证号")]]
            + [
                [i.spent_on.isoformat(), i.description, i.payee, yuan(i.amount_fen), i.transfer_reference]
                for i in report["disbursements"]
            ]
            + [[_("支出合计"), "", "", yuan(report["disbursed_fen"]), ""]]
        ),
        Paragraph(_("物资"), h_style),
        table(
            [[_("名称"), _("目标"), _("实收"), _("单位")]]
            + [[g["title"], str(g["target"]), str(g["received"]), g["unit"]] for g in report["goods"]]
        ),
        Paragraph(_("志愿服务与智慧"), h_style),
        table(
            [
                [_("项目"), _("数量")],
                [_("志愿服务时长（小时）"), str(report["volunteer_hours"])],
                [_("采纳的点子"), str(report["adopted_ideas"])],
                [_("采纳的方案"), str(report["adopted_proposals"])],
            ],
            [110 * mm, 50 * mm],
        ),
        Spacer(1, 6 * mm),
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, title=campaign.title, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm
    )
    doc.build(story)
    return buf.getvalue()
