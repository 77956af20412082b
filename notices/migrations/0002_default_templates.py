"""The default wording of the messages to applicants (Vietnamese), which an administrator then edits in
the admin; rows already there are left as they are. Each SMS fits one message without diacritics with
realistic values (tests/integration/test_notices.py)."""
from django.db import migrations

SIGNATURE = "Tin nhắn tự động của hệ thống Một Cửa; xin đừng trả lời thư này."

SMS = {
    "received": "{office} đã tiếp nhận hồ sơ {code}. Hẹn trả kết quả lúc {appointment}.",
    "supplement": "{office}: hồ sơ {code} cần bổ sung: {missing}. Thời hạn tạm dừng đến khi nhận đủ.",
    "paused": "{office}: hồ sơ {code} tạm dừng xử lý: {reason}. Sẽ báo khi xử lý tiếp.",
    "resumed": "{office}: hồ sơ {code} được xử lý tiếp. Hẹn trả kết quả lúc {appointment}.",
    "late": "{office} xin lỗi: hồ sơ {code} chậm so với hẹn. Hẹn lại trả kết quả lúc {new_date}.",
    "result_ready": "Hồ sơ {code} đã có kết quả. Mời nhận tại {place}, mang theo giấy hẹn.",
    "returned_unresolved": "{office}: hồ sơ {code} được trả lại, không giải quyết: {reason}.",
    "ticket_answered": "{office} đã trả lời phản ánh, kiến nghị {code}: {answer}",
}

EMAIL = {
    "received": (
        "Hồ sơ {code} đã được tiếp nhận",
        "Kính gửi Ông/Bà,\n\n{office} đã tiếp nhận hồ sơ {code}.\nThời gian hẹn trả kết quả: {appointment}.",
    ),
    "supplement": (
        "Hồ sơ {code} cần bổ sung, hoàn thiện",
        "Kính gửi Ông/Bà,\n\nHồ sơ {code} cần bổ sung, hoàn thiện:\n{missing}\n\n"
        "Xin nộp phần bổ sung tại {place}. Thời hạn giải quyết tạm dừng đến khi nhận đủ hồ sơ.",
    ),
    "paused": (
        "Hồ sơ {code} tạm dừng xử lý",
        "Kính gửi Ông/Bà,\n\nHồ sơ {code} tạm dừng xử lý. Lý do: {reason}\n\n"
        "{office} sẽ báo khi hồ sơ được xử lý tiếp.",
    ),
    "resumed": (
        "Hồ sơ {code} được xử lý tiếp",
        "Kính gửi Ông/Bà,\n\nHồ sơ {code} được xử lý tiếp.\nThời gian hẹn trả kết quả: {appointment}.",
    ),
    "late": (
        "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        "Kính gửi Ông/Bà,\n\n{office} xin lỗi vì hồ sơ {code} không giải quyết được đúng hẹn.\n"
        "Lý do: {reason}\nThời gian hẹn lại trả kết quả: {new_date}.",
    ),
    "result_ready": (
        "Hồ sơ {code} đã có kết quả",
        "Kính gửi Ông/Bà,\n\nHồ sơ {code} đã có kết quả.\nMời Ông/Bà nhận kết quả tại {place}, "
        "mang theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả (hoặc giấy tờ tùy thân).",
    ),
    "returned_unresolved": (
        "Hồ sơ {code} được trả lại, không giải quyết",
        "Kính gửi Ông/Bà,\n\nHồ sơ {code} được trả lại, không giải quyết. Lý do: {reason}\n\n"
        "Mời Ông/Bà nhận lại hồ sơ tại {place}.",
    ),
    "ticket_answered": (
        "Trả lời phản ánh, kiến nghị {code}",
        "Kính gửi Ông/Bà,\n\n{office} trả lời phản ánh, kiến nghị {code} của Ông/Bà như sau:\n\n{answer}",
    ),
}


def preload(apps, schema_editor):
    MessageTemplate = apps.get_model("notices", "MessageTemplate")
    for kind, text in SMS.items():
        MessageTemplate.objects.get_or_create(kind=kind, channel="sms", defaults={"text": text})
    for kind, (subject, text) in EMAIL.items():
        MessageTemplate.objects.get_or_create(
            kind=kind, channel="email", defaults={"subject": subject, "text": f"{text}\n\n{SIGNATURE}"}
        )


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(preload, migrations.RunPython.noop),
    ]
