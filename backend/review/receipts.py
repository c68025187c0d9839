"""Receipt files (票据): checked by their content, never by the name or the declared type.

Images are opened with Pillow (JPEG, PNG, WEBP); PDFs must start with the `%PDF-` header.
A file is stored under a name chosen here, with the extension of what it really is.
"""

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from core.errors import ApplicationError

IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PDF_TYPE = ("application/pdf", "pdf")
PDF_MAGIC = b"%PDF-"


def max_bytes() -> int:
    return int(getattr(settings, "REVIEW_RECEIPT_MAX_BYTES", 10 * 1024 * 1024))


def max_count() -> int:
    return int(getattr(settings, "REVIEW_RECEIPT_MAX_COUNT", 6))


@dataclass(frozen=True)
class CheckedReceipt:
    file: UploadedFile
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str

    @property
    def stored_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_receipt", fields={field: [message]})


def check_receipt(file: UploadedFile, field: str = "receipts") -> CheckedReceipt:
    """Refuse empty, oversized and disguised files; say what the file really is."""
    size = file.size or 0
    limit = max_bytes()
    if size <= 0:
        raise _refuse(field, _("票据文件是空的。"))
    if size > limit:
        raise _refuse(field, _("每个票据文件不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(PDF_MAGIC):
        content_type, extension = PDF_TYPE
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(file) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise _refuse(field, _("票据只支持 JPG、PNG、WEBP 图片或 PDF 文件。")) from exc
        finally:
            file.seek(0)
        if fmt not in IMAGE_TYPES:
            raise _refuse(field, _("票据只支持 JPG、PNG、WEBP 图片或 PDF 文件。"))
        content_type, extension = IMAGE_TYPES[fmt]
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1][:200] or f"receipt.{extension}"
    return CheckedReceipt(file, content_type, extension, size, digest.hexdigest(), name)


def check_receipts(files: list[UploadedFile], *, required: bool, field: str = "receipts") -> list[CheckedReceipt]:
    if required and not files:
        raise _refuse(field, _("请至少上传一张票据（发票、收据照片或 PDF）。"))
    if len(files) > max_count():
        raise _refuse(field, _("一次最多上传 %(n)d 个票据文件。") % {"n": max_count()})
    return [check_receipt(f, field) for f in files]
