from django.db import migrations

# The platform's beneficiary tags (受益人群); organisers add their own per community.
PLATFORM_TAGS = ["一小", "一老", "困难群体", "公共空间"]


def add_tags(apps, schema_editor):
    BeneficiaryTag = apps.get_model("problems", "BeneficiaryTag")
    for name in PLATFORM_TAGS:
        BeneficiaryTag.objects.get_or_create(community=None, name=name)


def remove_tags(apps, schema_editor):
    BeneficiaryTag = apps.get_model("problems", "BeneficiaryTag")
    BeneficiaryTag.objects.filter(community=None, name__in=PLATFORM_TAGS).delete()


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [migrations.RunPython(add_tags, remove_tags)]
